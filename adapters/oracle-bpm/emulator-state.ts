// Oracle BPM emulator state: the tasks, their seed, the actionList each state offers and the transitions of every action (no HTTP here).
import { randomUUID } from 'node:crypto';
import { EmulatorRefusal, type AdminTaskChange, type AdminTaskInput } from '../../src/emulators/emulator';
import { ORACLE_SYSTEM_ACTIONS, type OracleActionListEntry, type OracleIdentity } from './vendor-types';

export interface OracleEmulatorTask {
  number: number;
  taskId: string;
  title: string;
  description?: string;
  state: string;
  substate?: string;
  outcome?: string;
  priority: number;
  acquiredBy?: string;
  assignees: OracleIdentity[];
  /** Earlier assignees, most recent last: PUSHBACK returns to them. */
  previousAssignees: OracleIdentity[][];
  /** Participants still to come: SKIP_CURRENT_ASSIGNMENT moves to the first. */
  route: OracleIdentity[][];
  /** Assignees to return to after INFO_SUBMIT. */
  infoReturnTo?: OracleIdentity[];
  /** The task's Custom outcomes, e.g. APPROVE and REJECT. */
  outcomes: string[];
  createdBy: string;
  fromUserName: string;
  ownerUser: string;
  category: string;
  taskDefinitionName: string;
  processName: string;
  identificationKey: string;
  createdDate: string;
  updatedDate: string;
  assignedDate: string;
  dueDate?: string;
  comments: { commentStr: string; commentScope: string; updatedBy: string; updatedDate: string }[];
  attachments: { title: string; mimeType: string; updatedBy: string; updatedDate: string }[];
}

export const ORACLE_BPM_EMULATOR_DEFAULTS = {
  shape: 'a2a' as OracleShape,
  identitiesField: 'identities' as OracleIdentitiesField,
  a2aTaskNumber: 'metadata' as OracleA2aTaskNumber,
  username: 'jcooper',
  password: 'welcome1',
  token: 'sandbox-oracle-token',
  tokenUser: 'jcooper',
  timeZone: 'UTC',
  taskIds: {
    open: '200041',
    claimed: '200042',
    customOutcomes: '200043',
    suspended: '200044',
    infoRequested: '200045',
    completed: '200046',
    withdrawn: '200047',
    expired: '200048',
  },
};

export type OracleShape = 'a2a' | 'classic';
/** The top-level field that carries the target identities: 12c/OIC's `identities` or Fusion 26b's `assignees`. */
export type OracleIdentitiesField = 'identities' | 'assignees';
/** Where an A2A answer carries the task number: `metadata.number` (its `id` is then the task GUID) or `id` (no metadata.number). */
export type OracleA2aTaskNumber = 'metadata' | 'id';

const ESCALATION_USER = 'jstein';
/** Every state a task can be in (the admin routes may set any). */
export const ORACLE_STATES = ['ASSIGNED', 'SUSPENDED', 'INFO_REQUESTED', 'COMPLETED', 'WITHDRAWN', 'DELETED', 'EXPIRED', 'ERRORED'];
export const TERMINAL = new Set(['COMPLETED', 'WITHDRAWN', 'DELETED', 'EXPIRED', 'ERRORED']);
export const IDENTITY_TYPES = new Set(['user', 'group', 'application_role']);
const NEEDS_IDENTITIES = new Set(['REASSIGN', 'DELEGATE', 'INFO_REQUEST', 'ADHOC_ROUTE']);
const ROUTING_TYPES = new Set(['Simple', 'Sequential', 'Parallel']);

const TITLES: Record<string, string> = {
  ACQUIRE: 'Claim', RELEASE: 'Release', REASSIGN: 'Reassign', DELEGATE: 'Delegate', ESCALATE: 'Escalate',
  INFO_REQUEST: 'Request Information', INFO_SUBMIT: 'Submit Information', SUSPEND: 'Suspend', RESUME: 'Resume',
  WITHDRAW: 'Withdraw', SKIP_CURRENT_ASSIGNMENT: 'Skip Current Assignment', PUSHBACK: 'Push Back',
  ADHOC_ROUTE: 'Adhoc Route', SAVE: 'Save', DELETE: 'Delete', PURGE: 'Purge', ERROR: 'Error',
};

const user = (id: string): OracleIdentity => ({ id, type: 'user' });
const group = (id: string): OracleIdentity => ({ id, type: 'group' });

function seedTask(number: number, title: string, state: string, created: string, extra: Partial<OracleEmulatorTask> = {}): OracleEmulatorTask {
  const createdMs = Date.parse(created);
  return {
    number, taskId: `3f2a1c9e-7d41-4b6e-9c0a-000000${number}`, title, state, priority: 3,
    assignees: [user('jcooper')], previousAssignees: [], route: [], outcomes: ['APPROVE', 'REJECT'],
    createdBy: 'achrist', fromUserName: 'achrist', ownerUser: 'bpmadmin', category: 'Approvals',
    taskDefinitionName: 'ApprovalTask', processName: 'ExpenseApproval', identificationKey: `EXP-${number}`,
    createdDate: created, updatedDate: created, assignedDate: created,
    dueDate: new Date(createdMs + 7 * 86_400_000).toISOString(),
    comments: [], attachments: [], ...extra,
  };
}

/** Fixed ids: the README's curl examples use them. */
export function oracleSeed(): OracleEmulatorTask[] {
  return [
    seedTask(200041, 'Approve expense report EXP-2024-1187 (1,240.00 USD)', 'ASSIGNED', '2024-11-14T12:10:27Z', {
      description: 'Client dinner and travel, Q4 sales kickoff', identificationKey: 'EXP-2024-1187',
      comments: [{ commentStr: 'Receipts attached', commentScope: 'TASK', updatedBy: 'achrist', updatedDate: '2024-11-14T12:11:02Z' }],
      attachments: [{ title: 'receipts.pdf', mimeType: 'application/pdf', updatedBy: 'achrist', updatedDate: '2024-11-14T12:10:59Z' }],
    }),
    seedTask(200042, 'Approve purchase requisition REQ-88213', 'ASSIGNED', '2024-11-15T08:30:00Z', {
      assignees: [group('PurchasingManagers')], acquiredBy: 'jcooper', substate: 'ACQUIRED', priority: 2,
      previousAssignees: [[user('achrist')]], processName: 'RequisitionApproval', identificationKey: 'REQ-88213',
      taskDefinitionName: 'RequisitionApprovalTask',
    }),
    seedTask(200043, 'Review supplier onboarding: Acme Industrial Ltd', 'ASSIGNED', '2024-11-16T09:45:10Z', {
      outcomes: ['ACCEPT', 'DEFER', 'REJECT'], route: [[user('wfaulk')]], category: 'Supplier',
      processName: 'SupplierOnboarding', taskDefinitionName: 'SupplierReviewTask', identificationKey: 'SUP-3310',
    }),
    seedTask(200044, 'Approve leave request: 5 days, M. Santos', 'SUSPENDED', '2024-11-10T07:00:00Z', {
      processName: 'AbsenceApproval', taskDefinitionName: 'AbsenceApprovalTask', identificationKey: 'ABS-1502',
      category: 'HCM',
    }),
    seedTask(200045, 'Approve invoice INV-55102 hold release', 'INFO_REQUESTED', '2024-11-12T16:20:45Z', {
      assignees: [user('achrist')], infoReturnTo: [user('jcooper')], substate: 'INFO_REQUESTED',
      processName: 'InvoiceHoldRelease', taskDefinitionName: 'InvoiceApprovalTask', identificationKey: 'INV-55102',
      comments: [{ commentStr: 'Which cost center should carry this?', commentScope: 'TASK', updatedBy: 'jcooper', updatedDate: '2024-11-13T10:02:00Z' }],
    }),
    seedTask(200046, 'Approve job offer: Senior Analyst', 'COMPLETED', '2024-11-01T11:00:00Z', {
      outcome: 'APPROVE', updatedDate: '2024-11-02T09:15:00Z', processName: 'OfferApproval', category: 'HCM',
      taskDefinitionName: 'OfferApprovalTask', identificationKey: 'OFF-0420',
    }),
    seedTask(200047, 'Approve travel request TR-3391', 'WITHDRAWN', '2024-11-05T13:00:00Z', {
      updatedDate: '2024-11-06T08:00:00Z', processName: 'TravelApproval', identificationKey: 'TR-3391',
    }),
    seedTask(200048, 'Approve contract amendment CA-7', 'EXPIRED', '2024-10-01T10:00:00Z', {
      updatedDate: '2024-10-08T10:00:00Z', processName: 'ContractApproval', identificationKey: 'CA-7',
    }),
  ];
}

/** What the task offers now: its outcomes and the system actions its state allows. */
export function actionListOf(t: OracleEmulatorTask): OracleActionListEntry[] {
  const system = (ids: string[]) => ids.map((id) => ({ actionId: id, actionType: 'System', title: TITLES[id] ?? id }));
  switch (t.state) {
    case 'ASSIGNED':
      return [
        ...t.outcomes.map((id) => ({ actionId: id, actionType: 'Custom', title: id.charAt(0) + id.slice(1).toLowerCase() })),
        ...system([
          t.acquiredBy ? 'RELEASE' : 'ACQUIRE', 'REASSIGN', 'DELEGATE', 'ESCALATE', 'INFO_REQUEST', 'SUSPEND', 'WITHDRAW',
          ...(t.route.length > 0 ? ['SKIP_CURRENT_ASSIGNMENT'] : []), ...(t.previousAssignees.length > 0 ? ['PUSHBACK'] : []),
          'ADHOC_ROUTE', 'SAVE', 'DELETE', 'PURGE',
        ]),
      ];
    case 'SUSPENDED':
      return system(['RESUME', 'WITHDRAW', 'DELETE', 'PURGE']);
    case 'INFO_REQUESTED':
      return system(['INFO_SUBMIT', 'WITHDRAW', 'DELETE', 'PURGE']);
    default:
      return system(['PURGE']);
  }
}

/** The A2A TaskStatus state of a task: unknown for the states A2A has no name for (SUSPENDED, EXPIRED). */
export function a2aState(t: OracleEmulatorTask): string {
  switch (t.state) {
    case 'ASSIGNED':
      return t.acquiredBy ? 'working' : 'submitted';
    case 'INFO_REQUESTED':
      return 'input-required';
    case 'COMPLETED':
      return 'completed';
    case 'WITHDRAWN':
    case 'DELETED':
      return 'canceled';
    case 'ERRORED':
      return 'failed';
    default:
      return 'unknown';
  }
}


/** What an action carries, checked: the action id, its identities, comment and priority. */
export interface OracleActionRequest {
  id: string;
  identities?: OracleIdentity[];
  comment?: string;
  priority?: number;
  routingType?: string;
}

const conflict = (message: string) => new EmulatorRefusal(409, 'Conflict', message);
const badRequest = (message: string) => new EmulatorRefusal(400, 'Bad Request', message);

function checkPriority(priority: number | undefined): void {
  if (priority !== undefined && (priority < 1 || priority > 5)) throw badRequest('priority must be an integer 1-5');
}

export class OracleTasks {
  private readonly tasks: Map<string, OracleEmulatorTask>;

  constructor(seed: OracleEmulatorTask[]) {
    this.tasks = new Map(seed.map((t) => [String(t.number), structuredClone(t)]));
  }

  /** All tasks ordered by number. */
  all(): OracleEmulatorTask[] {
    return [...this.tasks.values()].sort((a, b) => a.number - b.number);
  }

  /** Emulator-only: a new ASSIGNED approval task, numbered after the highest number, from the vendor-neutral body. */
  adminCreate(input: AdminTaskInput, now: string): OracleEmulatorTask {
    checkPriority(input.priority);
    const number = Math.max(200040, ...[...this.tasks.values()].map((t) => t.number)) + 1;
    const task = seedTask(number, input.name, 'ASSIGNED', now, {
      taskId: randomUUID(), createdBy: 'emulator-admin', fromUserName: 'emulator-admin', identificationKey: `ADM-${number}`, dueDate: undefined,
      ...(input.assignee !== undefined ? { assignees: [user(input.assignee)] } : {}),
    });
    this.tasks.set(String(number), task);
    return this.adminUpdate(String(number), { ...input, assignee: undefined }, now)!;
  }

  /**
   * Emulator-only: title, description, priority (1-5), dueDate and state set as given; an assignee becomes the one
   * user assignee (the task is no longer acquired). Undefined: no such task.
   */
  adminUpdate(id: string, change: AdminTaskChange, now: string): OracleEmulatorTask | undefined {
    const task = this.tasks.get(id);
    if (!task) return undefined;
    checkPriority(change.priority);
    if (change.name !== undefined) task.title = change.name;
    if (change.description !== undefined) task.description = change.description;
    if (change.priority !== undefined) task.priority = change.priority;
    if (change.dueAt !== undefined) task.dueDate = change.dueAt;
    if (change.assignee !== undefined) {
      moveTo(task, [user(change.assignee)], 'REASSIGNED', now);
    }
    if (change.vendorStatus !== undefined) task.state = change.vendorStatus;
    task.updatedDate = now;
    return task;
  }

  /** The documented 400 for a number that is not one, 404 for an unknown one. */
  find(id: string): OracleEmulatorTask {
    if (!/^\d{1,18}$/.test(id)) throw badRequest('The tasknumber is invalid. No action will be performed.');
    const task = this.tasks.get(String(Number(id)));
    if (!task) throw new EmulatorRefusal(404, 'Not Found', 'Task not found.');
    return task;
  }

  /** Checks the action against the task (400 unknown or malformed, 409 not offered now), then applies it. Undefined: purged. */
  perform(task: OracleEmulatorTask, action: OracleActionRequest, caller: string, now: string): OracleEmulatorTask | undefined {
    const { id, identities } = action;
    const isOutcome = task.outcomes.includes(id);
    if (!isOutcome && !(ORACLE_SYSTEM_ACTIONS as readonly string[]).includes(id)) throw badRequest(`${id.slice(0, 64)} is not a valid action for task ${task.number}`);
    if (id === 'ACQUIRE' && identities) throw badRequest('ACQUIRE does not take identities');
    if (NEEDS_IDENTITIES.has(id) && !identities) throw badRequest(`${id} requires identities`);
    if (id === 'ADHOC_ROUTE' && !ROUTING_TYPES.has(action.routingType as string)) throw badRequest('ADHOC_ROUTE requires routingType Simple, Sequential or Parallel');
    if (!actionListOf(task).some((a) => a.actionId === id)) throw conflict(`Action ${id} is not allowed on task ${task.number} in state ${task.state}`);
    if (id === 'PURGE') {
      this.tasks.delete(String(task.number));
      return undefined;
    }
    if (isOutcome) {
      task.state = 'COMPLETED';
      task.outcome = id;
      task.substate = undefined;
    } else {
      systemAction(task, id, identities, caller, now);
    }
    if (action.comment !== undefined) task.comments.push({ commentStr: action.comment, commentScope: 'TASK', updatedBy: caller, updatedDate: now });
    if (action.priority !== undefined) task.priority = action.priority;
    task.updatedDate = now;
    return task;
  }
}

/** Moves a task to new assignees, remembering the old ones for PUSHBACK. */
function moveTo(task: OracleEmulatorTask, to: OracleIdentity[], substate: string, now: string): void {
  task.previousAssignees.push(task.assignees);
  task.assignees = to;
  task.acquiredBy = undefined;
  task.substate = substate;
  task.assignedDate = now;
}

/** The transitions of the system actions (the action is known to be offered by the task's state). */
function systemAction(task: OracleEmulatorTask, id: string, identities: OracleIdentity[] | undefined, caller: string, now: string): void {
  const set = (state: string, substate?: string) => {
    task.state = state;
    if (substate) task.substate = substate;
  };
  switch (id) {
    case 'ACQUIRE':
      task.acquiredBy = caller;
      return set('ASSIGNED', 'ACQUIRED');
    case 'RELEASE':
      task.acquiredBy = undefined;
      return set('ASSIGNED', 'RELEASED');
    case 'REASSIGN':
    case 'DELEGATE':
    case 'ADHOC_ROUTE':
      return moveTo(task, identities!, { REASSIGN: 'REASSIGNED', DELEGATE: 'DELEGATED', ADHOC_ROUTE: 'ROUTED' }[id], now);
    case 'ESCALATE':
      return moveTo(task, [user(ESCALATION_USER)], 'ESCALATED', now);
    case 'SKIP_CURRENT_ASSIGNMENT':
      return moveTo(task, task.route.shift()!, 'SKIPPED', now);
    case 'PUSHBACK':
      task.route.unshift(task.assignees);
      task.assignees = task.previousAssignees.pop()!;
      task.acquiredBy = undefined;
      task.assignedDate = now;
      return set('ASSIGNED', 'PUSHED_BACK');
    case 'INFO_REQUEST':
      task.infoReturnTo = task.assignees;
      task.assignees = identities!;
      task.acquiredBy = undefined;
      return set('INFO_REQUESTED', 'INFO_REQUESTED');
    case 'INFO_SUBMIT':
      task.assignees = task.infoReturnTo ?? task.assignees;
      task.infoReturnTo = undefined;
      return set('ASSIGNED', 'INFO_SUBMITTED');
    case 'SUSPEND':
      return set('SUSPENDED');
    case 'RESUME':
      return set('ASSIGNED', 'RESUMED');
    case 'WITHDRAW':
      return set('WITHDRAWN');
    case 'DELETE':
      return set('DELETED');
    // SAVE changes nothing but the comment and priority.
  }
}
