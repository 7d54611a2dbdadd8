// Canonical commands and list queries to SecMaster requests (pure).
// Vendor doc: shared/vendor-docs/huawei-secmaster-update-task.txt (PUT .../soc/tasks/{task_id})
// and huawei-secmaster-list-tasks.txt (GET .../soc/tasks); ShowTask: support.huaweicloud.com/api-secmaster/ShowTask.html
import type { ActionCommand } from '../../src/core/actions';
import type { VendorCall, VendorRequest } from '../../src/core/adapter';
import type { TaskListQuery, TaskPage } from '../../src/core/task';
import type { SecMasterUpdateBody } from './vendor-types';

export interface SecMasterOptions {
  projectId: string;
  workspaceId: string;
}

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
      // Passed through as given. The document has `comment` on ADD_COMMENT only, so a comment with any
      // other action travels as its own ADD_COMMENT call first, exactly as approve does.
      const name = cmd.name as string;
      if (name === 'ADD_COMMENT') {
        return [{ step: cmd.action, request: put(cmd, opts, { action: name, comment: cmd.comment }) }];
      }
      const calls: VendorCall[] = [];
      if (cmd.comment !== undefined) {
        calls.push({ step: 'add_comment', request: put(cmd, opts, { action: 'ADD_COMMENT', comment: cmd.comment }) });
      }
      calls.push({ step: cmd.action, request: put(cmd, opts, { action: name }) });
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

export function translateListTasks(query: TaskListQuery, opts: SecMasterOptions): VendorRequest {
  const params = new URLSearchParams({ offset: String(query.offset), limit: String(query.limit) });
  const { sort, name, businessType, queryType } = query.filters;
  if (sort) {
    params.set('sort_key', SORT_KEYS[sort.replace(/^-/, '')]);
    params.set('sort_dir', sort.startsWith('-') ? 'DESC' : 'ASC');
  }
  if (name) params.set('name', name);
  if (businessType) params.set('business_type', businessType);
  // SecMaster filters by "to do" (waiting) or "handled" only; status=open is the former.
  if (query.status === 'open') params.set('query_type', 'my_todo');
  else if (queryType) params.set('query_type', queryType);
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
