// Canonical commands and list queries to K2 SyncREST Task service requests (pure).
// Vendor doc: shared/vendor-docs/k2-update-task.txt (POST {root}/Task/Items/UpdateTask);
// GET {root}/Task/Items and its filterXml: vendor-notes.md section 4 (K3, K4).
import type { ActionCommand } from '../../src/core/actions';
import type { VendorCall, VendorRequest } from '../../src/core/adapter';
import { GatewayError } from '../../src/core/errors';
import type { TaskListQuery } from '../../src/core/task';
import { customParameters, type ParameterRule } from '../custom-parameters';
import { toK2DateTime } from './dates';
import { K2_NS } from './vendor-types';
import { buildXml, isXmlText } from './xml';

export interface K2Options {
  backend: string;
  /** The process action names approve and reject map to (they are process-specific in K2). */
  actionNames: { approve: string; reject: string };
  /** Security label prefixed to a user id that has none, e.g. K2 in K2:DENALLIX\bob. */
  securityLabel: string;
  /** Send UpdateTask/@ID (= the serial number), as the doc's text says, or leave it out, as its example does. */
  updateTaskId?: 'absent' | 'required';
  /** The Action that carries an `update` (UpdateTask/@Action is required); absent: `update` is unsupported. */
  updateAction?: string;
  /** How one task is read: Task/Items filtered by SerialNumber, or the whole worklist picked through. */
  getTask?: 'filter' | 'worklist';
}

/** `custom` parameters: the t:Task attributes and activity data fields the UpdateTask document takes. */
export const CUSTOM_PARAMETERS: Record<string, ParameterRule> = {
  Priority: { type: 'integer', minimum: -2147483648, maximum: 2147483647, description: 't:Task/@Priority' },
  ProcessFolio: { type: 'string', description: 't:Task/@ProcessFolio' },
  ActivityDataFields: { type: 'map', description: 'p:ActivityDataField elements, name to value' },
};

/** What an UpdateTask carries besides its Action. */
export interface UpdateTaskContent {
  data?: Record<string, string>;
  activityData?: Record<string, string>;
  priority?: number;
  folio?: string;
}

export const UPDATE_TASK_PATH = '/Task/Items/UpdateTask';
export const TASK_ITEMS_PATH = '/Task/Items';

// The doc requires Content-type: application/xml; anything else (JSON) is silently ignored with a 202.
const POST_HEADERS = { 'Content-Type': 'application/xml', Accept: 'application/xml' };
const GET_HEADERS = { Accept: 'application/xml' };

/** Refuses a value XML cannot carry (C0 controls and the like): it could never arrive as sent. */
function xmlValue(value: string, what: string): string {
  if (!isXmlText(value)) throw new GatewayError('INVALID_REQUEST', `${what} contains characters XML cannot carry`);
  return value;
}

/**
 * A user's fully qualified name: `label:DOMAIN\user`. An id that already has a label (anything before a ':')
 * is used as given; a bare `DOMAIN\user` gets the backend's configured label.
 */
export function toFqn(id: string, securityLabel: string): string {
  return id.includes(':') ? id : `${securityLabel}:${id}`;
}

/** The UpdateTask `Action` attribute for a supported command (doc: a:, r:, d:, s: grammar). */
export function actionAttribute(cmd: ActionCommand, opts: K2Options): string {
  switch (cmd.action) {
    case 'approve':
      return `a:${opts.actionNames.approve}`;
    case 'reject':
      return `a:${opts.actionNames.reject}`;
    case 'complete':
      return `a:${cmd.outcome as string}`;
    case 'reassign':
    case 'delegate': {
      // K2 redirects and delegates to a user FQN; a group has no FQN in this grammar.
      if (cmd.to?.type === 'group') {
        throw new GatewayError('INVALID_REQUEST', `K2 can ${cmd.action === 'reassign' ? 'redirect' : 'delegate'} to a user only, not a group`);
      }
      return `${cmd.action === 'reassign' ? 'r' : 'd'}:${toFqn(cmd.to?.id as string, opts.securityLabel)}`;
    }
    case 'suspend': {
      // s:<seconds> sleeps that long, s:0 indefinitely, s:<xsd:dateTime> until then.
      if (cmd.until !== undefined) {
        const until = toK2DateTime(cmd.until);
        if (!until) throw new GatewayError('INVALID_REQUEST', '`until` is not an RFC 3339 time');
        return `s:${until}`;
      }
      return `s:${cmd.durationSeconds ?? 0}`;
    }
    case 'resume':
      // Any negative duration wakes the item; -1 is the doc's own example.
      return 's:-1';
    case 'update':
      return opts.updateAction as string;
    case 'custom': {
      const name = cmd.name as string;
      // Passed as given when it already uses K2's grammar; a bare name is a process action.
      return /^[ards]:/i.test(name) ? name : `a:${name}`;
    }
    default:
      throw new Error(`k2 cannot translate '${cmd.action}'`);
  }
}

/**
 * The UpdateTask document, shaped like the doc's example (serial number on t:Task); `@ID` (the serial number too)
 * only where the backend's updateTaskId says the server requires it.
 */
export function updateTaskXml(serialNumber: string, action: string, data?: Record<string, string>, extra: Omit<UpdateTaskContent, 'data'> & { withId?: boolean } = {}): string {
  const c: UpdateTaskContent = { ...extra, data };
  const task: Record<string, unknown> = { '@_SerialNumber': serialNumber };
  if (c.priority !== undefined) task['@_Priority'] = String(c.priority);
  if (c.folio !== undefined) task['@_ProcessFolio'] = c.folio;
  const fields = Object.entries(c.data ?? {});
  if (fields.length > 0) task['p:ProcessDataField'] = fields.map(([name, value]) => ({ '@_Name': name, '#text': value }));
  const activity = Object.entries(c.activityData ?? {});
  if (activity.length > 0) task['p:ActivityDataField'] = activity.map(([name, value]) => ({ '@_Name': name, '#text': value }));
  const root: Record<string, unknown> = { '@_xmlns:t': K2_NS.task, '@_xmlns:p': K2_NS.process };
  if (extra.withId) root['@_ID'] = serialNumber;
  root['@_Action'] = action;
  root['t:Task'] = task;
  return buildXml({ '?xml': { '@_version': '1.0', '@_encoding': 'utf-8' }, 't:UpdateTask': root });
}

export function translateAction(cmd: ActionCommand, opts: K2Options): VendorCall[] {
  const action = xmlValue(actionAttribute(cmd, opts), 'The action, outcome or user id');
  const serial = xmlValue(cmd.taskId, 'The task id');
  const content: UpdateTaskContent = { data: cmd.data };
  if (cmd.action === 'update') {
    if (cmd.priority === undefined && cmd.folio === undefined) {
      throw new GatewayError('INVALID_REQUEST', 'K2 can update a task\'s priority and folio only (t:Task/@Priority, @ProcessFolio)');
    }
    content.priority = cmd.priority;
    content.folio = cmd.folio;
  }
  if (cmd.action === 'custom') {
    const p = customParameters(cmd, CUSTOM_PARAMETERS, 'K2') as { Priority?: number; ProcessFolio?: string; ActivityDataFields?: Record<string, string> };
    content.priority = p.Priority;
    content.folio = p.ProcessFolio;
    content.activityData = p.ActivityDataFields;
  }
  if (content.folio !== undefined) xmlValue(content.folio, 'The folio');
  for (const [name, value] of [...Object.entries(cmd.data ?? {}), ...Object.entries(content.activityData ?? {})]) {
    xmlValue(name, 'A data field name');
    xmlValue(value, `Data field '${name}'`);
  }
  const body = updateTaskXml(serial, action, cmd.data, {
    priority: content.priority, folio: content.folio, activityData: content.activityData, withId: opts.updateTaskId === 'required',
  });
  return [{ step: cmd.action, request: { method: 'POST', path: UPDATE_TASK_PATH, headers: { ...POST_HEADERS }, body } }];
}

/** `<Criteria>` filter XML for Task/Items (K4 shape; `Equal` is K2's WCCompare name for equality). */
export function criteriaXml(filters: { field: string; comparison: 'Equal' | 'Like'; value: string }[]): string {
  return buildXml({
    Criteria: {
      '@_xmlns': K2_NS.worklist,
      Filter: filters.map((f) => ({ '@_Field': f.field, '@_Comparison': f.comparison, '@_ValueType': 'String', '#text': f.value })),
    },
  });
}

/**
 * One task. `getTask: filter` (default): Task/Items with a filterXml Criteria on SerialNumber (K4's shape), so
 * only that item comes back. `getTask: worklist`, for servers that refuse the filter: the whole worklist, the
 * task picked by SerialNumber in parseTask (bounded by MAX_XML_BYTES: a larger worklist fails the read with
 * 502). Either way the item is picked by SerialNumber, so a server ignoring the filter still gives the right task.
 */
export function translateGetTask(taskId: string, opts: K2Options): VendorRequest {
  xmlValue(taskId, 'The task id');
  if (opts.getTask === 'worklist') return { method: 'GET', path: `${TASK_ITEMS_PATH}?piDataField=true`, headers: { ...GET_HEADERS } };
  const params = new URLSearchParams({ filterXml: criteriaXml([{ field: 'SerialNumber', comparison: 'Equal', value: taskId }]), piDataField: 'true' });
  return { method: 'GET', path: `${TASK_ITEMS_PATH}?${params.toString()}`, headers: { ...GET_HEADERS } };
}

/** The worklist page: $skip/$top paging (K2 system query options); `folio` filters ProcessFolio with Like. */
export function translateListTasks(query: TaskListQuery, _opts: K2Options): VendorRequest {
  const params = new URLSearchParams();
  if (query.filters.folio) {
    params.set('filterXml', criteriaXml([{ field: 'ProcessFolio', comparison: 'Like', value: xmlValue(query.filters.folio, 'folio') }]));
  }
  params.set('$skip', String(query.offset));
  params.set('$top', String(query.limit));
  return { method: 'GET', path: `${TASK_ITEMS_PATH}?${params.toString()}`, headers: { ...GET_HEADERS } };
}
