// Canonical commands and list queries to Oracle BPM REST 4.0 requests (pure).
// Vendor doc: shared/vendor-docs/oracle-bpm-task-action.txt (PUT /bpm/api/4.0/tasks/{id}, body {action:{id}, comment});
// identities per the 12.2.1/OIC examples (vendor-notes 3c); GET /tasks and /tasks/{id} per vendor-notes 3a (O2, O3).
import type { ActionCommand, ActionName } from '../../src/core/actions';
import type { VendorCall, VendorRequest } from '../../src/core/adapter';
import { GatewayError } from '../../src/core/errors';
import type { TaskListQuery } from '../../src/core/task';
import { customParameters, type ParameterRule } from '../custom-parameters';
import type { OracleActionBody, OracleIdentity } from './vendor-types';

export interface OracleOptions {
  backend: string;
  /** IANA zone the server writes its zone-less dates in. */
  timeZone: string;
  /** The top-level field target identities go in: `identities` (12c/OIC examples) or `assignees` (Fusion 26b). */
  identitiesField?: 'identities' | 'assignees';
  /** Where an A2A answer carries the task number: `metadata.number` (its `id` is the GUID) or `id`. */
  a2aTaskNumber?: 'metadata' | 'id';
}

const ROUTING_ACTIONS = ['ADHOC_ROUTE'];

/** `custom` parameters: the PUT body's own fields (oracle-bpm-task-action.txt); routing ones for ADHOC_ROUTE only. */
export const CUSTOM_PARAMETERS: Record<string, ParameterRule> = {
  priority: { type: 'integer', minimum: -2147483648, maximum: 2147483647, description: 'the task priority (int32)' },
  routingType: { type: 'string', enum: ['Simple', 'Sequential', 'Parallel'], onlyFor: ROUTING_ACTIONS, description: 'the type of routing' },
  routingAction: { type: 'string', onlyFor: ROUTING_ACTIONS, description: 'the custom action performed before routing' },
  votersPercentage: { type: 'integer', minimum: 0, maximum: 100, onlyFor: ROUTING_ACTIONS, description: 'Parallel routing: the voters percentage' },
  defaultActionForGroupVote: { type: 'string', onlyFor: ROUTING_ACTIONS, description: 'Parallel routing: the default action of a group vote' },
  identities: {
    type: 'identities', enum: ['user', 'group', 'application_role'], onlyFor: [...ROUTING_ACTIONS, 'REASSIGN', 'DELEGATE', 'INFO_REQUEST'],
    description: 'the target identities [{id, type}], sent in the configured identitiesField',
  },
};

export const TASKS_PATH = '/bpm/api/4.0/tasks';

const HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json' };

/** Canonical action -> Oracle action id, for every action whose id is fixed (complete and custom are not). */
export const ACTION_IDS = {
  approve: 'APPROVE',
  reject: 'REJECT',
  claim: 'ACQUIRE',
  release: 'RELEASE',
  reassign: 'REASSIGN',
  delegate: 'DELEGATE',
  suspend: 'SUSPEND',
  resume: 'RESUME',
  withdraw: 'WITHDRAW',
  escalate: 'ESCALATE',
  request_info: 'INFO_REQUEST',
  submit_info: 'INFO_SUBMIT',
  skip: 'SKIP_CURRENT_ASSIGNMENT',
  push_back: 'PUSHBACK',
} as const satisfies Partial<Record<ActionName, string>>;

/** Actions whose target goes in `identities` (OIC docs: REASSIGN, DELEGATE and INFO_REQUEST require them). */
const WITH_IDENTITIES = new Set<ActionName>(['reassign', 'delegate', 'request_info']);

export function taskPath(taskId: string): string {
  return `${TASKS_PATH}/${encodeURIComponent(taskId)}`;
}

function actionId(cmd: ActionCommand): string {
  if (cmd.action === 'complete') return cmd.outcome as string; // the outcome is the action id (Custom outcomes)
  if (cmd.action === 'custom') return cmd.name as string;
  // A SAVE changes nothing but what it carries: the comment (add_comment), the priority (update).
  if (cmd.action === 'add_comment' || cmd.action === 'update') return 'SAVE';
  const id = (ACTION_IDS as Partial<Record<ActionName, string>>)[cmd.action];
  if (!id) throw new Error(`oracle-bpm cannot translate '${cmd.action}'`);
  return id;
}

/** Fields of `update` Oracle's PUT has no place for (only `priority` is a root field of the document). */
const UPDATE_UNCARRIED = ['dueAt', 'expiresAt', 'name', 'description', 'folio', 'properties'] as const;

export function translateAction(cmd: ActionCommand, opts: OracleOptions): VendorCall[] {
  const body: OracleActionBody = { action: { id: actionId(cmd) } };
  if (cmd.comment !== undefined) body.comment = { commentStr: cmd.comment, commentScope: 'TASK' };
  const field = opts.identitiesField ?? 'identities';
  const setIdentities = (identities: OracleIdentity[]) => {
    body[field] = identities;
  };
  // ACQUIRE must never carry identities (OIC docs); only the three routing actions do.
  if (WITH_IDENTITIES.has(cmd.action) && cmd.to) setIdentities([{ id: cmd.to.id, type: cmd.to.type ?? 'user' }]);
  if (cmd.action === 'update') {
    if (cmd.priority === undefined) {
      throw new GatewayError('INVALID_REQUEST', `Oracle BPM can update a task's priority only (a SAVE with priority); ${UPDATE_UNCARRIED.filter((k) => cmd[k] !== undefined).join(', ')} cannot be carried`);
    }
    body.priority = cmd.priority;
  }
  if (cmd.action === 'custom') {
    const { identities, ...rest } = customParameters(cmd, CUSTOM_PARAMETERS, 'Oracle BPM') as Partial<OracleActionBody>;
    Object.assign(body, rest);
    if (identities) setIdentities(identities.map((i) => ({ id: i.id, type: i.type ?? 'user' })));
  }
  return [{ step: cmd.action, request: { method: 'PUT', path: taskPath(cmd.taskId), headers: { ...HEADERS }, body: JSON.stringify(body) } }];
}

/** Fields Oracle's PUT has no place for: sent without them, and said so (contract section 5). */
export function translateWarnings(cmd: ActionCommand): string[] {
  const warnings: string[] = [];
  if (cmd.data && Object.keys(cmd.data).length > 0) {
    warnings.push('Oracle BPM task actions carry no process data: `data` was not sent');
  }
  if (cmd.action === 'suspend' && (cmd.until !== undefined || cmd.durationSeconds !== undefined)) {
    const field = cmd.until !== undefined ? 'until' : 'durationSeconds';
    warnings.push(`Oracle BPM SUSPEND has no time parameter: \`${field}\` was not sent, the task stays suspended until resumed`);
  }
  if (cmd.action === 'update') {
    for (const key of UPDATE_UNCARRIED) {
      if (cmd[key] !== undefined) warnings.push(`Oracle BPM's task PUT has no place for \`${key}\` (only priority): it was not sent`);
    }
  }
  return warnings;
}

export function translateGetTask(taskId: string): VendorRequest {
  return { method: 'GET', path: taskPath(taskId), headers: { Accept: 'application/json' } };
}

export function translateListTasks(query: TaskListQuery): VendorRequest {
  const params = new URLSearchParams({ offset: String(query.offset), limit: String(query.limit) });
  return { method: 'GET', path: `${TASKS_PATH}?${params.toString()}`, headers: { Accept: 'application/json' } };
}
