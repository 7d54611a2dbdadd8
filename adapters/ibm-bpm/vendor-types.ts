// IBM BPM Human Task Manager wire types (REST Interface for BPEL-related Task Resources, /rest/bpm/htm/v1).
// Sources: shared/vendor-docs/ibm-bpm-htm-task-update.txt (Task Update, Error Response) and vendor-notes.md section 2.

/** HTM task states (TaskInstance.STATE_*); the REST API answers the names, query tables may answer the numbers. */
export type HtmState =
  | 'STATE_INACTIVE' | 'STATE_READY' | 'STATE_RUNNING' | 'STATE_FINISHED' | 'STATE_FAILED'
  | 'STATE_TERMINATED' | 'STATE_CLAIMED' | 'STATE_EXPIRED' | 'STATE_FORWARDED';

/** GET /task/{tkiid} and the items of GET /tasks/filter (lower camel case keys; query tables use UPPERCASE, read too). */
export interface HtmTask {
  tkiid: string;
  name?: string;
  displayName?: string;
  description?: string;
  namespace?: string;
  kind?: string;
  state: HtmState | string | number;
  /** [INF] Suspension is a flag beside `state`, not a state of its own; some serializers send "true"/"false". */
  suspended?: boolean | string;
  priority?: number | string;
  owner?: string;
  originator?: string;
  /** Federated variant: who the task is assigned to, and whether that is a User or a Group. */
  assignedTo?: string;
  assignedToType?: 'User' | 'Group' | string;
  activationTime?: string;
  firstActivationTime?: string;
  lastModificationTime?: string;
  completionTime?: string;
  dueTime?: string;
  expirationTime?: string;
  isEscalated?: boolean;
  isRead?: boolean;
  customProperties?: Record<string, string>;
  [field: string]: unknown;
}

/** GET /tasks/filter answer. */
export interface HtmTaskList {
  identifier?: string;
  items: HtmTask[];
}

/** PUT /task/{tkiid}?action=update body: the documented subset taskgate sends. */
export interface HtmTaskUpdate {
  priority?: number;
  dueTime?: string;
  expirationTime?: string;
  displayName?: string;
  description?: string;
  customProperties?: Record<string, string>;
  isEscalated?: boolean;
  [documentedField: string]: unknown;
}

/** Every HTM error: programmersDetails (a stack trace) must never leave the gateway. */
export interface HtmError {
  errorNumber: string;
  errorMessage: string;
  errorMessageParameters?: string[];
  programmersDetails?: unknown;
}

/** POST /bpm/system/login body and answer (stdrest_xsrf). */
export interface CsrfLoginRequest {
  'refresh-groups': boolean;
  'requested-lifetime': number;
}

export interface CsrfLoginResponse {
  csrf_token: string;
}

/** 403 with this message id: the BPMCSRFToken expired or is unknown; fetch a new one and resend. */
export const CSRF_EXPIRED = 'CWTBG0651E';
/** "The state of the object does not allow the requested action." */
export const STATE_CONFLICT = 'CWTKA0007E';
/** The maximum (and default) token lifetime the server grants, in seconds. */
export const CSRF_MAX_LIFETIME = 7200;
