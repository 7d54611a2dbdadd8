// Canonical commands and list queries to SecMaster requests (pure).
// Vendor doc: shared/vendor-docs/huawei-secmaster-update-task.txt (PUT .../soc/tasks/{task_id})
// and huawei-secmaster-list-tasks.txt (GET .../soc/tasks); ShowTask: support.huaweicloud.com/api-secmaster/ShowTask.html
import type { ActionCommand } from '../../src/core/actions';
import type { VendorCall, VendorRequest } from '../../src/core/adapter';
import { GatewayError } from '../../src/core/errors';
import type { TaskListQuery, TaskPage } from '../../src/core/task';
import { customParameters, type ParameterRule } from '../custom-parameters';
import { formatSecMasterDate } from './dates';
import type { SecMasterUpdateBody } from './vendor-types';

export interface SecMasterOptions {
  projectId: string;
  workspaceId: string;
  /** What the list's `offset` counts at this backend: records to skip, or pages of `limit` records. */
  offsetUnit?: 'record' | 'page';
  /** Vendor codes that mean "no such task", whatever the HTTP status (the documents list only 200 and 400). */
  taskNotFoundCodes?: string[];
}

/** The documented range of the list's `offset`. */
export const MAX_VENDOR_OFFSET = 9999;

/** `custom` parameters SecMaster's PUT takes besides `action` (huawei-secmaster-update-task.txt). */
export const CUSTOM_PARAMETERS: Record<string, ParameterRule> = {
  attachment_id: { type: 'string', description: 'ADD_ATTACHMENT / DELETE_ATTACHMENT: the attachment id' },
  comment_id: { type: 'string', description: 'DELETE_COMMENT: the comment id' },
};

// The docs mark Content-Type mandatory on every call, GETs included.
const HEADERS = { 'Content-Type': 'application/json;charset=UTF-8', Accept: 'application/json' };

export function tasksPath(opts: SecMasterOptions): string {
  return `/v1/${encodeURIComponent(opts.projectId)}/workspaces/${encodeURIComponent(opts.workspaceId)}/soc/tasks`;
}

function put(cmd: ActionCommand, opts: SecMasterOptions, body: SecMasterUpdateBody): VendorRequest {
  return {
    method: 'PUT',
    path: `${tasksPath(opts)}/${encodeURIComponent(cmd.taskId)}`,
    headers: { ...HEADERS },
    body: JSON.stringify(body),
  };
}

/** The SecMaster action each canonical action ends with. */
export const OUTCOME_ACTIONS = { approve: 'CONTINUE', reject: 'TERMINATE', terminate: 'TERMINATE' } as const;

export function translateAction(cmd: ActionCommand, opts: SecMasterOptions): VendorCall[] {
  switch (cmd.action) {
    case 'approve':
    case 'reject':
    case 'terminate': {
      // SecMaster outcomes carry no comment: a comment is added first, as its own ADD_COMMENT call.
      const calls: VendorCall[] = [];
      if (cmd.comment !== undefined) {
        calls.push({ step: 'add_comment', request: put(cmd, opts, { action: 'ADD_COMMENT', comment: cmd.comment }) });
      }
      calls.push({ step: cmd.action, request: put(cmd, opts, { action: OUTCOME_ACTIONS[cmd.action] }) });
      return calls;
    }
    case 'add_comment':
      return [{ step: cmd.action, request: put(cmd, opts, { action: 'ADD_COMMENT', comment: cmd.comment }) }];
    case 'delete_comment':
      return [{ step: cmd.action, request: put(cmd, opts, { action: 'DELETE_COMMENT', comment_id: cmd.commentId }) }];
    case 'add_attachment':
      return [{ step: cmd.action, request: put(cmd, opts, { action: 'ADD_ATTACHMENT', attachment_id: cmd.attachmentId }) }];
    case 'delete_attachment':
      return [{ step: cmd.action, request: put(cmd, opts, { action: 'DELETE_ATTACHMENT', attachment_id: cmd.attachmentId }) }];
    case 'custom': {
      // Passed through as given, with the declared vendor fields. The document has `comment` on ADD_COMMENT only,
      // so a comment with any other action travels as its own ADD_COMMENT call first, exactly as approve does.
      const name = cmd.name as string;
      const parameters = customParameters(cmd, CUSTOM_PARAMETERS, 'SecMaster') as Partial<SecMasterUpdateBody>;
      if (name === 'ADD_COMMENT') {
        return [{ step: cmd.action, request: put(cmd, opts, { ...parameters, action: name, comment: cmd.comment }) }];
      }
      const calls: VendorCall[] = [];
      if (cmd.comment !== undefined) {
        calls.push({ step: 'add_comment', request: put(cmd, opts, { action: 'ADD_COMMENT', comment: cmd.comment }) });
      }
      calls.push({ step: cmd.action, request: put(cmd, opts, { action: name, ...parameters }) });
      return calls;
    }
    default:
      throw new Error(`huawei-secmaster cannot translate '${cmd.action}'`);
  }
}

export function translateGetTask(taskId: string, opts: SecMasterOptions): VendorRequest {
  return { method: 'GET', path: `${tasksPath(opts)}/${encodeURIComponent(taskId)}`, headers: { ...HEADERS } };
}

/** Canonical `sort` values to SecMaster's sort_key; a leading '-' means descending. */
const SORT_KEYS: Record<string, string> = { createdAt: 'create_time', updatedAt: 'update_time' };

function invalidQuery(name: string, detail: string): GatewayError {
  const error = new GatewayError('INVALID_REQUEST', detail);
  (error.context as Record<string, unknown>).errors = [{ path: name, message: detail }];
  return error;
}

/** The vendor's `offset` for a record offset: itself, or the page index where this backend counts pages. */
function vendorOffset(query: TaskListQuery, opts: SecMasterOptions): number {
  let offset = query.offset;
  if (opts.offsetUnit === 'page') {
    if (query.offset % query.limit !== 0) {
      throw invalidQuery('offset', `This SecMaster backend pages by page index: offset must be a multiple of limit (${query.limit})`);
    }
    offset = query.offset / query.limit;
  }
  // Why: SecMaster documents 0-9999; beyond it the vendor refuses, so the client hears it before any call.
  if (offset > MAX_VENDOR_OFFSET) {
    const most = opts.offsetUnit === 'page' ? MAX_VENDOR_OFFSET * query.limit : MAX_VENDOR_OFFSET;
    throw invalidQuery('offset', `SecMaster lists up to offset ${MAX_VENDOR_OFFSET}: offset must be at most ${most} here`);
  }
  return offset;
}

/** An RFC 3339 filter value in SecMaster's `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'Z` form, at +0800 as the vendor writes it. */
function vendorDate(name: string, value: string): string {
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw invalidQuery(name, `Query parameter '${name}' must be an RFC 3339 time`);
  return formatSecMasterDate(new Date(ms));
}

export function translateListTasks(query: TaskListQuery, opts: SecMasterOptions): VendorRequest {
  const params = new URLSearchParams({ offset: String(vendorOffset(query, opts)), limit: String(query.limit) });
  const { sort, name, businessType, queryType, creatorName, note, fromDate, toDate } = query.filters;
  if (sort) {
    params.set('sort_key', SORT_KEYS[sort.replace(/^-/, '')]);
    params.set('sort_dir', sort.startsWith('-') ? 'DESC' : 'ASC');
  }
  if (name) params.set('name', name);
  if (businessType) params.set('business_type', businessType);
  if (creatorName) params.set('creator_name', creatorName);
  if (note) params.set('note', note);
  if (fromDate) params.set('from_date', vendorDate('fromDate', fromDate));
  if (toDate) params.set('to_date', vendorDate('toDate', toDate));
  // SecMaster filters by "to do" (waiting) or "handled" (finished and canceled) only: status=open is the former,
  // completed and canceled the latter (the gateway keeps only the status asked for).
  const implied = query.status === 'open' ? 'my_todo' : query.status === 'completed' || query.status === 'canceled' ? 'all_handled' : undefined;
  if (implied && queryType && queryType !== implied) {
    throw invalidQuery('queryType', `status=${query.status} lists ${implied} tasks: queryType=${queryType} contradicts it`);
  }
  if (implied ?? queryType) params.set('query_type', (implied ?? queryType) as string);
  return { method: 'GET', path: `${tasksPath(opts)}?${params.toString()}`, headers: { ...HEADERS } };
}

const SEARCH_PAGE = 100;
const SEARCH_MAX_OFFSET = 1000;

/**
 * Why: ShowTask (GET .../soc/tasks/{id}) is public but not in our vendor documents, and a deployment
 * without it answers 404 for a task that exists. Then the to-do list (my_todo, then all_handled) is
 * searched, 100 at a time, up to 1,000 of each.
 */
export function* searchTaskPages(): Generator<TaskListQuery, void, TaskPage> {
  for (const queryType of ['my_todo', 'all_handled']) {
    for (let offset = 0; offset < SEARCH_MAX_OFFSET; offset += SEARCH_PAGE) {
      const page: TaskPage = yield { limit: SEARCH_PAGE, offset, filters: { queryType } };
      if (page.items.length < SEARCH_PAGE) break;
    }
  }
}
