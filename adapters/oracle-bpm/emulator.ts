// An in-memory emulator of Oracle BPM REST 4.0 tasks (PUT action, GET one, GET list) for tests and the sandbox.
//
// Documented behaviour (shared/vendor-docs/oracle-bpm-task-action.txt): PUT /bpm/api/4.0/tasks/{id} with
// {action:{id}, comment:{commentStr, commentScope}, comments, priority, routingType...}; the action ids
// APPROVE ... ESCALATE plus the task's own Custom outcomes; 200 answers the task (A2A-style `Task` by default,
// as documented), PURGE answers a title; 400 "The tasknumber is invalid. No action will be performed.",
// 401, 404 "Task not found.", 409 "Conflict.". From vendor-notes 3: `identities` at the top level (`assignees`
// accepted too), required for REASSIGN, DELEGATE, INFO_REQUEST (and ADHOC_ROUTE), refused on ACQUIRE; the
// actionList [{actionId, actionType System|Custom, title}] depends on the state; dates `YYYY-MM-DD HH:mm:ss`.
// Where the documents are silent, this emulator chooses (the adapter must not rely on it):
// - `shape: 'a2a'` (default) answers {kind:"task", id:"<number>", contextId:<taskId GUID>, status:{state,
//   timestamp (UTC ISO), message}, artifacts:[], history:[], metadata:<the classic task JSON>, final};
//   `shape: 'classic'` answers the classic task JSON itself. A2A states: ASSIGNED -> submitted (working once
//   acquired), INFO_REQUESTED -> input-required, COMPLETED -> completed, WITHDRAWN/DELETED -> canceled,
//   ERRORED -> failed, anything else (SUSPENDED, EXPIRED) -> unknown;
// - Basic (username/password) and a bearer token are both accepted; anything else is 401 {title, status};
//   every caller may act on every task (no per-user permissions); ACQUIRE records the caller in acquiredBy;
// - a path id that is not a number is the documented 400; an unknown number 404; an action id that is
//   neither a documented id nor one of the task's outcomes 400; a known id the task's state does not offer
//   (not in its actionList) 409; errors are {title, status, detail};
// - transitions: an outcome completes the task (outcome set); ACQUIRE/RELEASE set/clear acquiredBy;
//   REASSIGN, DELEGATE, ESCALATE (to the owner's manager, `jstein`), ADHOC_ROUTE move the assignees and
//   clear acquiredBy; INFO_REQUEST -> INFO_REQUESTED assigned to the identities, INFO_SUBMIT -> ASSIGNED back
//   to the assignees before; SUSPEND -> SUSPENDED, RESUME -> ASSIGNED (acquiredBy kept); WITHDRAW ->
//   WITHDRAWN; DELETE -> DELETED; SKIP_CURRENT_ASSIGNMENT moves to the next participant of the task's route
//   (offered only when there is one); PUSHBACK back to the previous assignees (offered only when there were
//   some); SAVE changes nothing but the comment/priority; ERROR is never offered; PURGE removes the task and
//   answers {title:"Task <n> purged successfully."}; `substate` names the last routing step;
// - the list takes offset (default 0) and limit (1-500, default 25), ordered by number, and answers
//   {items, hasMore, offset, limit, totalResults} in the configured shape.
import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Emulator } from '../../src/emulators/emulator';
import { formatOracleDate } from './dates';
import { ORACLE_SYSTEM_ACTIONS, type OracleActionListEntry, type OracleIdentity } from './vendor-types';

export type OracleShape = 'a2a' | 'classic';

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

export interface OracleEmulatorOptions {
  shape?: OracleShape;
  username?: string;
  password?: string;
  token?: string;
  /** Who a bearer-token caller is (recorded by ACQUIRE and on comments). */
  tokenUser?: string;
  /** IANA zone the emulated server writes its zone-less dates in. */
  timeZone?: string;
  /** Tasks to start with (times as ISO instants); defaults to a realistic seed. */
  tasks?: OracleEmulatorTask[];
}

export const ORACLE_BPM_EMULATOR_DEFAULTS = {
  shape: 'a2a' as OracleShape,
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

const ESCALATION_USER = 'jstein';
const TERMINAL = new Set(['COMPLETED', 'WITHDRAWN', 'DELETED', 'EXPIRED', 'ERRORED']);
const IDENTITY_TYPES = new Set(['user', 'group', 'application_role']);
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

function a2aState(t: OracleEmulatorTask): string {
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

export function createOracleBpmEmulator(options: OracleEmulatorOptions = {}): Emulator {
  const d = ORACLE_BPM_EMULATOR_DEFAULTS;
  const shape: OracleShape = options.shape ?? d.shape;
  if (shape !== 'a2a' && shape !== 'classic') throw new Error(`oracle-bpm emulator: shape must be 'a2a' or 'classic'`);
  const username = options.username ?? d.username;
  const password = options.password ?? d.password;
  const token = options.token ?? d.token;
  const tokenUser = options.tokenUser ?? d.tokenUser;
  const zone = options.timeZone ?? d.timeZone;
  formatOracleDate(new Date(), zone); // throws early on a bad zone
  const tasks = new Map((options.tasks ?? oracleSeed()).map((t) => [String(t.number), structuredClone(t)]));
  const calls: Emulator['calls'] = [];
  const basic = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');

  const oracleDate = (iso: string | undefined) => (iso ? formatOracleDate(new Date(iso), zone) : undefined);
  const fail = (res: Response, status: number, title: string, detail?: string) =>
    res.status(status).json(detail ? { title, status, detail } : { title, status });

  function classic(t: OracleEmulatorTask): Record<string, unknown> {
    const json: Record<string, unknown> = {
      number: t.number, taskId: t.taskId, title: t.title, state: t.state, priority: t.priority,
      assignees: { items: t.assignees.map((a) => ({ ...a })) },
      createdBy: t.createdBy, fromUserName: t.fromUserName, ownerUser: t.ownerUser, category: t.category,
      taskDefinitionName: t.taskDefinitionName, processName: t.processName, identificationKey: t.identificationKey,
      createdDate: oracleDate(t.createdDate), updatedDate: oracleDate(t.updatedDate), assignedDate: oracleDate(t.assignedDate),
      actionList: actionListOf(t),
      comments: { items: t.comments.map((c) => ({ ...c, updatedDate: oracleDate(c.updatedDate) })) },
      attachments: {
        items: t.attachments.map((a) => ({
          ...a, updatedDate: oracleDate(a.updatedDate), attachmentScope: 'TASK',
          uri: { rel: 'stream', href: `/bpm/api/4.0/tasks/${t.number}/attachments/${encodeURIComponent(a.title)}/stream` },
        })),
      },
      links: [{ rel: 'self', href: `/bpm/api/4.0/tasks/${t.number}` }],
    };
    if (t.description) json.description = t.description;
    if (t.substate) json.substate = t.substate;
    if (t.outcome) json.outcome = t.outcome;
    if (t.acquiredBy) json.acquiredBy = t.acquiredBy;
    if (t.dueDate) json.dueDate = oracleDate(t.dueDate);
    return json;
  }

  function a2a(t: OracleEmulatorTask): Record<string, unknown> {
    const who = t.acquiredBy ?? t.assignees.map((a) => a.id).join(', ');
    return {
      kind: 'task',
      id: String(t.number),
      contextId: t.taskId,
      status: {
        state: a2aState(t),
        timestamp: new Date(t.updatedDate).toISOString(),
        message: {
          kind: 'message', messageId: randomUUID(), role: 'agent', taskId: String(t.number), contextId: t.taskId,
          parts: [{ kind: 'text', text: `${t.state}${t.outcome ? ` (${t.outcome})` : ''}: ${who}` }],
        },
      },
      artifacts: [],
      history: [],
      metadata: classic(t),
      final: TERMINAL.has(t.state),
    };
  }

  const render = (t: OracleEmulatorTask) => (shape === 'a2a' ? a2a(t) : classic(t));

  app.use((req, _res, next) => {
    calls.push({ method: req.method, path: req.originalUrl });
    next();
  });

  // The caller: Basic for BPM users, a bearer token for OAuth (Fusion). The realm answers before any task lookup.
  app.use((req: Request, res: Response, next: NextFunction) => {
    const given = req.get('Authorization') ?? '';
    if (given === basic) res.locals.user = username;
    else if (given === `Bearer ${token}`) res.locals.user = tokenUser;
    else {
      res.set('WWW-Authenticate', 'Basic realm="BPM"');
      return fail(res, 401, 'Unauthorized');
    }
    next();
  });

  const base = '/bpm/api/4.0/tasks';

  app.get(base, (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    const offset = q.offset === undefined ? 0 : Number(q.offset);
    const limit = q.limit === undefined ? 25 : Number(q.limit);
    if (!Number.isInteger(offset) || offset < 0) return fail(res, 400, 'Bad Request', 'offset must be a non-negative integer');
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) return fail(res, 400, 'Bad Request', 'limit must be 1-500');
    const all = [...tasks.values()].sort((a, b) => a.number - b.number);
    const page = all.slice(offset, offset + limit);
    res.json({ items: page.map(render), hasMore: offset + page.length < all.length, offset, limit, totalResults: all.length });
  });

  /** The documented 400 for a bad number, 404 for an unknown one. */
  function lookup(req: Request, res: Response): OracleEmulatorTask | undefined {
    const id = String(req.params.id);
    if (!/^\d{1,18}$/.test(id)) {
      fail(res, 400, 'Bad Request', 'The tasknumber is invalid. No action will be performed.');
      return undefined;
    }
    const task = tasks.get(String(Number(id)));
    if (!task) fail(res, 404, 'Not Found', 'Task not found.');
    return task;
  }

  app.get(`${base}/:id`, (req, res) => {
    const task = lookup(req, res);
    if (task) res.json(render(task));
  });

  app.put(`${base}/:id`, express.text({ type: () => true, limit: '1mb' }), (req, res) => {
    const task = lookup(req, res);
    if (!task) return;
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(typeof req.body === 'string' ? req.body : '');
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw new Error('not an object');
    } catch {
      return fail(res, 400, 'Bad Request', 'The request body is not valid JSON');
    }
    const action = body.action as { id?: unknown } | undefined;
    const id = action && typeof action === 'object' && typeof action.id === 'string' ? action.id : undefined;
    if (!id) return fail(res, 400, 'Bad Request', 'action.id is required');

    const rawIdentities = body.identities ?? body.assignees;
    let identities: OracleIdentity[] | undefined;
    if (rawIdentities !== undefined) {
      const valid = Array.isArray(rawIdentities) && rawIdentities.length > 0 && rawIdentities.every((i) =>
        i && typeof i === 'object' && typeof i.id === 'string' && i.id !== '' && IDENTITY_TYPES.has(i.type));
      if (!valid) return fail(res, 400, 'Bad Request', 'identities must be a non-empty list of {id, type: user|group|application_role}');
      identities = (rawIdentities as OracleIdentity[]).map((i) => ({ id: i.id, type: i.type }));
    }
    let comment: string | undefined;
    if (body.comment !== undefined) {
      const c = body.comment as { commentStr?: unknown };
      if (!c || typeof c !== 'object' || typeof c.commentStr !== 'string' || c.commentStr === '') {
        return fail(res, 400, 'Bad Request', 'comment must be {commentStr, commentScope}');
      }
      comment = c.commentStr;
    } else if (typeof body.comments === 'string' && body.comments !== '') {
      comment = body.comments;
    }
    if (body.priority !== undefined && !(Number.isInteger(body.priority) && (body.priority as number) >= 1 && (body.priority as number) <= 5)) {
      return fail(res, 400, 'Bad Request', 'priority must be an integer 1-5');
    }

    const isOutcome = task.outcomes.includes(id);
    if (!isOutcome && !(ORACLE_SYSTEM_ACTIONS as readonly string[]).includes(id)) {
      return fail(res, 400, 'Bad Request', `${id.slice(0, 64)} is not a valid action for task ${task.number}`);
    }
    if (id === 'ACQUIRE' && identities) return fail(res, 400, 'Bad Request', 'ACQUIRE does not take identities');
    if (NEEDS_IDENTITIES.has(id) && !identities) return fail(res, 400, 'Bad Request', `${id} requires identities`);
    if (id === 'ADHOC_ROUTE' && !ROUTING_TYPES.has(body.routingType as string)) {
      return fail(res, 400, 'Bad Request', 'ADHOC_ROUTE requires routingType Simple, Sequential or Parallel');
    }
    if (!actionListOf(task).some((a) => a.actionId === id)) {
      return fail(res, 409, 'Conflict', `Action ${id} is not allowed on task ${task.number} in state ${task.state}`);
    }

    const now = new Date().toISOString();
    const caller = res.locals.user as string;
    const moveTo = (to: OracleIdentity[], substate: string) => {
      task.previousAssignees.push(task.assignees);
      task.assignees = to;
      task.acquiredBy = undefined;
      task.substate = substate;
      task.assignedDate = now;
    };
    if (isOutcome) {
      task.state = 'COMPLETED';
      task.outcome = id;
      task.substate = undefined;
    } else {
      switch (id) {
        case 'ACQUIRE':
          task.acquiredBy = caller;
          task.substate = 'ACQUIRED';
          break;
        case 'RELEASE':
          task.acquiredBy = undefined;
          task.substate = 'RELEASED';
          break;
        case 'REASSIGN':
          moveTo(identities!, 'REASSIGNED');
          break;
        case 'DELEGATE':
          moveTo(identities!, 'DELEGATED');
          break;
        case 'ADHOC_ROUTE':
          moveTo(identities!, 'ROUTED');
          break;
        case 'ESCALATE':
          moveTo([user(ESCALATION_USER)], 'ESCALATED');
          break;
        case 'SKIP_CURRENT_ASSIGNMENT':
          moveTo(task.route.shift()!, 'SKIPPED');
          break;
        case 'PUSHBACK': {
          const back = task.previousAssignees.pop()!;
          task.route.unshift(task.assignees);
          task.assignees = back;
          task.acquiredBy = undefined;
          task.substate = 'PUSHED_BACK';
          task.assignedDate = now;
          break;
        }
        case 'INFO_REQUEST':
          task.infoReturnTo = task.assignees;
          task.assignees = identities!;
          task.acquiredBy = undefined;
          task.state = 'INFO_REQUESTED';
          task.substate = 'INFO_REQUESTED';
          break;
        case 'INFO_SUBMIT':
          task.assignees = task.infoReturnTo ?? task.assignees;
          task.infoReturnTo = undefined;
          task.state = 'ASSIGNED';
          task.substate = 'INFO_SUBMITTED';
          break;
        case 'SUSPEND':
          task.state = 'SUSPENDED';
          break;
        case 'RESUME':
          task.state = 'ASSIGNED';
          task.substate = 'RESUMED';
          break;
        case 'WITHDRAW':
          task.state = 'WITHDRAWN';
          break;
        case 'DELETE':
          task.state = 'DELETED';
          break;
        case 'PURGE':
          tasks.delete(String(task.number));
          return res.json({ title: `Task ${task.number} purged successfully.` });
        case 'SAVE':
          break;
      }
    }
    if (comment !== undefined) task.comments.push({ commentStr: comment, commentScope: 'TASK', updatedBy: caller, updatedDate: now });
    if (body.priority !== undefined) task.priority = body.priority as number;
    task.updatedDate = now;
    res.json(render(task));
  });

  app.use((_req: Request, res: Response) => {
    fail(res, 404, 'Not Found', 'The requested resource does not exist');
  });

  return { vendor: 'oracle-bpm', handler: app, calls };
}
