// Oracle BPM REST 4.0 wire types: the PUT /bpm/api/4.0/tasks/{id} body and the two task shapes seen in answers.
// Vendor doc: shared/vendor-docs/oracle-bpm-task-action.txt; classic task JSON: vendor-notes.md section 3a.

/** Action ids the vendor doc lists; a task may offer further Custom outcomes of its own. */
export const ORACLE_SYSTEM_ACTIONS = [
  'APPROVE', 'REJECT', 'REASSIGN', 'DELEGATE', 'WITHDRAW', 'SUSPEND', 'RESUME', 'DELETE', 'PURGE', 'ACQUIRE',
  'RELEASE', 'PUSHBACK', 'ERROR', 'ADHOC_ROUTE', 'INFO_REQUEST', 'INFO_SUBMIT', 'SKIP_CURRENT_ASSIGNMENT', 'SAVE',
  'ESCALATE',
] as const;

export type OracleIdentityType = 'user' | 'group' | 'application_role';

export interface OracleIdentity {
  id: string;
  type: OracleIdentityType | string;
  displayName?: string;
}

/** PUT /bpm/api/4.0/tasks/{id}: `identities` is top level, as 12c/OIC examples and real 4.0 clients send it. */
export interface OracleActionBody {
  action: { id: string };
  comment?: { commentStr: string; commentScope: 'TASK' };
  /** The target identities, in `identities` or `assignees` as the backend's `identitiesField` says. */
  identities?: OracleIdentity[];
  assignees?: OracleIdentity[];
  priority?: number;
  routingType?: string;
  routingAction?: string;
  votersPercentage?: number;
  defaultActionForGroupVote?: string;
}

export interface OracleActionListEntry {
  actionId: string;
  actionType?: 'System' | 'Custom' | string;
  title?: string;
  length?: number;
}

/** Oracle collections come as `{ items: [...] }`; some renderings use a bare array. */
export type OracleCollection<T> = { items?: T[]; hasMore?: boolean } | T[];

export interface OracleComment {
  commentStr?: string;
  commentScope?: string;
  updatedBy?: string | { id?: string };
  updatedDate?: string;
  id?: string | number;
}

export interface OracleAttachment {
  title?: string;
  mimeType?: string;
  updatedBy?: string;
  updatedDate?: string;
  attachmentScope?: string;
  uri?: { rel?: string; href?: string };
}

/** The classic task JSON (12c, OIC gen-1, older Fusion renderings): `number` is the path id. */
export interface OracleClassicTask {
  number: number | string;
  taskId?: string;
  title?: string;
  description?: string;
  state: string;
  substate?: string;
  outcome?: string;
  priority?: number;
  acquiredBy?: string;
  assignees?: OracleCollection<OracleIdentity>;
  createdBy?: string;
  fromUserName?: string;
  ownerUser?: string;
  category?: string;
  taskDefinitionName?: string;
  taskNamespace?: string;
  identificationKey?: string;
  processName?: string;
  assignedDate?: string;
  createdDate?: string;
  updatedDate?: string;
  dueDate?: string;
  actionList?: OracleCollection<OracleActionListEntry>;
  comments?: OracleCollection<OracleComment>;
  attachments?: OracleCollection<OracleAttachment>;
  [more: string]: unknown;
}

export type A2AState = 'submitted' | 'working' | 'input-required' | 'completed' | 'canceled' | 'failed' | 'unknown';

export interface A2ATextPart {
  kind?: 'text' | string;
  type?: string;
  text?: string;
  metadata?: Record<string, unknown>;
}

export interface A2AMessage {
  kind?: 'message';
  messageId?: string;
  role?: 'user' | 'agent';
  contextId?: string;
  taskId?: string;
  parts?: A2ATextPart[];
  metadata?: Record<string, unknown>;
}

/** The vendor doc's documented 200 body: an A2A-protocol-style Task. */
export interface OracleA2ATask {
  kind?: 'task';
  id: string;
  contextId?: string;
  status: { state: A2AState | string; message?: A2AMessage; timestamp?: string };
  artifacts?: unknown[];
  history?: A2AMessage[];
  /** Additional properties allowed: the emulator (and, we assume, Fusion) carries the classic fields here. */
  metadata?: Record<string, unknown>;
  final?: boolean;
}

/** GET /bpm/api/4.0/tasks answer (practitioner code: `{items, hasMore}`; 12c collections add totals). */
export interface OracleTaskList {
  items: unknown[];
  hasMore?: boolean;
  limit?: number;
  offset?: number;
  totalResults?: number;
  totalResult?: number;
}
