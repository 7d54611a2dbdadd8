// The Oracle BPM REST 4.0 task adapter: capability manifest, backend options and wiring of translate/parse.
import type { Adapter, BackendConfig } from '../../src/core/adapter';
import { isValidTimeZone } from './dates';
import { VENDOR, parseActionResponse, parseTaskListResponse, parseTaskResponse, toTask } from './parse';
import { describeParameters } from '../custom-parameters';
import { ACTION_IDS, CUSTOM_PARAMETERS, translateAction, translateGetTask, translateListTasks, translateWarnings, type OracleOptions } from './translate';

export const oracleBpm: Adapter<OracleOptions> = {
  vendor: VENDOR,
  actions: {
    approve: { vendorAction: ACTION_IDS.approve },
    reject: { vendorAction: ACTION_IDS.reject },
    complete: { vendorAction: 'action id = outcome' },
    claim: { vendorAction: ACTION_IDS.claim },
    release: { vendorAction: ACTION_IDS.release },
    reassign: { vendorAction: `${ACTION_IDS.reassign} + identities` },
    delegate: { vendorAction: `${ACTION_IDS.delegate} + identities` },
    suspend: { vendorAction: ACTION_IDS.suspend },
    resume: { vendorAction: ACTION_IDS.resume },
    withdraw: { vendorAction: ACTION_IDS.withdraw },
    escalate: { vendorAction: ACTION_IDS.escalate },
    request_info: { vendorAction: `${ACTION_IDS.request_info} + identities` },
    submit_info: { vendorAction: ACTION_IDS.submit_info },
    skip: { vendorAction: ACTION_IDS.skip },
    push_back: { vendorAction: ACTION_IDS.push_back },
    add_comment: { vendorAction: 'SAVE + comment' },
    update: { vendorAction: 'SAVE + priority (priority only)' },
    custom: { vendorAction: `action id as given; parameters ${describeParameters(CUSTOM_PARAMETERS)}` },
  },
  optionsSchema: {
    properties: {
      // The zone the server writes `YYYY-MM-DD HH:mm:ss` dates in; checked against the runtime's IANA data in options().
      timeZone: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_+\\-/]+$', default: 'UTC' },
      identitiesField: {
        enum: ['identities', 'assignees'], default: 'identities',
        description: 'The top-level field target identities go in: identities (12c/OIC examples) or assignees (Fusion 26b)',
      },
      a2aTaskNumber: {
        enum: ['metadata', 'id'], default: 'metadata',
        description: "Where an A2A answer carries the task number: metadata.number (its id is the task's GUID) or id",
      },
    },
  },
  listFilters: {},
  // The 4.0 list has no documented state filter.
  listStatuses: [],
  // Oracle echoes the task after an action; PURGE removes it, so there is nothing to re-read.
  rereadAfterAction: false,

  // Startup checks the schema cannot express. A plain Error naming the key: src/config/load (ConfigError) imports
  // the adapter registry, so importing it here would be a require cycle.
  options(backend: BackendConfig): OracleOptions {
    const zone = backend.timeZone ?? 'UTC';
    if (!isValidTimeZone(zone)) {
      throw new Error(`backends.${backend.name}.timeZone: '${String(zone)}' is not an IANA time zone known to this runtime`);
    }
    return {
      backend: backend.name,
      timeZone: zone,
      identitiesField: (backend.identitiesField as OracleOptions['identitiesField']) ?? 'identities',
      a2aTaskNumber: (backend.a2aTaskNumber as OracleOptions['a2aTaskNumber']) ?? 'metadata',
    };
  },
  translate: translateAction,
  parse: (res, _call, cmd, opts) => parseActionResponse(res, cmd, opts),
  warnings: translateWarnings,
  getTaskRequest: translateGetTask,
  parseTask: (res, _taskId, opts) => parseTaskResponse(res, opts),
  listTasksRequest: translateListTasks,
  parseTaskList: parseTaskListResponse,
  toTask,
};
