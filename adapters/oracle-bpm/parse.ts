// Oracle BPM REST 4.0 answers to canonical results and tasks (pure): both task shapes, the PURGE title, errors.
// Vendor doc: shared/vendor-docs/oracle-bpm-task-action.txt (200 = A2A-style Task, PURGE = a title;
// 400/401/404/409/500 by status only). Classic task JSON and its states: vendor-notes.md 3a and 3c.
import type { ActionCommand } from '../../src/core/actions';
import type { CallOutcome, VendorResponse } from '../../src/core/adapter';
import { GatewayError } from '../../src/core/errors';
import type { Task, TaskComment, TaskPage, TaskStatus } from '../../src/core/task';
import { expectObject, parseJsonBody, tryParseJson, vendorError } from '../../src/core/vendor-errors';
import { parseOracleDate } from './dates';
import { ACTION_IDS, type OracleOptions } from './translate';
import { ORACLE_SYSTEM_ACTIONS } from './vendor-types';

export const VENDOR = 'oracle-bpm';

type Json = Record<string, unknown>;

/** A2A TaskStatus.state (the vendor doc's enum) to canonical (contract section 6). */
const A2A_STATUS: Record<string, TaskStatus> = {
  submitted: 'open', working: 'claimed', 'input-required': 'info_requested',
  completed: 'completed', canceled: 'canceled', failed: 'failed', unknown: 'unknown',
};

/** Classic task states (SOA "Task States in a Human Task") to canonical; ASSIGNED is decided by `acquiredBy`. */
const CLASSIC_STATUS: Record<string, TaskStatus> = {
  ASSIGNED: 'open', COMPLETED: 'completed', SUSPENDED: 'suspended', WITHDRAWN: 'canceled', DELETED: 'canceled',
  EXPIRED: 'expired', ERRORED: 'failed', INFO_REQUESTED: 'info_requested',
};

/** Oracle action id -> canonical action name, for `allowedActions`. */
const CANONICAL_OF: Record<string, string> = Object.fromEntries(Object.entries(ACTION_IDS).map(([name, id]) => [id, name]));

/** The canonical actions a SAVE carries. */
const SAVE_ACTIONS = ['add_comment', 'update'];

/** Classic string fields kept as canonical `properties` (only when non-empty). */
const PROPERTY_FIELDS = [
  'taskId', 'category', 'taskDefinitionName', 'taskNamespace', 'identificationKey', 'processName', 'createdBy',
  'fromUserName', 'ownerUser', 'acquiredBy', 'outcome', 'substate', 'applicationContext',
] as const;

function isObject(value: unknown): value is Json {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** Oracle collections are `{ items: [...] }`; a bare array is read too. */
function itemsOf(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (isObject(value) && Array.isArray(value.items)) return value.items;
  return [];
}

function malformed(what: string): GatewayError {
  return new GatewayError('BACKEND_ERROR', `The vendor sent ${what}`, { vendor: { status: 200 } });
}

export function isA2ATask(value: Json): boolean {
  return value.kind === 'task' || (isObject(value.status) && 'state' in value.status);
}

export function isClassicTask(value: Json): boolean {
  return value.number !== undefined || typeof value.state === 'string';
}

/** What a task's `actionList` says: canonical action names, and the vendor's own ids so nothing is lost. */
export interface ActionListInfo {
  /** Canonical names only (contract section 5), deduplicated, in the vendor's order. */
  allowedActions: string[];
  /** Ids of the Custom entries: the task's outcomes (e.g. APPROVE, ACCEPT, DEFER, REJECT). */
  outcomes: string[];
  /** Every action id, System and Custom. */
  vendorActions: string[];
}

const SYSTEM_IDS = new Set<string>(ORACLE_SYSTEM_ACTIONS);

/**
 * An entry is an outcome when Oracle types it Custom. Untyped entries (some renderings leave actionType out) are
 * outcomes when they are APPROVE/REJECT or no System id the vendor doc lists.
 */
function isOutcome(id: string, actionType: unknown): boolean {
  if (typeof actionType === 'string' && actionType !== '') return actionType.toLowerCase() === 'custom';
  return id === 'APPROVE' || id === 'REJECT' || !SYSTEM_IDS.has(id);
}

/**
 * The task's `actionList`: an entry Oracle names like a canonical action becomes it (APPROVE -> approve,
 * ACQUIRE -> claim, ...); any other outcome (ACCEPT, DEFER...) is `complete` (complete{outcome: <ID>});
 * any other System entry (PURGE, DELETE, ADHOC_ROUTE, SAVE...) is `custom` (custom{name: <ID>}); SAVE also
 * makes `add_comment` and `update` allowed.
 * The ids themselves are kept in `outcomes` and `vendorActions`. No actionList at all: undefined (not known).
 */
export function readActionList(actionList: unknown): ActionListInfo | undefined {
  if (actionList === undefined || actionList === null) return undefined;
  const info: ActionListInfo = { allowedActions: [], outcomes: [], vendorActions: [] };
  const add = (list: string[], value: string) => {
    if (!list.includes(value)) list.push(value);
  };
  for (const entry of itemsOf(actionList)) {
    // Entries are {actionId, actionType, title}; a bare id string is read too.
    const id = typeof entry === 'string' ? text(entry) : isObject(entry) ? (text(entry.actionId) ?? text(entry.id)) : undefined;
    if (!id) continue;
    const outcome = isOutcome(id, isObject(entry) ? entry.actionType : undefined);
    // A SAVE offered is what add_comment and update send (a SAVE with a comment, with a priority).
    if (id === 'SAVE') SAVE_ACTIONS.forEach((name) => add(info.allowedActions, name));
    add(info.allowedActions, CANONICAL_OF[id] ?? (outcome ? 'complete' : 'custom'));
    if (outcome) add(info.outcomes, id);
    add(info.vendorActions, id);
  }
  return info;
}

/** The canonical names of readActionList, for callers that need only those. */
export function toAllowedActions(actionList: unknown): string[] | undefined {
  return readActionList(actionList)?.allowedActions;
}

/** Oracle's priority: a number, or a numeric string as some renderings send it. */
function priorityOf(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

function toComments(value: unknown, zone: string): TaskComment[] {
  return itemsOf(value).filter(isObject).map((c, i) => {
    const comment: TaskComment = { id: text(c.id) ?? text(c.commentId) ?? String(i + 1), text: text(c.commentStr) ?? text(c.comment) ?? '' };
    const author = text(c.updatedBy) ?? (isObject(c.updatedBy) ? text(c.updatedBy.id) : undefined) ?? text(c.createdBy);
    if (author) comment.author = author;
    const createdAt = parseOracleDate(c.updatedDate ?? c.createdDate, zone);
    if (createdAt) comment.createdAt = createdAt;
    return comment;
  });
}

/** Attachments have no id of their own: the title names them (it is the `{name}` in .../attachments/{name}/stream). */
function toAttachments(value: unknown): { id: string }[] {
  return itemsOf(value).filter(isObject).flatMap((a) => {
    const id = text(a.title) ?? text(a.attachmentName) ?? text(a.name);
    return id ? [{ id }] : [];
  });
}

/** The canonical fields every shape shares, read from a classic task object (or the A2A task's metadata). */
function fillFromClassic(task: Task, src: Json, zone: string): void {
  if (!task.name) task.name = text(src.title) ?? '';
  const description = text(src.description);
  if (description) task.description = description;
  const priority = priorityOf(src.priority);
  if (priority !== undefined) task.priority = priority;
  const assignees = itemsOf(src.assignees).filter(isObject).map((a) => text(a.id)).filter((id): id is string => !!id);
  const assignee = text(src.acquiredBy) ?? assignees[0];
  if (assignee) task.assignee = assignee;
  if (assignees.length > 0) task.properties.assignees = assignees.join(',');
  const createdAt = parseOracleDate(src.createdDate, zone);
  if (createdAt) task.createdAt = createdAt;
  const updatedAt = parseOracleDate(src.updatedDate, zone);
  if (updatedAt) task.updatedAt = updatedAt;
  const dueAt = parseOracleDate(src.dueDate, zone);
  if (dueAt) task.dueAt = dueAt;
  const assignedAt = parseOracleDate(src.assignedDate, zone);
  if (assignedAt) task.properties.assignedAt = assignedAt;
  task.comments = toComments(src.comments, zone);
  task.attachments = toAttachments(src.attachments);
  for (const field of PROPERTY_FIELDS) {
    const value = text(src[field]);
    if (value) task.properties[field] = value;
  }
  const actions = readActionList(src.actionList);
  if (actions) {
    task.allowedActions = actions.allowedActions;
    if (actions.outcomes.length > 0) task.properties.outcomes = actions.outcomes.join(',');
    if (actions.vendorActions.length > 0) task.properties.vendorActions = actions.vendorActions.join(',');
  }
}

/** `raw` keeps the vendor's own object; the facade serves it only with ?include=raw. */
function baseTask(raw: Json, id: string, backend: string, status: TaskStatus, vendorStatus: string): Task {
  return { id, backend, vendor: VENDOR, name: '', status, vendorStatus, comments: [], attachments: [], properties: {}, raw };
}

/**
 * Classic task JSON: `number` is the id; ASSIGNED is `claimed` when the task names who acquired it
 * (a non-empty `acquiredBy`, as ACQUIRE sets it), else `open`.
 */
function fromClassic(raw: Json, opts: OracleOptions): Task {
  const id = text(raw.number) ?? text(raw.id);
  if (!id) throw malformed('a task without a number');
  const vendorStatus = text(raw.state) ?? '';
  let status: TaskStatus = CLASSIC_STATUS[vendorStatus] ?? 'unknown';
  if (vendorStatus === 'ASSIGNED' && text(raw.acquiredBy)) status = 'claimed';
  const task = baseTask(raw, id, opts.backend, status, vendorStatus);
  fillFromClassic(task, raw, opts.timeZone);
  return task;
}

/**
 * The vendor doc's A2A-style Task: `status.state` decides. Where it says `unknown` (A2A has no word for
 * SUSPENDED or EXPIRED) and `metadata.state` holds a classic state, that state refines it; vendorStatus keeps
 * the A2A value and the classic one is kept in properties.state. Classic fields in `metadata` are read as
 * in the classic shape; `status.timestamp` is documented as UTC, so a zone-less one is read in UTC.
 */
function fromA2A(raw: Json, opts: OracleOptions, after?: ActionCommand): Task {
  const meta = isObject(raw.metadata) ? raw.metadata : {};
  // The number is what the path takes (PUT /tasks/{number}): the backend's a2aTaskNumber says where it is.
  const id = (opts.a2aTaskNumber ?? 'metadata') === 'id' ? text(raw.id) : (text(meta.number) ?? text(raw.id));
  if (!id) throw malformed('a task without an id');
  const statusObj = isObject(raw.status) ? raw.status : {};
  const vendorStatus = text(statusObj.state) ?? '';
  let status = A2A_STATUS[vendorStatus] ?? 'unknown';
  const classicState = text(meta.state);
  if (status === 'unknown' && classicState && CLASSIC_STATUS[classicState]) {
    status = classicState === 'ASSIGNED' && text(meta.acquiredBy) ? 'claimed' : CLASSIC_STATUS[classicState];
  } else if (status === 'unknown' && !classicState) {
    status = unnamedA2AState(statusObj, after);
  }
  const task = baseTask(raw, id, opts.backend, status, vendorStatus);
  fillFromClassic(task, meta, opts.timeZone);
  if (classicState) task.properties.state = classicState;
  if (!task.updatedAt) {
    const stamp = parseOracleDate(statusObj.timestamp, 'UTC');
    if (stamp) task.updatedAt = stamp;
  }
  const contextId = text(raw.contextId);
  if (contextId) task.properties.contextId = contextId;
  const message = isObject(statusObj.message) ? itemsOf(statusObj.message.parts).filter(isObject).map((p) => text(p.text)).filter(Boolean).join(' ') : '';
  if (message) task.properties.statusMessage = message;
  return task;
}

/**
 * A2A has no word for SUSPENDED or EXPIRED (it says `unknown`); without `metadata.state` the task's state is read
 * from what is left: the answer to a SUSPEND the vendor accepted is a suspended task, and a status message that
 * names the state (`SUSPENDED...`, `EXPIRED...`) says which. Anything else stays `unknown`.
 */
function unnamedA2AState(statusObj: Json, after?: ActionCommand): TaskStatus {
  if (after?.action === 'suspend' || (after?.action === 'custom' && after.name === 'SUSPEND')) return 'suspended';
  const message = isObject(statusObj.message) ? itemsOf(statusObj.message.parts).filter(isObject).map((p) => text(p.text) ?? '').join(' ') : '';
  const named = /^\s*(SUSPENDED|EXPIRED)\b/.exec(message);
  return named ? CLASSIC_STATUS[named[1]] : 'unknown';
}

export function toTask(raw: unknown, opts: OracleOptions, after?: ActionCommand): Task {
  const value = expectObject(raw, 'a task', 200);
  if (isA2ATask(value)) return fromA2A(value, opts, after);
  if (isClassicTask(value)) return fromClassic(value, opts);
  throw malformed('an object that is neither an A2A task nor a classic task');
}

/** Oracle's error body is undocumented: a REST problem `{title, detail, o:errorCode}`, some message, or text. */
export function errorFrom(res: VendorResponse): GatewayError {
  const body = tryParseJson(res.body);
  if (Object.keys(body).length > 0) {
    return vendorError(res, {
      code: body['o:errorCode'] ?? body.errorCode,
      message: body.detail ?? body.title ?? body.message ?? body.errorMessage,
    });
  }
  // Plain-text 4xx bodies are the vendor's words ("Task not found."); 5xx text and HTML pages may be stack traces.
  const plain = res.body.trim();
  const useText = res.status < 500 && plain !== '' && !plain.startsWith('<') && !/^\s*[[{]/.test(plain);
  return vendorError(res, { message: useText ? plain : undefined });
}

function ok(res: VendorResponse): boolean {
  return res.status >= 200 && res.status < 300;
}

/**
 * An action's 200 echoes the task (either shape). PURGE answers "a title specifying task id successfully
 * purged" instead (the vendor doc): a JSON `{title}`, a JSON string, or plain text; the task is gone, so none.
 */
export function parseActionResponse(res: VendorResponse, cmd: ActionCommand, opts: OracleOptions): CallOutcome {
  if (!ok(res)) throw errorFrom(res);
  if (res.body.trim() === '') return { result: 'applied' };
  const purge = cmd.action === 'custom' && cmd.name === 'PURGE';
  const parsed = purge ? (tryParseJsonValue(res.body) ?? res.body) : parseJsonBody(res);
  if (typeof parsed === 'string') return { result: 'applied' };
  const value = expectObject(parsed, 'a task', res.status);
  if (!isA2ATask(value) && !isClassicTask(value) && typeof value.title === 'string') return { result: 'applied' };
  return { result: 'applied', task: toTask(value, opts, cmd) };
}

function tryParseJsonValue(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

export function parseTaskResponse(res: VendorResponse, opts: OracleOptions): Task {
  if (!ok(res)) throw errorFrom(res);
  return toTask(parseJsonBody(res), opts);
}

export function parseTaskListResponse(res: VendorResponse, opts: OracleOptions): TaskPage {
  if (!ok(res)) throw errorFrom(res);
  const body = parseJsonBody(res);
  // `{items, hasMore}` is what clients read; a bare array is accepted too.
  const items = Array.isArray(body) ? body : isObject(body) && Array.isArray(body.items) ? body.items : undefined;
  if (!items) throw new GatewayError('BACKEND_ERROR', `The vendor answered ${res.status} without a task list`, { vendor: { status: res.status } });
  const page: TaskPage = { items: items.map((raw) => toTask(raw, opts)) };
  if (isObject(body)) {
    const total = body.totalResults ?? body.totalResult;
    if (typeof total === 'number' && Number.isInteger(total) && total >= 0) page.total = total;
  }
  return page;
}
