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

/**
 * The /tasks/query style spells attributes in UPPER CASE (TKIID, STATE, SUSPENDED, ...; vendor-notes 2c):
 * each canonical field is read from its lower camel case name first, then from these.
 */
const QUERY_NAMES: Record<string, string[]> = {
  tkiid: ['TKIID'], state: ['STATE'], suspended: ['SUSPENDED'], name: ['NAME'], displayName: ['DISPLAY_NAME'],
  description: ['DESCRIPTION'], priority: ['PRIORITY'], owner: ['OWNER'], dueTime: ['DUE', 'DUE_TIME'],
  activationTime: ['ACTIVATED', 'ACTIVATION_TIME'], firstActivationTime: ['FIRST_ACTIVATED', 'FIRST_ACTIVATION_TIME'],
  lastModificationTime: ['LAST_MODIFIED', 'LAST_MODIFICATION_TIME'],
};

function normalized(raw: Record<string, unknown>): HtmTask {
  const task: Record<string, unknown> = { ...raw };
  for (const [field, names] of Object.entries(QUERY_NAMES)) {
    if (task[field] !== undefined && task[field] !== null) continue;
    const name = names.find((n) => raw[n] !== undefined && raw[n] !== null);
    if (name) task[field] = raw[name];
  }
  return task as HtmTask;
}

/** The state name: numbers (and numeric strings) by TaskInstance.STATE_*, names in any case, `READY` as `STATE_READY`. */
function stateName(state: unknown, vendorStatus: string): string {
  if (typeof state === 'number') return STATE_NUMBERS[state] ?? vendorStatus;
  if (/^\d+$/.test(vendorStatus)) return STATE_NUMBERS[Number(vendorStatus)] ?? vendorStatus;
  const upper = vendorStatus.trim().toUpperCase();
  return upper === '' || upper.startsWith('STATE_') ? upper : `STATE_${upper}`;
}

/** `suspended` as a boolean, or "true"/"false" (and 1/0) as some serializers send it. */
function flag(value: unknown): boolean {
  return value === true || value === 1 || (typeof value === 'string' && /^(true|1)$/i.test(value.trim()));
}

/**
 * What each live state allows, following HTM's state rules (complete and cancel need a claim); escalate is a
 * Task Update, so it goes wherever update does.
 */
function allowedActions(state: string, suspended: boolean, opts: IbmBpmOptions): string[] {
  if (suspended) return ['resume', 'terminate', 'update', 'escalate', 'custom'];
  const reject = opts.outcomes.reject ? ['reject'] : [];
  if (state === 'STATE_READY') return ['claim', 'suspend', 'terminate', 'update', 'escalate', 'custom'];
  if (state === 'STATE_CLAIMED') {
    return ['approve', ...reject, 'complete', 'release', 'reassign', 'suspend', 'terminate', 'update', 'escalate', 'custom'];
  }
  return [];
}

export function toTask(raw: unknown, backend: string, opts: IbmBpmOptions): Task {
  const htm = normalized(expectObject(raw, 'a task', 200));
  if (typeof htm.tkiid !== 'string' || htm.tkiid === '') {
    throw new GatewayError('BACKEND_ERROR', 'The vendor sent a task without a tkiid', { vendor: { status: 200 } });
  }
  const vendorStatus = htm.state === undefined || htm.state === null ? '' : String(htm.state);
  const state = stateName(htm.state, vendorStatus);
  // Suspension is a flag next to the state: a suspended ready or claimed task is `suspended`. Some servers
  // report it as a state of its own (STATE_SUSPENDED).
  const suspended = state === 'STATE_SUSPENDED' || (flag(htm.suspended) && (state === 'STATE_READY' || state === 'STATE_CLAIMED'));
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
  const priority = typeof htm.priority === 'string' && /^-?\d+$/.test(htm.priority.trim()) ? Number(htm.priority) : htm.priority;
  if (typeof priority === 'number' && Number.isFinite(priority)) task.priority = priority;
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
  // Task Update fields without a canonical name (expiresAt, escalate), where no custom property has the name.
  const expiresAt = parseIbmDateTime((htm as Record<string, unknown>).expirationTime);
  if (expiresAt) task.properties.expiresAt ??= expiresAt;
  const escalated = (htm as Record<string, unknown>).isEscalated;
  if (typeof escalated === 'boolean') task.properties.isEscalated ??= String(escalated);
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

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export function parseTaskResponse(res: VendorResponse, backend: string, opts: IbmBpmOptions): Task {
  if (!ok(res)) throw htmError(res);
  const body = parseJsonBody(res);
  // The newer /bpm APIs wrap answers as {status, data: {...}}: the task is inside when the top level has no id.
  const wrapped = isRecord(body) && body.tkiid === undefined && body.TKIID === undefined && isRecord(body.data);
  return toTask(wrapped ? body.data : body, backend, opts);
}

/** The task array of a list answer: {items: [...]}, {data: {items: [...]}}, {data: [...]} or a bare array. */
function listItems(body: unknown): unknown[] | undefined {
  if (Array.isArray(body)) return body;
  if (!isRecord(body)) return undefined;
  if (Array.isArray(body.items)) return body.items;
  if (Array.isArray(body.data)) return body.data;
  if (isRecord(body.data) && Array.isArray(body.data.items)) return body.data.items;
  return undefined;
}

export function parseTaskListResponse(res: VendorResponse, backend: string, opts: IbmBpmOptions): TaskPage {
  if (!ok(res)) throw htmError(res);
  const items = listItems(parseJsonBody(res));
  if (!items) {
    throw new GatewayError('BACKEND_ERROR', `The vendor answered ${res.status} without a task list`, { vendor: { status: res.status } });
  }
  return { items: items.map((raw) => toTask(raw, backend, opts)) };
}

/**
 * 403 CWTBG0651E: the BPMCSRFToken could not be verified; refused before anything ran, so one resend is safe.
 * The message id is looked for anywhere in the body: servers send it wrapped, under other keys, or as text.
 */
export function isCsrfExpired(res: VendorResponse): boolean {
  return res.status === 403 && res.body.includes(CSRF_EXPIRED);
}
