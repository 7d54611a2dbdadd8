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
import { translateAction, translateGetTask, translateListTasks, type K2Options } from './translate';
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
    custom: { vendorAction: 'Action attribute as given (a bare name becomes a:<name>)' },
  },
  optionsSchema: {
    properties: {
      actionNames: {
        type: 'object',
        additionalProperties: false,
        properties: { approve: { ...actionName, default: DEFAULT_ACTION_NAMES.approve }, reject: { ...actionName, default: DEFAULT_ACTION_NAMES.reject } },
        default: { ...DEFAULT_ACTION_NAMES },
      },
      securityLabel: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$', default: DEFAULT_SECURITY_LABEL },
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
    };
  },
  translate: translateAction,
  parse: (res) => parseActionResponse(res),
  warnings: (cmd: ActionCommand) =>
    cmd.comment !== undefined ? ['K2 task updates have no comment field: `comment` was not sent'] : [],
  getTaskRequest: translateGetTask,
  parseTask: parseTaskResponse,
  listTasksRequest: translateListTasks,
  parseTaskList: parseTaskListResponse,
  toTask,
};
