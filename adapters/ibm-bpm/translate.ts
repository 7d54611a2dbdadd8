// Canonical commands and list queries to IBM BPM Human Task Manager requests (pure).
// Vendor doc: shared/vendor-docs/ibm-bpm-htm-task-update.txt (PUT /rest/bpm/htm/v1/task/{tkiid}?action=update);
// the other actions: vendor-notes.md section 2a (I3-I9 task instance PUTs, I12 role transfer, I16 tasks/filter).
import type { ActionCommand } from '../../src/core/actions';
import type { VendorCall, VendorRequest } from '../../src/core/adapter';
import { GatewayError } from '../../src/core/errors';
import type { TaskListQuery } from '../../src/core/task';
import { customParameters, type ParameterRule } from '../custom-parameters';
import { toIsoDuration } from './dates';
import type { HtmTaskUpdate } from './vendor-types';

const UPDATE_ONLY = ['update'];
const str = (description: string): ParameterRule => ({ type: 'string', onlyFor: UPDATE_ONLY, description });
const bool = (description: string): ParameterRule => ({ type: 'boolean', onlyFor: UPDATE_ONLY, description });

/**
 * `custom` parameters: the Task Update fields (ibm-bpm-htm-task-update.txt) that have no canonical name, for
 * custom `update` (PUT ?action=update with them as the JSON body).
 */
export const CUSTOM_PARAMETERS: Record<string, ParameterRule> = {
  businessRelevance: bool('whether the task is a business relevant step'),
  contextAuthorizationOfOwner: str("the owner's authorization rights to the associated context"),
  deletionTime: str('date-time when the task is deleted'),
  durationUntilDeleted: str('duration the task is kept after its end state'),
  durationUntilDue: str('duration until the task is due'),
  durationUntilExpires: str('duration until the task expires once activated'),
  eventHandlerName: str('the associated event handler'),
  isEscalated: bool('whether an escalation occurred'),
  isRead: bool('whether the task is marked read'),
  namespace: str('the namespace that categorizes the task'),
  parentContextID: str('the parent context id'),
  supportsClaimIfSuspended: bool('whether the task can be claimed while suspended'),
  supportsDelegation: bool('whether the task supports delegation'),
  supportsFollowOnTasks: bool('whether the task supports follow-on tasks'),
  supportsSubTasks: bool('whether the task supports subtasks'),
  type: str('the type of the task'),
  workBasketName: str('the work basket the task belongs to'),
};

/** How one outcome completes a task: a JSON output message, or a fault (`faultName`) with an optional fault message. */
export interface IbmOutcome {
  document?: Record<string, unknown>;
  faultName?: string;
}

export interface IbmBpmOptions {
  /** Fetch a BPMCSRFToken (POST /bpm/system/login) and send it with every request. */
  csrf: boolean;
  /** Outcome name -> how it completes the task; `approve` and `reject` are used by those actions. */
  outcomes: Record<string, IbmOutcome>;
}

export const HTM_BASE = '/rest/bpm/htm/v1';

// Errors are JSON by default; claim answers the task input as XML unless JSON is asked for.
const ACCEPT = { Accept: 'application/json' };

/**
 * One path segment: encodeURIComponent, then `:` and `@` restored. Why: both are legal in a segment (RFC 3986
 * pchar) and TKIIDs look like `_TKI:a01b...`, which IBM's own clients send unescaped. Dot segments are refused
 * by the transport's path guard.
 */
export function pathSegment(value: string): string {
  return encodeURIComponent(value).replace(/%3A/g, ':').replace(/%40/g, '@');
}

export function taskPath(tkiid: string): string {
  return `${HTM_BASE}/task/${pathSegment(tkiid)}`;
}

/** A query string with every value encodeURIComponent-ed: spaces are %20, never `+` (a literal plus to some servers). */
export function queryString(params: Record<string, string>): string {
  return Object.entries(params).map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`).join('&');
}

function put(path: string, params: Record<string, string>, document?: unknown): VendorRequest {
  const request: VendorRequest = { method: 'PUT', path: `${path}?${queryString(params)}`, headers: { ...ACCEPT } };
  if (document !== undefined) {
    request.headers['Content-Type'] = 'application/json';
    request.body = JSON.stringify(document);
  }
  return request;
}

/**
 * The outcome mapping for approve/reject/complete. Why: HTM tasks have no outcome field (their output
 * message follows the customer's XSD), so an outcome exists only where the backend config defines one.
 * `approve` without a mapping is a plain complete. `complete` with an unmapped outcome is a plain complete
 * too, with a warning that the outcome was not carried (see uncarriedOutcome), except an outcome named
 * reject. `reject` without one is refused (the supports hook answers 422 first): a plain complete is not a rejection.
 */
export function outcomeFor(name: string, opts: IbmBpmOptions): IbmOutcome | undefined {
  if (Object.hasOwn(opts.outcomes, name)) return opts.outcomes[name];
  return name === 'approve' ? {} : undefined;
}

/** The outcome a `complete` command names that this backend cannot carry (no mapping), if any. */
export function uncarriedOutcome(cmd: ActionCommand, opts: IbmBpmOptions): string | undefined {
  if (cmd.action !== 'complete' || typeof cmd.outcome !== 'string') return undefined;
  return outcomeFor(cmd.outcome, opts) ? undefined : cmd.outcome;
}

function complete(cmd: ActionCommand, outcomeName: string, opts: IbmBpmOptions): VendorRequest {
  // A plain complete may stand in for an unmapped outcome, but never for a rejection: that would approve it.
  const plainAllowed = cmd.action === 'complete' && outcomeName.toLowerCase() !== 'reject';
  const outcome = outcomeFor(outcomeName, opts) ?? (plainAllowed ? {} : undefined);
  if (!outcome) {
    const configured = Object.keys(opts.outcomes);
    throw new GatewayError(
      'UNSUPPORTED_ACTION',
      `Outcome '${outcomeName}' is not configured for this IBM BPM backend (configured: ${configured.length ? configured.join(', ') : 'none'})`,
    );
  }
  // PUT ?action=complete[&faultName=...]: the body is the output message, or the fault message with faultName.
  const params: Record<string, string> = { action: 'complete' };
  if (outcome.faultName) params.faultName = outcome.faultName;
  return put(taskPath(cmd.taskId), params, outcome.document);
}

function updateBody(cmd: ActionCommand): HtmTaskUpdate {
  // Task Update schema (vendor doc): canonical name -> displayName, dueAt -> dueTime, properties -> customProperties.
  const body: HtmTaskUpdate = {};
  if (cmd.priority !== undefined) body.priority = cmd.priority;
  // RFC 3339 is ISO 8601 already: the client's own value goes out unchanged, offset included.
  if (cmd.dueAt !== undefined) body.dueTime = cmd.dueAt;
  if (cmd.expiresAt !== undefined) body.expirationTime = cmd.expiresAt;
  if (cmd.name !== undefined) body.displayName = cmd.name;
  if (cmd.description !== undefined) body.description = cmd.description;
  if (cmd.properties !== undefined) body.customProperties = { ...cmd.properties };
  return body;
}

export function translateAction(cmd: ActionCommand, opts: IbmBpmOptions): VendorCall[] {
  const path = taskPath(cmd.taskId);
  const one = (request: VendorRequest): VendorCall[] => [{ step: cmd.action, request }];
  switch (cmd.action) {
    case 'update': {
      const body = updateBody(cmd);
      if (Object.keys(body).length === 0) throw new GatewayError('INVALID_REQUEST', 'IBM BPM Task Update has no field for `folio`: nothing would be updated');
      return one(put(path, { action: 'update' }, body));
    }
    case 'escalate':
      // HTM has no escalate action: the Task Update schema's isEscalated flag is set (?action=update).
      return one(put(path, { action: 'update' }, { isEscalated: true }));
    case 'claim':
      return one(put(path, { action: 'claim' }));
    case 'release':
      // The REST name of "cancel claim" is `cancel` (cancelClaim is the Java name); terminating is `terminate`.
      return one(put(path, { action: 'cancel' }));
    case 'approve':
    case 'reject':
      return one(complete(cmd, cmd.action, opts));
    case 'complete':
      return one(complete(cmd, cmd.outcome as string, opts));
    case 'suspend': {
      // No deadline and no duration: suspended until resumed.
      const params: Record<string, string> = { action: 'suspend' };
      if (cmd.until !== undefined) params.deadline = cmd.until;
      else if (cmd.durationSeconds !== undefined) params.duration = toIsoDuration(cmd.durationSeconds);
      return one(put(path, params));
    }
    case 'resume':
      return one(put(path, { action: 'resume' }));
    case 'terminate':
      return one(put(path, { action: 'terminate' }));
    case 'reassign': {
      // Transfer lives on the role sub-resource: the owner's work item moves to another user or a group.
      const to = cmd.to as { id: string; type?: 'user' | 'group' };
      const target = to.type === 'group' ? 'toGroup' : 'toUser';
      return one(put(`${path}/role/owner`, { action: 'transfer', [target]: to.id }));
    }
    case 'custom': {
      const parameters = customParameters(cmd, CUSTOM_PARAMETERS, 'IBM BPM');
      return one(put(path, { action: cmd.name as string }, Object.keys(parameters).length > 0 ? parameters : undefined));
    }
    default:
      throw new Error(`ibm-bpm cannot translate '${cmd.action}'`);
  }
}

export function translateGetTask(taskId: string): VendorRequest {
  return { method: 'GET', path: taskPath(taskId), headers: { ...ACCEPT } };
}

/**
 * Canonical statuses as HTM query where clauses. [INF] HTM query syntax (TASK.STATE = TASK.STATE.STATE_READY;
 * suspension is the TASK.SUSPENDED flag, so open and claimed exclude suspended tasks).
 */
export const STATUS_WHERE: Record<string, string> = {
  open: 'TASK.STATE=TASK.STATE.STATE_READY AND TASK.SUSPENDED=FALSE',
  claimed: 'TASK.STATE=TASK.STATE.STATE_CLAIMED AND TASK.SUSPENDED=FALSE',
  suspended: 'TASK.SUSPENDED=TRUE',
  completed: 'TASK.STATE=TASK.STATE.STATE_FINISHED',
  canceled: 'TASK.STATE=TASK.STATE.STATE_TERMINATED',
  failed: 'TASK.STATE=TASK.STATE.STATE_FAILED',
  expired: 'TASK.STATE=TASK.STATE.STATE_EXPIRED',
};

/** GET /tasks/filter[?whereClause=...]&offset=...&size=... (Task Instance List Resource). */
export function translateListTasks(query: TaskListQuery): VendorRequest {
  const params: Record<string, string> = {};
  if (query.status) params.whereClause = STATUS_WHERE[query.status];
  params.offset = String(query.offset);
  params.size = String(query.limit);
  return { method: 'GET', path: `${HTM_BASE}/tasks/filter?${queryString(params)}`, headers: { ...ACCEPT } };
}
