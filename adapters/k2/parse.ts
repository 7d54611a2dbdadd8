// K2 answers to canonical results and tasks (pure): UpdateTask acknowledgements, TaskCollection XML, Failure bodies.
// Vendor doc: shared/vendor-docs/k2-update-task.txt (200 with Content-Length 0; JSON gets 202 and no update);
// TaskCollection and statuses: vendor-notes.md section 4 (K3, 4c).
import type { CallOutcome, VendorResponse } from '../../src/core/adapter';
import { GatewayError } from '../../src/core/errors';
import type { Task, TaskPage, TaskStatus } from '../../src/core/task';
import { vendorError } from '../../src/core/vendor-errors';
import { parseK2Date } from './dates';
import type { K2Options } from './translate';
import type { K2TaskElement } from './vendor-types';
import { UnsafeXmlError, elementOf, listOf, parseXml, textOf } from './xml';

export const VENDOR = 'k2';

/** Worklist statuses, by lower-case name: servers and stand-ins differ in case (`Available`, `AVAILABLE`). */
const STATUS: Record<string, TaskStatus> = {
  available: 'open',
  open: 'claimed',
  allocated: 'claimed',
  sleep: 'suspended',
  completed: 'completed',
};

/** Elements that repeat in K2 answers: always read as lists. */
const REPEATED = ['Task', 'Action', 'ProcessDataField'];

/** Text elements of a Task kept as canonical `properties` (only when non-empty). */
const PROPERTY_ELEMENTS = {
  processName: 'ProcessName',
  processFullName: 'ProcessFullName',
  folio: 'ProcessFolio',
  activityName: 'ActivityName',
  originator: 'Originator',
  formUrl: 'Data',
} as const;

function refused(res: VendorResponse, error: UnsafeXmlError): GatewayError {
  return new GatewayError('BACKEND_ERROR', `K2 answered ${res.status} with a body the gateway refuses: ${error.message}`, {
    vendor: { status: res.status },
  });
}

/** Parses a K2 answer that must be XML; anything hostile, oversized or malformed is a 502, never a crash. */
function readXml(res: VendorResponse): Record<string, unknown> {
  try {
    // Untrimmed, so a data field's value reads back exactly; the adapter trims the fields that are names.
    return parseXml(res.body, { arrays: REPEATED, trim: false });
  } catch (error) {
    if (!(error instanceof UnsafeXmlError)) throw error;
    throw refused(res, error);
  }
}

/** What a K2 `<Failure>` body says, if the body is one; never throws (error bodies may be anything). */
function failureInfo(body: string): { code?: string; message?: string } {
  if (body.trim() === '') return {};
  try {
    const failure = elementOf(parseXml(body).Failure);
    if (!failure) return {};
    const info: { code?: string; message?: string } = {};
    const code = textOf(failure.Code ?? failure['@Code']).trim();
    if (code) info.code = code;
    const message = textOf(failure.Message);
    if (message) info.message = message;
    return info;
  } catch {
    return {};
  }
}

/**
 * UpdateTask is asynchronous: success is 200 with an empty body, which only says K2 took the request
 * (`accepted`); the doc says a success "may not return anything depending on the tooling". So a 200/204 with
 * a body that is not XML at all (`OK`, `true`, `{"status":"ok"}`) is still `accepted`, with a warning. Only a
 * well-formed `<Failure>` document is a refusal; any other XML (a Success document) is `accepted`. XML the
 * gateway refuses to read (DOCTYPE/ENTITY declarations, too deep, too large) stays a 502: it is hostile, not
 * an acknowledgement. 202 means K2 ignored the request (it does so for non-XML bodies): nothing was applied,
 * so it is an error, never a success.
 */
export function parseActionResponse(res: VendorResponse): CallOutcome {
  if (res.status === 200 || res.status === 204) {
    if (res.body.trim() === '') return { result: 'accepted' };
    let doc: Record<string, unknown>;
    try {
      doc = parseXml(res.body, { arrays: REPEATED, trim: false });
    } catch (error) {
      if (!(error instanceof UnsafeXmlError)) throw error;
      if (error.reason !== 'malformed') throw refused(res, error);
      return { result: 'accepted', warnings: [`K2 answered ${res.status} with a body that is not XML; taken as its acknowledgement (the update is asynchronous)`] };
    }
    const failure = elementOf(doc.Failure);
    if (failure) {
      throw vendorError(res, { code: textOf(failure.Code ?? failure['@Code']).trim(), message: textOf(failure.Message) }, 'BACKEND_REJECTED');
    }
    return { result: 'accepted' };
  }
  if (res.status === 202) {
    throw new GatewayError('BACKEND_ERROR', 'K2 answered 202 Accepted: it ignored the update and did not apply it', {
      vendor: { status: 202, message: 'K2 ignores updates it cannot read as XML (202, task not updated)' },
    });
  }
  if (res.status >= 200 && res.status < 300) {
    throw new GatewayError('BACKEND_ERROR', `K2 answered ${res.status}, which UpdateTask never answers`, { vendor: { status: res.status } });
  }
  throw vendorError(res, failureInfo(res.body));
}

/** The `<Task>` elements of a TaskCollection answer, or the catalogue's error. */
function taskCollection(res: VendorResponse): unknown[] {
  if (res.status !== 200) throw vendorError(res, failureInfo(res.body));
  const doc = readXml(res);
  // A bare <Task> root (one item, no collection around it) is read as a collection of one.
  if (doc.TaskCollection === undefined && doc.Task !== undefined) return listOf(doc.Task);
  const collection = elementOf(doc.TaskCollection);
  if (!collection) {
    const failure = elementOf(doc.Failure);
    if (failure) throw vendorError(res, { message: textOf(failure.Message) }, 'BACKEND_REJECTED');
    throw new GatewayError('BACKEND_ERROR', 'K2 answered 200 without a TaskCollection', { vendor: { status: 200 } });
  }
  return listOf(collection.Task);
}

/** Process actions as canonical names: the configured approve/reject names, any other is `complete`. */
function processActionName(name: string, opts: K2Options): string {
  const lower = name.toLowerCase();
  // K2 action names are not case-sensitive (vendor-notes 4c).
  if (lower === opts.actionNames.approve.toLowerCase()) return 'approve';
  if (lower === opts.actionNames.reject.toLowerCase()) return 'reject';
  return 'complete';
}

/** The batchable process action names of a task: what UpdateTask's `a:<Name>` can run (the Task service runs no other). */
function batchableActionNames(task: K2TaskElement): string[] {
  const names = listOf(task.Action)
    .map((a) => elementOf(a) ?? {})
    .filter((a) => String(a['@Batchable']).toLowerCase() !== 'false')
    .map((a) => textOf(a['@Name']).trim())
    .filter((name) => name !== '');
  return [...new Set(names)];
}

/**
 * What the item offers through the Task service, as canonical action names only: batchable process actions
 * (approve, reject, or complete for any other outcome; the names themselves are in properties.outcomes), plus
 * the system actions redirect, delegate and sleep/wake. A sleeping item offers only system actions; a
 * completed one nothing.
 */
function allowedActions(task: K2TaskElement, status: string, opts: K2Options): string[] {
  if (status === 'completed') return [];
  if (status === 'sleep') return ['reassign', 'delegate', 'resume'];
  const process = batchableActionNames(task).map((name) => processActionName(name, opts));
  // An update rides on the backend's updateAction, so it is offered only where one is configured.
  return [...new Set([...process, 'reassign', 'delegate', 'suspend', ...(opts.updateAction ? ['update'] : [])])];
}

/** A field K2 renders as an attribute in one place and as a child element in another: the attribute wins. */
function fieldOf(element: object, name: string): string {
  const fields = element as Record<string, unknown>;
  const attribute = textOf(fields[`@${name}`]).trim();
  return attribute !== '' ? attribute : textOf(fields[name]).trim();
}

export function toTask(raw: unknown, opts: K2Options): Task {
  const element = elementOf(raw) as K2TaskElement | undefined;
  // SerialNumber is an attribute in the TaskCollection the docs show; some renderings make it an element.
  const id = element ? fieldOf(element, 'SerialNumber') : '';
  if (!element || id === '') {
    throw new GatewayError('BACKEND_ERROR', 'K2 sent a task without a SerialNumber', { vendor: { status: 200 } });
  }
  // `<Status>Available</Status>` in a Task, `Status="Open"` on a WorklistItem: either, in any case.
  const vendorStatus = fieldOf(element, 'Status');
  const status = vendorStatus.toLowerCase();
  const properties: Record<string, string> = {};
  for (const [key, name] of Object.entries(PROPERTY_ELEMENTS)) {
    const value = textOf(element[name]).trim();
    if (value !== '') properties[key] = value;
  }
  // Process data fields (piDataField=true) as data.<Name>, the same names `data` writes with an action.
  for (const field of listOf(element.ProcessDataField)) {
    const name = textOf(elementOf(field)?.['@Name']);
    if (name) properties[`data.${name}`] = textOf(field);
  }
  const task: Task = {
    id,
    backend: opts.backend,
    vendor: VENDOR,
    // What a K2 worklist shows first: the folio, else the activity, else the process.
    name: properties.folio ?? properties.activityName ?? properties.processName ?? id,
    status: Object.hasOwn(STATUS, status) ? STATUS[status] : 'unknown',
    vendorStatus,
    comments: [],
    attachments: [],
    properties,
    allowedActions: allowedActions(element, status, opts),
    raw: element,
  };
  // The K2 names behind approve/reject/complete, so a client can send complete{outcome: <Name>}.
  const outcomes = batchableActionNames(element);
  if (outcomes.length > 0) properties.outcomes = outcomes.join(',');
  const priorityText = fieldOf(element, 'Priority');
  const priority = Number(priorityText);
  if (priorityText !== '' && Number.isFinite(priority)) task.priority = priority;
  const assignee = textOf(element.AllocatedUser ?? element['@AllocatedUser']).trim();
  if (assignee) task.assignee = assignee;
  const createdAt = parseK2Date(textOf(element.StartDate));
  if (createdAt) task.createdAt = createdAt;
  return task;
}

export function parseTaskResponse(res: VendorResponse, taskId: string, opts: K2Options): Task {
  const match = taskCollection(res).find((t) => {
    const element = elementOf(t);
    return element !== undefined && fieldOf(element, 'SerialNumber') === taskId;
  });
  if (!match) {
    throw new GatewayError('TASK_NOT_FOUND', `K2 has no worklist item with serial number '${taskId}'`, { vendor: { status: res.status } });
  }
  return toTask(match, opts);
}

export function parseTaskListResponse(res: VendorResponse, opts: K2Options): TaskPage {
  return { items: taskCollection(res).map((t) => toTask(t, opts)) };
}
