// The canonical action vocabulary: the 22 action names and the typed command each one carries.
// Parameter schemas live in schemas/action-request.schema.json ($defs.<action>), validated by ajv.

export const ACTION_NAMES = [
  'approve', 'reject', 'complete', 'claim', 'release', 'reassign', 'delegate', 'suspend', 'resume',
  'terminate', 'withdraw', 'escalate', 'add_comment', 'delete_comment', 'add_attachment',
  'delete_attachment', 'update', 'request_info', 'submit_info', 'skip', 'push_back', 'custom',
] as const;

export type ActionName = (typeof ACTION_NAMES)[number];

export function isActionName(value: unknown): value is ActionName {
  return typeof value === 'string' && (ACTION_NAMES as readonly string[]).includes(value);
}

/** Someone a task is moved to; `type` defaults to user. */
export interface Principal {
  id: string;
  type?: 'user' | 'group';
}

/** The validated parameters of any action (each action uses its own subset, enforced by the schema). */
export interface ActionParameters {
  comment?: string;
  data?: Record<string, string>;
  outcome?: string;
  to?: Principal;
  until?: string;
  durationSeconds?: number;
  commentId?: string;
  attachmentId?: string;
  priority?: number;
  dueAt?: string;
  expiresAt?: string;
  /** Update: the process instance's folio (K2 @ProcessFolio). Custom: not used. */
  folio?: string;
  name?: string;
  description?: string;
  properties?: Record<string, string>;
  /** custom: the vendor's own fields for the action, each declared by the adapter (an undeclared one is a 400). */
  parameters?: Record<string, unknown>;
}

/** One canonical action on one task: what the facade hands to the gateway. */
export interface ActionCommand extends ActionParameters {
  backend: string;
  taskId: string;
  action: ActionName;
}
