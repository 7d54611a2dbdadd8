// IBM HTM answers to canonical results and tasks (pure): empty 200s, task JSON, task lists and the HTM error envelope.
// Vendor doc: shared/vendor-docs/ibm-bpm-htm-task-update.txt (Error Response schema, status codes);
// task fields and states: vendor-notes.md section 2a; CSRF expiry (403 CWTBG0651E): IBM stdrest_xsrf.
import type { CallOutcome, VendorResponse } from '../../src/core/adapter';
import { GatewayError, type ErrorCode } from '../../src/core/errors';
import type { Task, TaskPage, TaskStatus } from '../../src/core/task';
import { codeForStatus, expectObject, parseJsonBody, tryParseJson, vendorError } from '../../src/core/vendor-errors';
import { parseIbmDateTime } from './dates';
import type { IbmBpmOptions } from './translate';
import { CSRF_EXPIRED, type HtmTask } from './vendor-types';

export const VENDOR = 'ibm-bpm';

const STATES: Record<string, TaskStatus> = {
  STATE_READY: 'open',
  STATE_CLAIMED: 'claimed',
  STATE_FINISHED: 'completed',
  STATE_TERMINATED: 'canceled',
  STATE_FAILED: 'failed',
  STATE_EXPIRED: 'expired',
};

/** [INF] TaskInstance.STATE_* numeric values, as HTM query tables report them. */
const STATE_NUMBERS: Record<number, string> = { 2: 'STATE_READY', 8: 'STATE_CLAIMED', 5: 'STATE_FINISHED', 7: 'STATE_TERMINATED', 6: 'STATE_FAILED', 12: 'STATE_EXPIRED' };

/** What each live state allows, following HTM's state rules (complete and cancel need a claim). */
function allowedActions(state: string, suspended: boolean, opts: IbmBpmOptions): string[] {
  if (suspended) return ['resume', 'terminate', 'update', 'custom'];
  const reject = opts.outcomes.reject ? ['reject'] : [];
  if (state === 'STATE_READY') return ['claim', 'suspend', 'terminate', 'update', 'custom'];
  if (state === 'STATE_CLAIMED') {
    return ['approve', ...reject, 'complete', 'release', 'reassign', 'suspend', 'terminate', 'update', 'custom'];
  }
  return [];
}

export function toTask(raw: unknown, backend: string, opts: IbmBpmOptions): Task {
  const htm = expectObject(raw, 'a task', 200) as HtmTask;
  if (typeof htm.tkiid !== 'string' || htm.tkiid === '') {
    throw new GatewayError('BACKEND_ERROR', 'The vendor sent a task without a tkiid', { vendor: { status: 200 } });
  }
  const vendorStatus = htm.state === undefined || htm.state === null ? '' : String(htm.state);
  const state = typeof htm.state === 'number' ? (STATE_NUMBERS[htm.state] ?? vendorStatus) : vendorStatus;
  // Suspension is a flag next to the state: a suspended ready or claimed task is `suspended`.
  const suspended = htm.suspended === true && (state === 'STATE_READY' || state === 'STATE_CLAIMED');
  const task: Task = {
    id: htm.tkiid,
    backend,
    vendor: VENDOR,
    name: typeof htm.displayName === 'string' && htm.displayName !== '' ? htm.displayName : typeof htm.name === 'string' ? htm.name : '',
    status: suspended ? 'suspended' : (STATES[state] ?? 'unknown'),
    vendorStatus,
    comments: [],
    attachments: [],
    properties: {},
    allowedActions: allowedActions(state, suspended, opts),
    raw,
  };
  if (typeof htm.description === 'string' && htm.description !== '') task.description = htm.description;
  if (typeof htm.priority === 'number' && Number.isFinite(htm.priority)) task.priority = htm.priority;
  const assignee = htm.owner || htm.assignedTo;
  if (typeof assignee === 'string' && assignee !== '') task.assignee = assignee;
  const createdAt = parseIbmDateTime(htm.firstActivationTime) ?? parseIbmDateTime(htm.activationTime);
  if (createdAt) task.createdAt = createdAt;
  const updatedAt = parseIbmDateTime(htm.lastModificationTime);
  if (updatedAt) task.updatedAt = updatedAt;
  const dueAt = parseIbmDateTime(htm.dueTime);
  if (dueAt) task.dueAt = dueAt;
  if (htm.customProperties && typeof htm.customProperties === 'object') {
    for (const [key, value] of Object.entries(htm.customProperties)) if (typeof value === 'string') task.properties[key] = value;
  }
  return task;
}

/** The HTM error envelope; the newer /bpm APIs spell it error_number/error_message. programmersDetails is never read. */
export function htmErrorInfo(body: string): { code?: unknown; message?: unknown } {
  const parsed = tryParseJson(body);
  return { code: parsed.errorNumber ?? parsed.error_number, message: parsed.errorMessage ?? parsed.error_message };
}

/** Contract section 7, with IBM's quirk: a 415 means the gateway sent something HTM cannot read, a gateway-side failure. */
function codeFor(status: number): ErrorCode {
  return status === 415 ? 'BACKEND_ERROR' : codeForStatus(status);
}

export function htmError(res: VendorResponse): GatewayError {
  return vendorError(res, htmErrorInfo(res.body), codeFor(res.status));
}

function ok(res: VendorResponse): boolean {
  return res.status >= 200 && res.status < 300;
}

/**
 * IBM answers most actions with an empty 200 (claim with the task's input document, which is not the task):
 * the action is applied and the gateway re-reads the task (rereadAfterAction).
 */
export function parseActionResponse(res: VendorResponse): CallOutcome {
  if (!ok(res)) throw htmError(res);
  return { result: 'applied' };
}

export function parseTaskResponse(res: VendorResponse, backend: string, opts: IbmBpmOptions): Task {
  if (!ok(res)) throw htmError(res);
  return toTask(parseJsonBody(res), backend, opts);
}

export function parseTaskListResponse(res: VendorResponse, backend: string, opts: IbmBpmOptions): TaskPage {
  if (!ok(res)) throw htmError(res);
  const body = expectObject(parseJsonBody(res), 'a task list', res.status);
  if (!Array.isArray(body.items)) {
    throw new GatewayError('BACKEND_ERROR', `The vendor answered ${res.status} without a task list`, { vendor: { status: res.status } });
  }
  return { items: body.items.map((raw) => toTask(raw, backend, opts)) };
}

/** 403 CWTBG0651E: the BPMCSRFToken could not be verified; refused before anything ran, so one resend is safe. */
export function isCsrfExpired(res: VendorResponse): boolean {
  return res.status === 403 && htmErrorInfo(res.body).code === CSRF_EXPIRED;
}
