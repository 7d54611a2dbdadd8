// The Huawei Cloud SecMaster to-do task adapter: capability manifest and wiring of translate/parse.
import type { Adapter, BackendConfig } from '../../src/core/adapter';
import type { ActionCommand } from '../../src/core/actions';
import { OUTCOME_ACTIONS, searchTaskPages, translateAction, translateGetTask, translateListTasks, type SecMasterOptions } from './translate';
import { HUAWEI_AUTH_TYPES, huaweiAuth } from './auth';
import { VENDOR, isTokenRejected, parseActionResponse, parseTaskListResponse, parseTaskResponse, toTask } from './parse';

type Options = SecMasterOptions & { backend: string };

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
    custom: { vendorAction: 'action as given' },
  },
  optionsSchema: {
    properties: {
      projectId: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' },
      workspaceId: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' },
    },
    required: ['projectId', 'workspaceId'],
  },
  listFilters: {
    sort: { enum: ['createdAt', '-createdAt', 'updatedAt', '-updatedAt'] },
    name: { maxLength: 256 },
    businessType: { enum: ['WORKFLOWPUBLISH', 'WORKFLOWNODEAPPROVE', 'PLAYBOOKPUBLISH', 'PLAYBOOKNODEAPPROVE'] },
    queryType: { enum: ['my_todo', 'all_handled'] },
  },
  listStatuses: ['open'],
  rereadAfterAction: false,

  options: (backend: BackendConfig) => ({
    backend: backend.name,
    projectId: backend.projectId as string,
    workspaceId: backend.workspaceId as string,
  }),
  translate: translateAction,
  parse: (res, _call, _cmd, opts) => parseActionResponse(res, opts.backend),
  warnings: (cmd: ActionCommand) =>
    cmd.data ? ['SecMaster to-dos cannot store process data: `data` was not sent'] : [],
  getTaskRequest: translateGetTask,
  searchTask: searchTaskPages,
  parseTask: (res, _taskId, opts) => parseTaskResponse(res, opts.backend),
  listTasksRequest: translateListTasks,
  parseTaskList: (res, opts) => parseTaskListResponse(res, opts.backend),
  toTask: (raw, opts) => toTask(raw, opts.backend),
  isAuthExpired: isTokenRejected,
  authTypes: HUAWEI_AUTH_TYPES,
  auth: (config, _opts, ctx) => huaweiAuth(config, ctx),
};
