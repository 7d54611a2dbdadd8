// The Oracle BPM REST 4.0 task adapter: capability manifest, backend options and wiring of translate/parse.
import type { Adapter, BackendConfig } from '../../src/core/adapter';
import { isValidTimeZone } from './dates';
import { VENDOR, parseActionResponse, parseTaskListResponse, parseTaskResponse, toTask } from './parse';
import { ACTION_IDS, translateAction, translateGetTask, translateListTasks, translateWarnings, type OracleOptions } from './translate';

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
    custom: { vendorAction: 'action id as given' },
  },
  optionsSchema: {
    properties: {
      // The zone the server writes `YYYY-MM-DD HH:mm:ss` dates in; checked against the runtime's IANA data in options().
      timeZone: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_+\\-/]+$', default: 'UTC' },
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
    return { backend: backend.name, timeZone: zone };
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
