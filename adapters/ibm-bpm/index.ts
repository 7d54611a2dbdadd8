// The IBM BPM Human Task Manager adapter (BPEL task REST API): capability manifest, options and wiring of translate/parse.
import type { Adapter, BackendConfig } from '../../src/core/adapter';
import type { ActionCommand } from '../../src/core/actions';
import { withCsrfToken } from './csrf';
import { VENDOR, isCsrfExpired, parseActionResponse, parseTaskListResponse, parseTaskResponse, toTask } from './parse';
import { describeParameters } from '../custom-parameters';
import { CUSTOM_PARAMETERS, STATUS_WHERE, translateAction, translateGetTask, translateListTasks, uncarriedOutcome, type IbmBpmOptions, type IbmOutcome } from './translate';

type Options = IbmBpmOptions & { backend: string };

/** One outcome mapping: a JSON output message, a faultName (with an optional fault message), or both. */
const OUTCOME_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    document: { type: 'object', description: 'JSON message sent as the body of PUT ?action=complete (the output, or the fault with faultName)' },
    faultName: { type: 'string', minLength: 1, maxLength: 256, pattern: '^\\S+$', description: 'Sent as &faultName=: completes the task with this fault' },
  },
};

const OUTCOME_ACTIONS = ['approve', 'reject', 'complete'];

export const ibmBpm: Adapter<Options> = {
  vendor: VENDOR,
  actions: {
    approve: { vendorAction: '?action=complete (outcomes.approve, else no body)' },
    reject: { vendorAction: '?action=complete with outcomes.reject (e.g. &faultName=); only when configured' },
    complete: { vendorAction: '?action=complete with outcomes.<outcome>, else no body' },
    claim: { vendorAction: '?action=claim' },
    release: { vendorAction: '?action=cancel' },
    reassign: { vendorAction: 'PUT /task/{tkiid}/role/owner?action=transfer&toUser= | &toGroup=' },
    suspend: { vendorAction: '?action=suspend[&deadline= | &duration=]' },
    resume: { vendorAction: '?action=resume' },
    terminate: { vendorAction: '?action=terminate' },
    escalate: { vendorAction: '?action=update with isEscalated: true' },
    update: { vendorAction: '?action=update (priority, dueTime, expirationTime, displayName, description, customProperties)' },
    custom: { vendorAction: `?action= as given; parameters (for update) ${describeParameters(CUSTOM_PARAMETERS).replace(/ \(update\)/g, '')}` },
  },
  // Why: a plain complete is not a rejection; without a configured mapping reject is refused (422) before any call.
  supports: (action, opts) => action !== 'reject' || outcomeConfigured(opts.outcomes.reject),
  optionsSchema: {
    properties: {
      csrf: { type: 'boolean', default: false, description: 'Send a BPMCSRFToken fetched from POST /bpm/system/login' },
      outcomes: {
        type: 'object',
        maxProperties: 100,
        propertyNames: { minLength: 1, maxLength: 128 },
        additionalProperties: OUTCOME_SCHEMA,
        default: {},
        description: 'Outcome name -> how PUT ?action=complete carries it; approve and reject are used by those actions',
      },
    },
  },
  listFilters: {},
  listStatuses: Object.keys(STATUS_WHERE),
  rereadAfterAction: true,

  options: (backend: BackendConfig) => ({
    backend: backend.name,
    csrf: backend.csrf === true,
    outcomes: structuredClone((backend.outcomes as Record<string, IbmOutcome> | undefined) ?? {}),
  }),
  translate: translateAction,
  parse: (res) => parseActionResponse(res),
  warnings: (cmd: ActionCommand, opts) => {
    const warnings: string[] = [];
    const uncarried = uncarriedOutcome(cmd, opts);
    if (uncarried !== undefined) {
      warnings.push(`IBM BPM tasks have no outcome field: outcome '${uncarried}' was not carried, the task was completed without an output message (configure \`outcomes\` to carry it)`);
    }
    if (cmd.comment !== undefined) warnings.push('IBM BPM human tasks have no comments: `comment` was not sent');
    if (cmd.data !== undefined && OUTCOME_ACTIONS.includes(cmd.action)) {
      warnings.push("IBM BPM output messages follow the process's own schema (configured per outcome): `data` was not sent");
    } else if (cmd.data !== undefined) {
      warnings.push('IBM BPM stores no process data with this action: `data` was not sent');
    }
    if (cmd.action === 'update' && cmd.folio !== undefined) warnings.push('IBM BPM Task Update has no folio: `folio` was not sent');
    return warnings;
  },
  getTaskRequest: (taskId) => translateGetTask(taskId),
  parseTask: (res, _taskId, opts) => parseTaskResponse(res, opts.backend, opts),
  listTasksRequest: (query) => translateListTasks(query),
  parseTaskList: (res, opts) => parseTaskListResponse(res, opts.backend, opts),
  toTask: (raw, opts) => toTask(raw, opts.backend, opts),
  isAuthExpired: isCsrfExpired,
  // Why: IBM wants its BPMCSRFToken beside the Basic credentials when CSRF protection is on.
  auth: (config, opts, ctx) => {
    if (!ctx.standard) throw new Error(`backends.${ctx.backend}.auth.type: '${config.type}' is not an auth type of ibm-bpm`);
    return opts.csrf ? withCsrfToken(ctx.standard, ctx.send) : ctx.standard;
  },
};

function outcomeConfigured(outcome: IbmOutcome | undefined): boolean {
  return outcome !== undefined && (outcome.document !== undefined || outcome.faultName !== undefined);
}
