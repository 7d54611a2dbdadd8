// K2 emulator state: the worklist, its seed, UpdateTask transitions (actions, redirect, delegate, sleep, wake) and filters (no HTTP here).
import { EmulatorRefusal, type AdminTaskChange, type AdminTaskInput } from '../../src/emulators/emulator';
import { parseK2Date } from './dates';
import type { K2Status } from './vendor-types';

export const K2_EMULATOR_DEFAULTS = {
  username: 'DENALLIX\\administrator',
  password: 'K2-sandbox-pass',
  /** The service root path: a backend's baseUrl is http://host:port + basePath. */
  basePath: '/K2Services/SyncREST.svc',
  serialNumbers: { available: '2_24', available2: '12_8', open: '19_10', allocated: '31_5', sleeping: '25_72', completed: '7_3' },
  updateTaskId: 'absent' as K2UpdateTaskId,
} as const;

/** Where UpdateTask names its item: only t:Task/@SerialNumber (the doc's example), or also UpdateTask/@ID (its attribute list). */
export type K2UpdateTaskId = 'absent' | 'required';

export interface K2WorklistItem {
  serialNumber: string;
  processName: string;
  processFullName: string;
  processFolio: string;
  activityName: string;
  priority: number;
  status: K2Status;
  originator: string;
  startDate: string;
  allocatedUser?: string;
  actions: { name: string; batchable: boolean }[];
  data: Record<string, string>;
  /** Status to restore on wake. */
  statusBeforeSleep?: K2Status;
  /** Epoch ms the sleep ends; undefined while sleeping indefinitely. */
  sleepUntil?: number;
  /** The process action that completed the item. */
  completedWith?: string;
}

/** One UpdateTask the emulator accepted or refused after parsing: what arrived, exactly. */
export interface K2ReceivedUpdate {
  serialNumber: string;
  action: string;
  data: Record<string, string>;
  /** t:Task/@Priority and @ProcessFolio, when sent. */
  priority?: string;
  folio?: string;
}

export interface K2Filter {
  field: string;
  comparison: string;
  value: string;
}

const STANDARD_ACTIONS = [
  { name: 'Approve', batchable: true },
  { name: 'Reject', batchable: true },
  { name: 'Rework', batchable: true },
];

function seedItem(serialNumber: string, folio: string, activity: string, status: K2Status, startDate: string, extra: Partial<K2WorklistItem> = {}): K2WorklistItem {
  return {
    serialNumber, processName: 'Expense Claim', processFullName: 'Finance\\Expense Claim', processFolio: folio,
    activityName: activity, priority: 1, status, originator: 'K2:DENALLIX\\administrator', startDate,
    actions: STANDARD_ACTIONS.map((a) => ({ ...a })), data: {}, ...extra,
  };
}

export function k2Seed(): K2WorklistItem[] {
  return [
    seedItem('2_24', 'EXP-2024-031 Travel Berlin', 'Manager Approval', 'Available', '2025-03-03T08:15:00.000Z', {
      data: { Amount: '1250.00', Currency: 'EUR' },
    }),
    seedItem('12_8', 'Classic Rework Demo2', 'First Approval', 'Available', '2011-07-07T06:09:06.063Z', {
      processName: 'Classic Rework', processFullName: 'K2 Examples\\Classic Rework', priority: 2,
    }),
    seedItem('19_10', 'PO-1042 Laptops', 'Purchasing Review', 'Open', '2025-03-04T10:00:00.000Z', {
      processName: 'Purchase Order', processFullName: 'Procurement\\Purchase Order', allocatedUser: 'K2:DENALLIX\\Bob',
      actions: [{ name: 'Approve', batchable: true }, { name: 'Reject', batchable: true }, { name: 'Escalate to CFO', batchable: true }],
    }),
    seedItem('31_5', 'NDA Contoso', 'Legal Sign-off', 'Allocated', '2025-03-05T12:30:00.000Z', {
      processName: 'Contract Review', processFullName: 'Legal\\Contract Review', allocatedUser: 'K2:DENALLIX\\administrator',
      actions: [{ name: 'Acknowledge', batchable: true }, { name: 'Sign', batchable: false }],
    }),
    seedItem('25_72', 'EXP-2024-029 Conference', 'Manager Approval', 'Sleep', '2025-02-27T09:00:00.000Z', {
      statusBeforeSleep: 'Available',
    }),
    seedItem('7_3', 'EXP-2024-017 Taxi', 'Manager Approval', 'Completed', '2025-02-20T16:45:00.000Z', {
      actions: [], completedWith: 'Approve',
    }),
  ];
}

/** A refusal the routes answer with K2's <Failure> document. */
export const refusal = (status: number, message: string) => new EmulatorRefusal(status, 'Failure', message);

/** Every worklist status (the admin routes may set any). */
export const K2_STATUSES: K2Status[] = ['Available', 'Open', 'Allocated', 'Sleep', 'Completed'];

const FQN = /^[^:\\\s]+:\S(?:.*\S)?$/s;

/** s:<value>: seconds (> 0), 0 (indefinitely), negative (wake) or an xsd:dateTime with a time zone. */
function sleepValue(value: string, now: number): { wake: true } | { wake: false; until?: number } {
  if (/^[+-]?\d+$/.test(value.trim())) {
    const seconds = Number(value);
    if (seconds < 0) return { wake: true };
    return seconds === 0 ? { wake: false } : { wake: false, until: now + seconds * 1000 };
  }
  const until = parseK2Date(value);
  if (!until || !/(Z|[+-]\d{2}:\d{2})$/.test(value.trim())) throw refusal(400, `'${value}' is neither a number of seconds nor a dateTime with a time zone`);
  return { wake: false, until: Date.parse(until) };
}

export class K2Worklist {
  readonly items: Map<string, K2WorklistItem>;

  constructor(seed: K2WorklistItem[], private readonly now: () => number) {
    this.items = new Map(seed.map((item) => [item.serialNumber, structuredClone(item)]));
  }

  /** The worklist page after any due wake-ups: filters, then $skip and $top ($top=0 means all). */
  page(filters: K2Filter[], skip: number, top: number): K2WorklistItem[] {
    const all = [...this.items.values()];
    all.forEach((item) => this.wakeIfDue(item));
    const matching = all.filter((item) => filters.every((f) => matches(item, f)));
    return top === 0 ? matching.slice(skip) : matching.slice(skip, skip + top);
  }

  /**
   * Emulator-only: a new worklist item (an Expense Claim approval with Approve, Reject, Rework), Allocated to its
   * assignee when it has one, else Available; its serial number follows the highest process instance id.
   */
  adminCreate(input: AdminTaskInput): K2WorklistItem {
    if (input.assignee !== undefined) checkFqn(input.assignee);
    const next = Math.max(0, ...[...this.items.keys()].map((sn) => Number(sn.split('_')[0]) || 0)) + 1;
    const item = seedItem(`${next}_1`, input.name, 'Manager Approval', 'Available', new Date(this.now()).toISOString());
    this.items.set(item.serialNumber, item);
    return this.adminUpdate(item.serialNumber, { ...input, ...(input.assignee !== undefined ? { vendorStatus: 'Allocated' } : {}) })!;
  }

  /** Emulator-only: folio (the name), priority, allocated user and status set as given; Completed clears the actions. */
  adminUpdate(serialNumber: string, change: AdminTaskChange): K2WorklistItem | undefined {
    const item = this.items.get(serialNumber);
    if (!item) return undefined;
    if (change.assignee !== undefined) checkFqn(change.assignee);
    if (change.name !== undefined) item.processFolio = change.name;
    if (change.priority !== undefined) item.priority = change.priority;
    if (change.assignee !== undefined) item.allocatedUser = change.assignee;
    if (change.vendorStatus !== undefined && change.vendorStatus !== item.status) {
      const status = change.vendorStatus as K2Status;
      if (status === 'Sleep') item.statusBeforeSleep = item.status;
      else delete item.statusBeforeSleep;
      delete item.sleepUntil;
      if (status === 'Completed') item.actions = [];
      item.status = status;
    }
    return item;
  }

  /** Applies one UpdateTask at once (K2 applies it asynchronously). */
  update(update: K2ReceivedUpdate): void {
    const item = this.items.get(update.serialNumber);
    if (!item) throw refusal(404, `Worklist item ${update.serialNumber} was not found`);
    this.wakeIfDue(item);
    const match = /^([ards]):(.*)$/is.exec(update.action);
    if (!match) throw refusal(400, `Unknown action '${update.action}': expected a:, r:, d: or s:`);
    if (item.status === 'Completed') throw refusal(409, `Worklist item ${item.serialNumber} is already completed`);
    const priority = update.priority === undefined ? undefined : Number(update.priority);
    if (priority !== undefined && (!/^[+-]?\d+$/.test(update.priority!.trim()) || !Number.isSafeInteger(priority))) {
      throw refusal(400, `Task/@Priority must be an integer, not '${update.priority!.slice(0, 64)}'`);
    }
    const [, kind, value] = match;
    switch (kind.toLowerCase()) {
      case 'a':
        this.act(item, value);
        break;
      case 'r':
      case 'd':
        this.allocate(item, value, kind.toLowerCase() === 'r');
        break;
      default:
        this.sleep(item, value);
    }
    Object.assign(item.data, update.data);
    if (priority !== undefined) item.priority = priority;
    if (update.folio !== undefined) item.processFolio = update.folio;
  }

  private act(item: K2WorklistItem, name: string): void {
    if (item.status === 'Sleep') throw refusal(409, `Worklist item ${item.serialNumber} is sleeping; wake it first`);
    const action = item.actions.find((a) => a.name.toLowerCase() === name.toLowerCase());
    if (!action) throw refusal(400, `The action '${name}' is not available for worklist item ${item.serialNumber}`);
    if (!action.batchable) throw refusal(400, `The action '${action.name}' is not batchable; use the Worklist service`);
    item.status = 'Completed';
    item.completedWith = action.name;
    item.actions = [];
  }

  /** r: makes the item Available to the new user; d: keeps its status. */
  private allocate(item: K2WorklistItem, user: string, redirect: boolean): void {
    checkFqn(user);
    item.allocatedUser = user;
    if (!redirect) return;
    if (item.status === 'Sleep') item.statusBeforeSleep = 'Available';
    else item.status = 'Available';
  }

  private sleep(item: K2WorklistItem, value: string): void {
    const now = this.now();
    const sleep = sleepValue(value, now);
    if (sleep.wake) {
      if (item.status !== 'Sleep') throw refusal(409, `Worklist item ${item.serialNumber} is not sleeping`);
      this.wake(item);
      return;
    }
    if (sleep.until !== undefined && sleep.until <= now) throw refusal(400, `The sleep time ${value} is in the past`);
    if (item.status !== 'Sleep') item.statusBeforeSleep = item.status;
    item.status = 'Sleep';
    if (sleep.until === undefined) delete item.sleepUntil;
    else item.sleepUntil = sleep.until;
  }

  /** A timed sleep that has run out wakes the item, as K2's scheduler would. */
  private wakeIfDue(item: K2WorklistItem): void {
    if (item.status === 'Sleep' && item.sleepUntil !== undefined && item.sleepUntil <= this.now()) this.wake(item);
  }

  private wake(item: K2WorklistItem): void {
    item.status = item.statusBeforeSleep ?? 'Available';
    delete item.statusBeforeSleep;
    delete item.sleepUntil;
  }
}

function checkFqn(user: string): void {
  if (!FQN.test(user)) throw refusal(400, `'${user}' is not a fully qualified user name (label:DOMAIN\\user)`);
}

function matches(item: K2WorklistItem, filter: K2Filter): boolean {
  const fields: Record<string, string> = { SerialNumber: item.serialNumber, ProcessFolio: item.processFolio, Status: item.status };
  const actual = fields[filter.field];
  if (actual === undefined) throw refusal(400, `Unsupported filter field '${filter.field}'`);
  switch (filter.comparison) {
    case 'Equal':
      return actual === filter.value;
    case 'NotEqual':
      return actual !== filter.value;
    case 'Like':
      return actual.toLowerCase().includes(filter.value.toLowerCase());
    default:
      throw refusal(400, `Unsupported filter comparison '${filter.comparison}'`);
  }
}
