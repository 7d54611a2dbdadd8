// IBM BPM emulator state: the HTM tasks, their seed, the state rules of every action and the tasks/filter query (no HTTP here).
import { randomBytes } from 'node:crypto';
import { EmulatorRefusal, type AdminTaskChange, type AdminTaskInput } from '../../src/emulators/emulator';
import { parseIbmDateTime, parseIsoDuration } from './dates';
import { STATE_CONFLICT, type HtmTask } from './vendor-types';

export const IBM_BPM_EMULATOR_DEFAULTS = {
  username: 'bpmadmin',
  password: 'sandbox-ibm-password',
  taskIds: {
    /** STATE_READY: claim it, suspend it, update it. */
    ready: '_TKI:a01b0170.3c1d2e4f.5a6b7c8d.90000001',
    /** STATE_CLAIMED by bpmadmin: approve, complete, release, reassign. */
    claimed: '_TKI:a01b0170.3c1d2e4f.5a6b7c8d.90000002',
    /** STATE_CLAIMED by maria.lopez. */
    claimedByOther: '_TKI:a01b0170.3c1d2e4f.5a6b7c8d.90000003',
    /** STATE_READY and suspended: resume it. */
    suspended: '_TKI:a01b0170.3c1d2e4f.5a6b7c8d.90000004',
    /** STATE_FINISHED: every action is a 409 CWTKA0007E. */
    finished: '_TKI:a01b0170.3c1d2e4f.5a6b7c8d.90000005',
    /** STATE_TERMINATED. */
    terminated: '_TKI:a01b0170.3c1d2e4f.5a6b7c8d.90000006',
  },
} as const;

export const NOT_FOUND = 'CWTKA0002E';
export const BAD_PARAMETER = 'CWTKA0016E';
export const BAD_MEDIA_TYPE = 'CWTKA0017E';
const LIVE = new Set(['STATE_READY', 'STATE_CLAIMED']);
export const HTM_STATES = new Set(['STATE_INACTIVE', 'STATE_READY', 'STATE_RUNNING', 'STATE_FINISHED', 'STATE_FAILED', 'STATE_TERMINATED', 'STATE_CLAIMED', 'STATE_EXPIRED', 'STATE_FORWARDED']);

/** What the emulator keeps per task besides the task JSON it serves. */
export interface TaskRecord {
  task: HtmTask;
  /** Epoch ms at which a suspend with a deadline or duration ends. */
  suspendedUntil?: number;
  input: Record<string, string>;
  /** The output or fault message a complete carried. */
  completion?: { faultName?: string; contentType?: string; body: string };
}

function seed(tkiid: string, displayName: string, state: string, activated: string, extra: Partial<HtmTask> = {}): HtmTask {
  return {
    tkiid, name: displayName.replace(/[^A-Za-z0-9]+/g, ''), displayName, namespace: 'http://example.com/procurement',
    kind: 'KIND_PARTICIPATING', state, suspended: false, priority: 5, originator: 'anna.schmidt',
    activationTime: activated, firstActivationTime: activated, lastModificationTime: activated,
    isEscalated: false, isRead: false, customProperties: {}, ...extra,
  };
}

export function ibmBpmSeed(): HtmTask[] {
  const ids = IBM_BPM_EMULATOR_DEFAULTS.taskIds;
  return [
    seed(ids.ready, 'Approve purchase order PO-4711', 'STATE_READY', '2025-09-01T08:15:00Z', {
      description: 'Order of 40 laptops from ACME GmbH, 12,500.00 EUR', priority: 3, dueTime: '2025-09-05T17:00:00Z',
      customProperties: { orderId: 'PO-4711', amount: '12500.00' },
    }),
    seed(ids.claimed, 'Review supplier contract ACME-2025', 'STATE_CLAIMED', '2025-09-02T09:00:00Z', {
      owner: IBM_BPM_EMULATOR_DEFAULTS.username, description: 'Annual framework contract renewal', dueTime: '2025-09-10T12:00:00Z',
      customProperties: { contractId: 'ACME-2025' },
    }),
    seed(ids.claimedByOther, 'Verify invoice INV-88123', 'STATE_CLAIMED', '2025-09-02T14:30:00Z', {
      owner: 'maria.lopez', customProperties: { invoiceId: 'INV-88123' },
    }),
    seed(ids.suspended, 'Check bank details change for ACME GmbH', 'STATE_READY', '2025-08-28T10:00:00Z', {
      suspended: true, priority: 2, description: 'Waiting for the call-back to the supplier',
    }),
    seed(ids.finished, 'Approve travel request TR-2025-118', 'STATE_FINISHED', '2025-08-20T07:45:00Z', {
      owner: IBM_BPM_EMULATOR_DEFAULTS.username, completionTime: '2025-08-21T11:02:13Z', lastModificationTime: '2025-08-21T11:02:13Z',
    }),
    seed(ids.terminated, 'Sign off Q2 marketing budget', 'STATE_TERMINATED', '2025-06-30T16:00:00Z', {
      lastModificationTime: '2025-07-03T09:12:00Z',
    }),
  ];
}

/** Parses a tasks/filter whereClause into a predicate; undefined when the clause is not understood. */
function whereFilter(clause: string): ((t: HtmTask) => boolean) | undefined {
  if (clause.trim() === '') return () => true;
  const tests: ((t: HtmTask) => boolean)[] = [];
  for (const part of clause.split(/\s+AND\s+/i)) {
    const state = /^\s*TASK\.STATE\s*=\s*TASK\.STATE\.(STATE_[A-Z]+)\s*$/i.exec(part);
    const suspended = /^\s*TASK\.SUSPENDED\s*=\s*(TRUE|FALSE)\s*$/i.exec(part);
    if (state && HTM_STATES.has(state[1].toUpperCase())) tests.push((t) => t.state === state[1].toUpperCase());
    else if (suspended) tests.push((t) => (t.suspended === true) === (suspended[1].toUpperCase() === 'TRUE'));
    else return undefined;
  }
  return (t) => tests.every((test) => test(t));
}

const badParameter = (message: string, parameters: string[] = []) => Object.assign(new EmulatorRefusal(400, BAD_PARAMETER, message), { parameters });

/** A refusal with HTM's errorMessageParameters. */
export type HtmRefusal = EmulatorRefusal & { parameters?: string[] };

/** A suspend's end: a deadline (ISO date-time) or a duration (ISO 8601), not both; undefined is indefinite. */
export function suspendUntil(deadline: string | undefined, duration: string | undefined, now: number): number | undefined {
  if (deadline !== undefined && duration !== undefined) throw badParameter('Specify either a deadline or a duration, not both.');
  if (deadline !== undefined) {
    const parsed = parseIbmDateTime(deadline);
    if (!parsed) throw badParameter(`The deadline ${deadline.slice(0, 64)} is not an ISO 8601 date-time.`, ['deadline']);
    return Date.parse(parsed);
  }
  if (duration !== undefined) {
    const seconds = parseIsoDuration(duration);
    if (seconds === undefined) throw badParameter(`The duration ${duration.slice(0, 64)} is not an ISO 8601 duration.`, ['duration']);
    return now + seconds * 1000;
  }
  return undefined;
}

const ready = (t: HtmTask) => t.state === 'STATE_READY' && !t.suspended;
const claimed = (t: HtmTask) => t.state === 'STATE_CLAIMED' && !t.suspended;

/**
 * The state rules: claim only when ready; cancel (release), complete and transfer only when claimed; suspend
 * when ready or claimed and not suspended; resume only when suspended; terminate and update on any live task.
 */
const RULES: Record<string, (t: HtmTask) => boolean> = {
  claim: ready,
  cancel: claimed,
  complete: claimed,
  transfer: claimed,
  suspend: (t) => ready(t) || claimed(t),
  resume: (t) => t.suspended === true && LIVE.has(String(t.state)),
  terminate: (t) => LIVE.has(String(t.state)),
  update: (t) => LIVE.has(String(t.state)),
};

/** The HTM tasks and their state rules; every method throws an EmulatorRefusal the routes render. */
export class HtmTasks {
  private readonly records: Map<string, TaskRecord>;

  constructor(seedTasks: HtmTask[], private readonly owner: string, readonly now: () => number) {
    this.records = new Map(seedTasks.map((t) => [t.tkiid, { task: structuredClone(t), input: { ...(t.customProperties ?? {}) } }]));
  }

  /** The task, with a suspension whose deadline passed already ended. */
  find(tkiid: string): TaskRecord {
    const record = this.records.get(tkiid);
    if (!record) throw Object.assign(new EmulatorRefusal(404, NOT_FOUND, `The task instance ${tkiid} does not exist.`), { parameters: [tkiid] });
    return this.settle(record);
  }

  completionOf(tkiid: string): TaskRecord['completion'] {
    return this.records.get(tkiid)?.completion;
  }

  /** The tasks a whereClause selects, in seed (creation) order. */
  filter(where: string): HtmTask[] {
    const test = whereFilter(where);
    if (!test) throw badParameter(`The where clause is not valid: ${where.slice(0, 200)}`, [where.slice(0, 200)]);
    return [...this.records.values()].map((r) => this.settle(r).task).filter(test);
  }

  /** Every task, for the emulator-only admin list. */
  all(): HtmTask[] {
    return [...this.records.values()].map((r) => this.settle(r).task);
  }

  /** Emulator-only: a new participating task, STATE_CLAIMED by its assignee when it has one, else STATE_READY. */
  adminCreate(input: AdminTaskInput): HtmTask {
    const hex = () => randomBytes(4).toString('hex');
    const now = this.iso();
    const task = seed(`_TKI:a01b0170.${hex()}.${hex()}.${hex()}`, input.name, 'STATE_READY', now, { originator: 'emulator-admin' });
    this.records.set(task.tkiid, { task, input: {} });
    return this.adminUpdate(task.tkiid, input)!;
  }

  /**
   * Emulator-only: displayName, description, priority, dueTime, owner and state set as given. An assignee becomes
   * the owner (a ready task is then claimed); STATE_READY drops the owner; an end state stamps completionTime.
   */
  adminUpdate(tkiid: string, change: AdminTaskChange): HtmTask | undefined {
    const record = this.records.get(tkiid);
    if (!record) return undefined;
    const { task } = record;
    if (change.name !== undefined) task.displayName = change.name;
    if (change.description !== undefined) task.description = change.description;
    if (change.priority !== undefined) task.priority = change.priority;
    if (change.dueAt !== undefined) task.dueTime = change.dueAt;
    if (change.vendorStatus !== undefined) {
      task.state = change.vendorStatus;
      if (task.state === 'STATE_READY') delete task.owner;
      if (!LIVE.has(task.state)) task.completionTime = this.iso();
    }
    if (change.assignee !== undefined) {
      task.owner = change.assignee;
      if (task.state === 'STATE_READY') task.state = 'STATE_CLAIMED';
    }
    this.touch(record);
    return task;
  }

  claim(record: TaskRecord): void {
    this.check(record, 'claim');
    record.task.state = 'STATE_CLAIMED';
    record.task.owner = this.owner;
    delete record.task.assignedTo;
    delete record.task.assignedToType;
  }

  cancel(record: TaskRecord): void {
    this.check(record, 'cancel');
    record.task.state = 'STATE_READY';
    delete record.task.owner;
    record.task.activationTime = this.iso();
  }

  /** A fault completion ends the task in failed state, as HTM's completeWithFault does. */
  complete(record: TaskRecord, completion: NonNullable<TaskRecord['completion']>): void {
    this.check(record, 'complete');
    record.completion = completion;
    record.task.state = completion.faultName ? 'STATE_FAILED' : 'STATE_FINISHED';
    record.task.completionTime = this.iso();
  }

  suspend(record: TaskRecord, until: number | undefined): void {
    this.check(record, 'suspend');
    record.task.suspended = true;
    record.suspendedUntil = until;
  }

  resume(record: TaskRecord): void {
    this.check(record, 'resume');
    record.task.suspended = false;
    record.suspendedUntil = undefined;
  }

  terminate(record: TaskRecord): void {
    this.check(record, 'terminate');
    record.task.state = 'STATE_TERMINATED';
    record.task.suspended = false;
    record.suspendedUntil = undefined;
    record.task.completionTime = this.iso();
  }

  update(record: TaskRecord, update: Record<string, unknown>): void {
    this.check(record, 'update');
    const problem = applyUpdate(record.task, update);
    if (problem) throw badParameter(problem, [problem]);
  }

  /** toUser makes that user the owner; toGroup offers the task to the group again (an owner is one person). */
  transfer(record: TaskRecord, to: { user: string } | { group: string }): void {
    this.check(record, 'transfer');
    const { task } = record;
    if ('user' in to) {
      task.owner = to.user;
    } else {
      task.state = 'STATE_READY';
      delete task.owner;
      task.assignedTo = to.group;
      task.assignedToType = 'Group';
      task.activationTime = this.iso();
    }
  }

  /** Every accepted action stamps the task. */
  touch(record: TaskRecord): void {
    record.task.lastModificationTime = this.iso();
  }

  private iso(): string {
    return new Date(this.now()).toISOString();
  }

  /** 409 CWTKA0007E when the task's state does not allow the action (the routes check before reading a body). */
  check(record: TaskRecord, action: string): void {
    const { task } = record;
    if (RULES[action](task)) return;
    const message = `The state of the object does not allow the requested action: ${action} on a task in ${task.state}${task.suspended ? ' (suspended)' : ''}.`;
    throw Object.assign(new EmulatorRefusal(409, STATE_CONFLICT, message), { parameters: [task.tkiid, action] });
  }

  private settle(record: TaskRecord): TaskRecord {
    if (record.task.suspended && record.suspendedUntil !== undefined && record.suspendedUntil <= this.now()) {
      record.task.suspended = false;
      record.suspendedUntil = undefined;
    }
    return record;
  }
}

/** Applies the Task Update properties the emulator models; returns what is wrong, if anything. */
function applyUpdate(task: HtmTask, update: Record<string, unknown>): string | undefined {
  const strings = ['displayName', 'description', 'name', 'namespace', 'type', 'workBasketName', 'contextAuthorizationOfOwner'];
  const times = ['dueTime', 'expirationTime', 'deletionTime'];
  const booleans = ['isRead', 'isEscalated', 'businessRelevance'];
  for (const [key, value] of Object.entries(update)) {
    if (strings.includes(key) && typeof value !== 'string') return `${key} must be a string`;
    if (booleans.includes(key) && typeof value !== 'boolean') return `${key} must be a boolean`;
    if (times.includes(key) && (typeof value !== 'string' || !parseIbmDateTime(value))) return `${key} must be an ISO 8601 date-time`;
    if (key === 'priority' && !Number.isInteger(value)) return 'priority must be an integer';
    if (key === 'customProperties' && (!value || typeof value !== 'object' || Object.values(value).some((v) => typeof v !== 'string'))) {
      return 'customProperties must map names to strings';
    }
  }
  for (const [key, value] of Object.entries(update)) {
    if (key === 'customProperties') task.customProperties = { ...(task.customProperties ?? {}), ...(value as Record<string, string>) };
    else if (key === 'dueTime' || key === 'expirationTime') task[key] = parseIbmDateTime(value);
    else if ([...strings, ...booleans, 'priority', 'deletionTime'].includes(key)) task[key] = value;
    // Other Task Update properties (durations, supports* flags) are accepted and not modelled.
  }
  return undefined;
}
