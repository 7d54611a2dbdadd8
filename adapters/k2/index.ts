// The K2 SyncREST Task service adapter: capability manifest, config keys and wiring of translate/parse.
// Vendor doc: shared/vendor-docs/k2-update-task.txt; vendor-notes.md section 4.
//
// allowedActions on a K2 task holds canonical names only: a batchable process action whose name equals
// actionNames.approve or actionNames.reject (case-insensitively) is `approve` / `reject`, any other is
// `complete` (send it as { action: "complete", outcome: "<Name>" }; the names are in properties.outcomes,
// comma-separated); system actions are `reassign`, `delegate`, `suspend` and, for a sleeping item, `resume`.
// Get one task reads Task/Items without a filter and picks the item by SerialNumber (see translateGetTask).
import type { Adapter, BackendConfig } from '../../src/core/adapter';
import type { ActionCommand } from '../../src/core/actions';
import { VENDOR, parseActionResponse, parseTaskListResponse, parseTaskResponse, toTask } from './parse';
import { describeParameters } from '../custom-parameters';
import { CUSTOM_PARAMETERS, translateAction, translateGetTask, translateListTasks, type K2Options } from './translate';
import { MAX_XML_BYTES } from './xml';

const DEFAULT_ACTION_NAMES = { approve: 'Approve', reject: 'Reject' };
const DEFAULT_SECURITY_LABEL = 'K2';

const actionName = { type: 'string', minLength: 1, maxLength: 128 };

export const k2: Adapter<K2Options> = {
  vendor: VENDOR,
  actions: {
    approve: { vendorAction: 'a:<actionNames.approve>' },
    reject: { vendorAction: 'a:<actionNames.reject>' },
    complete: { vendorAction: 'a:<outcome>' },
    reassign: { vendorAction: 'r:<FQN>' },
    delegate: { vendorAction: 'd:<FQN>' },
    suspend: { vendorAction: 's:<seconds|0|dateTime>' },
    resume: { vendorAction: 's:-1' },
    update: { vendorAction: '<updateAction> with t:Task/@Priority, @ProcessFolio; only when updateAction is configured' },
    custom: { vendorAction: `Action attribute as given (a bare name becomes a:<name>); parameters ${describeParameters(CUSTOM_PARAMETERS)}` },
  },
  // Why: UpdateTask/@Action is required, so an update rides on an action the backend names; without one, 422.
  supports: (action, opts) => action !== 'update' || opts.updateAction !== undefined,
  optionsSchema: {
    properties: {
      actionNames: {
        type: 'object',
        additionalProperties: false,
        properties: { approve: { ...actionName, default: DEFAULT_ACTION_NAMES.approve }, reject: { ...actionName, default: DEFAULT_ACTION_NAMES.reject } },
        default: { ...DEFAULT_ACTION_NAMES },
      },
      securityLabel: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$', default: DEFAULT_SECURITY_LABEL },
      updateTaskId: {
        enum: ['absent', 'required'], default: 'absent',
        description: 'UpdateTask/@ID: left out, as the vendor example does (absent), or sent with the serial number, as its text says (required)',
      },
      updateAction: {
        type: 'string', minLength: 3, maxLength: 256, pattern: '^[aArRdDsS]:',
        description: 'The Action an `update` (Priority, ProcessFolio) rides on, e.g. a:Save or d:K2:DOMAIN\\svc (UpdateTask/@Action is required); absent: update is unsupported',
      },
      getTask: {
        enum: ['filter', 'worklist'], default: 'filter',
        description: 'How one task is read: Task/Items filtered by SerialNumber (filter), or the whole worklist picked through, bounded by 2 MiB (worklist), for servers that refuse the filter',
      },
    },
  },
  listFilters: { folio: { maxLength: 256 } },
  // The Task service filters by field, but one canonical status spans several K2 ones: no status filter.
  listStatuses: [],
  // K2 applies updates asynchronously: a re-read right after the 200 would show the old state.
  rereadAfterAction: false,
  maxResponseBytes: MAX_XML_BYTES,

  options: (backend: BackendConfig): K2Options => {
    const names = (backend.actionNames ?? {}) as Partial<K2Options['actionNames']>;
    return {
      backend: backend.name,
      actionNames: { approve: names.approve ?? DEFAULT_ACTION_NAMES.approve, reject: names.reject ?? DEFAULT_ACTION_NAMES.reject },
      securityLabel: (backend.securityLabel as string | undefined) ?? DEFAULT_SECURITY_LABEL,
      updateTaskId: (backend.updateTaskId as K2Options['updateTaskId']) ?? 'absent',
      getTask: (backend.getTask as K2Options['getTask']) ?? 'filter',
      ...(typeof backend.updateAction === 'string' ? { updateAction: backend.updateAction } : {}),
    };
  },
  translate: translateAction,
  parse: (res) => parseActionResponse(res),
  warnings: (cmd: ActionCommand) => {
    const warnings = cmd.comment !== undefined ? ['K2 task updates have no comment field: `comment` was not sent'] : [];
    if (cmd.action === 'update') {
      for (const key of ['dueAt', 'expiresAt', 'name', 'description', 'properties'] as const) {
        if (cmd[key] !== undefined) warnings.push(`K2 UpdateTask has no place for \`${key}\` (only Priority and ProcessFolio): it was not sent`);
      }
    }
    return warnings;
  },
  getTaskRequest: translateGetTask,
  parseTask: parseTaskResponse,
  listTasksRequest: translateListTasks,
  parseTaskList: parseTaskListResponse,
  toTask,
};
