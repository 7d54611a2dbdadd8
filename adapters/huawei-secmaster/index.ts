// The Huawei Cloud SecMaster to-do task adapter: capability manifest and wiring of translate/parse.
import type { Adapter, BackendConfig } from '../../src/core/adapter';
import type { ActionCommand } from '../../src/core/actions';
import { describeParameters } from '../custom-parameters';
import { CUSTOM_PARAMETERS, OUTCOME_ACTIONS, searchTaskPages, translateAction, translateGetTask, translateListTasks, type SecMasterOptions } from './translate';
import { HUAWEI_AUTH_TYPES, huaweiAuth } from './auth';
import { DEFAULT_TASK_NOT_FOUND_CODES, VENDOR, isTokenRejected, parseActionResponse, parseTaskListResponse, parseTaskResponse, toTask } from './parse';

type Options = SecMasterOptions & { backend: string };

const RFC3339 = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,9})?(?:Z|[+-]\\d{2}:\\d{2})$';

export const huaweiSecMaster: Adapter<Options> = {
  vendor: VENDOR,
  actions: {
    approve: { vendorAction: OUTCOME_ACTIONS.approve },
    reject: { vendorAction: OUTCOME_ACTIONS.reject },
    terminate: { vendorAction: OUTCOME_ACTIONS.terminate },
    add_comment: { vendorAction: 'ADD_COMMENT' },
    delete_comment: { vendorAction: 'DELETE_COMMENT' },
    add_attachment: { vendorAction: 'ADD_ATTACHMENT' },
    delete_attachment: { vendorAction: 'DELETE_ATTACHMENT' },
    custom: { vendorAction: `action as given; parameters ${describeParameters(CUSTOM_PARAMETERS)}` },
  },
  optionsSchema: {
    properties: {
      projectId: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' },
      workspaceId: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' },
      offsetUnit: {
        enum: ['record', 'page'], default: 'record',
        description: "What the list's `offset` counts at this server: records to skip (record), or pages of `limit` records (page; the answer's `page` is documented as \"Request offset\")",
      },
      taskNotFoundCodes: {
        type: 'array', items: { type: 'string', minLength: 1, maxLength: 100 }, maxItems: 20, default: [...DEFAULT_TASK_NOT_FOUND_CODES],
        description: 'Vendor codes that mean "no such task" (404 TASK_NOT_FOUND) whatever the HTTP status; a 400 whose message says the task does not exist counts too',
      },
    },
    required: ['projectId', 'workspaceId'],
  },
  listFilters: {
    sort: { enum: ['createdAt', '-createdAt', 'updatedAt', '-updatedAt'] },
    name: { maxLength: 256 },
    businessType: { enum: ['WORKFLOWPUBLISH', 'WORKFLOWNODEAPPROVE', 'PLAYBOOKPUBLISH', 'PLAYBOOKNODEAPPROVE'] },
    queryType: { enum: ['my_todo', 'all_handled'] },
    creatorName: { maxLength: 256 },
    note: { maxLength: 256 },
    // RFC 3339, sent as `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'Z` (from_date, to_date bound the creation time).
    fromDate: { maxLength: 64, pattern: RFC3339 },
    toDate: { maxLength: 64, pattern: RFC3339 },
  },
  // open is my_todo; completed and canceled are all_handled (finished, canceled), the gateway keeps the one asked for.
  listStatuses: ['open', 'completed', 'canceled'],
  rereadAfterAction: false,

  options: (backend: BackendConfig) => ({
    backend: backend.name,
    projectId: backend.projectId as string,
    workspaceId: backend.workspaceId as string,
    offsetUnit: (backend.offsetUnit as 'record' | 'page' | undefined) ?? 'record',
    taskNotFoundCodes: (backend.taskNotFoundCodes as string[] | undefined) ?? [...DEFAULT_TASK_NOT_FOUND_CODES],
  }),
  translate: translateAction,
  parse: (res, _call, _cmd, opts) => parseActionResponse(res, opts.backend, opts.taskNotFoundCodes),
  warnings: (cmd: ActionCommand) =>
    cmd.data ? ['SecMaster to-dos cannot store process data: `data` was not sent'] : [],
  getTaskRequest: translateGetTask,
  searchTask: searchTaskPages,
  parseTask: (res, _taskId, opts) => parseTaskResponse(res, opts.backend, opts.taskNotFoundCodes),
  listTasksRequest: translateListTasks,
  parseTaskList: (res, opts) => parseTaskListResponse(res, opts.backend),
  toTask: (raw, opts) => toTask(raw, opts.backend),
  isAuthExpired: isTokenRejected,
  authTypes: HUAWEI_AUTH_TYPES,
  auth: (config, _opts, ctx) => huaweiAuth(config, ctx),
};
