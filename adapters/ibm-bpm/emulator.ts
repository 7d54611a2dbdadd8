// A faithful in-memory emulator of IBM BPM's Human Task Manager REST API (/rest/bpm/htm/v1) for tests and the sandbox.
//
// Documented behaviour (shared/vendor-docs/ibm-bpm-htm-task-update.txt, vendor-notes.md section 2):
// - PUT /task/{tkiid}?action=update|claim|cancel|complete[&faultName=]|suspend[&deadline=|&duration=]|resume|terminate,
//   PUT /task/{tkiid}/role/owner?action=transfer&toUser=|&toGroup=, GET /task/{tkiid}, GET /tasks/filter
//   (whereClause, offset, size; answers {identifier, items}); task JSON with lower camel case keys;
// - actions answer an empty 200, except claim, which answers the task's input document (XML unless JSON is accepted);
// - errors are {errorNumber, errorMessage, errorMessageParameters, programmersDetails} (programmersDetails: a stack);
//   a state rule broken gives 409 CWTKA0007E; a non-JSON update body 415; Basic auth is checked (401);
// - CSRF (off unless options.csrf): POST /bpm/system/login with Basic auth answers {csrf_token}, lifetime
//   min(requested-lifetime, 7200) s; then every /rest/bpm/htm request needs header BPMCSRFToken, and a missing,
//   unknown or expired token gives 403 CWTBG0651E.
// Where the documents are silent, this emulator chooses (and the adapter must not rely on it):
// - state rules: claim only when ready; cancel (release), complete and transfer only when claimed; suspend when
//   ready or claimed and not suspended; resume only when suspended; terminate and update on any live (ready or
//   claimed) task; suspended tasks cannot be claimed, released, completed or transferred. A suspend deadline that
//   has passed resumes the task on its next read. Complete with faultName ends in STATE_FAILED (HTM's fault
//   completion), without it in STATE_FINISHED. No per-user permissions: any authenticated user may act.
// - suspension is reported as `suspended: true` beside `state`; transfer toUser makes that user the owner,
//   transfer toGroup gives the task back to STATE_READY with assignedTo=<group>, assignedToType=Group;
// - errorNumbers other than CWTKA0007E and CWTBG0651E are this emulator's choice: 404 CWTKA0002E (no such task),
//   400 CWTKA0016E (bad or missing parameter), 415 CWTKA0017E; a 401 is WebSphere's plain-text SRVE0295E page;
// - whereClause accepts conjunctions (AND) of TASK.STATE=TASK.STATE.STATE_* and TASK.SUSPENDED=TRUE|FALSE, else 400;
//   size defaults to 50; items come in seed (creation) order; there is no total.
import { randomBytes } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Emulator } from '../../src/emulators/emulator';
import { parseIbmDateTime, parseIsoDuration } from './dates';
import { CSRF_EXPIRED, CSRF_MAX_LIFETIME, STATE_CONFLICT, type HtmTask } from './vendor-types';

export interface IbmBpmEmulatorOptions {
  username?: string;
  password?: string;
  /** Require a BPMCSRFToken on every /rest/bpm/htm request (default false). */
  csrf?: boolean;
  /** Largest token lifetime granted, in seconds (default and maximum 7200). */
  csrfLifetimeSeconds?: number;
  /** Tasks to start with; defaults to a realistic seed. */
  tasks?: HtmTask[];
}

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

/** What the emulator keeps per task besides the task JSON it serves. */
interface TaskRecord {
  task: HtmTask;
  /** Epoch ms at which a suspend with a deadline or duration ends. */
  suspendedUntil?: number;
  input: Record<string, string>;
  /** The output or fault message a complete carried. */
  completion?: { faultName?: string; contentType?: string; body: string };
}

export interface IbmBpmEmulator extends Emulator {
  /** Invalidates every issued BPMCSRFToken, as a server restart or token expiry would. */
  expireCsrfTokens(): void;
  /** What a complete carried (output or fault message), for tests. */
  completionOf(tkiid: string): TaskRecord['completion'];
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

const NOT_FOUND = 'CWTKA0002E';
const BAD_PARAMETER = 'CWTKA0016E';
const BAD_MEDIA_TYPE = 'CWTKA0017E';
const LIVE = new Set(['STATE_READY', 'STATE_CLAIMED']);
const STATES = new Set(['STATE_INACTIVE', 'STATE_READY', 'STATE_RUNNING', 'STATE_FINISHED', 'STATE_FAILED', 'STATE_TERMINATED', 'STATE_CLAIMED', 'STATE_EXPIRED', 'STATE_FORWARDED']);

/** A one-valued query parameter (a repeated one counts as invalid). */
function param(req: Request, name: string): string | undefined {
  const value = (req.query as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

function isJson(req: Request): boolean {
  return /^application\/(.+\+)?json\b/i.test(req.get('Content-Type') ?? '');
}

/** Parses a tasks/filter whereClause into a predicate; undefined when the clause is not understood. */
function whereFilter(clause: string): ((t: HtmTask) => boolean) | undefined {
  if (clause.trim() === '') return () => true;
  const tests: ((t: HtmTask) => boolean)[] = [];
  for (const part of clause.split(/\s+AND\s+/i)) {
    const state = /^\s*TASK\.STATE\s*=\s*TASK\.STATE\.(STATE_[A-Z]+)\s*$/i.exec(part);
    const suspended = /^\s*TASK\.SUSPENDED\s*=\s*(TRUE|FALSE)\s*$/i.exec(part);
    if (state && STATES.has(state[1].toUpperCase())) tests.push((t) => t.state === state[1].toUpperCase());
    else if (suspended) tests.push((t) => (t.suspended === true) === (suspended[1].toUpperCase() === 'TRUE'));
    else return undefined;
  }
  return (t) => tests.every((test) => test(t));
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function createIbmBpmEmulator(options: IbmBpmEmulatorOptions = {}): IbmBpmEmulator {
  const username = options.username ?? IBM_BPM_EMULATOR_DEFAULTS.username;
  const password = options.password ?? IBM_BPM_EMULATOR_DEFAULTS.password;
  const csrfLifetime = Math.min(options.csrfLifetimeSeconds ?? CSRF_MAX_LIFETIME, CSRF_MAX_LIFETIME);
  const records = new Map<string, TaskRecord>(
    (options.tasks ?? ibmBpmSeed()).map((t) => [t.tkiid, { task: structuredClone(t), input: { ...(t.customProperties ?? {}) } }]),
  );
  const csrfTokens = new Map<string, number>();
  const calls: Emulator['calls'] = [];
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  const fail = (res: Response, status: number, errorNumber: string, message: string, parameters: string[] = []) =>
    res.status(status).json({
      errorNumber,
      errorMessage: `${errorNumber}: ${message}`,
      errorMessageParameters: parameters,
      // Real servers send the Java stack here; the gateway must never pass it on.
      programmersDetails: {
        exception: 'com.ibm.bpe.api.ProcessException',
        stackTrace: `com.ibm.bpe.api.ProcessException: ${errorNumber}\n\tat com.ibm.task.rest.TaskInstanceResource.put(TaskInstanceResource.java:412)\n\tat com.ibm.ws.webcontainer.servlet.ServletWrapper.service(ServletWrapper.java:1230)`,
      },
    });

  const now = () => new Date();
  const stamp = (record: TaskRecord) => {
    record.task.lastModificationTime = now().toISOString();
  };
  /** A suspension whose deadline passed has ended by the time anyone looks. */
  const settle = (record: TaskRecord) => {
    if (record.task.suspended && record.suspendedUntil !== undefined && record.suspendedUntil <= Date.now()) {
      record.task.suspended = false;
      record.suspendedUntil = undefined;
    }
    return record;
  };

  app.use((req, _res, next) => {
    calls.push({ method: req.method, path: req.originalUrl });
    next();
  });

  // WebSphere checks Basic credentials before any application sees the request.
  app.use((req: Request, res: Response, next: NextFunction) => {
    const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(req.get('Authorization') ?? '');
    const decoded = match ? Buffer.from(match[1], 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    if (colon > 0 && decoded.slice(0, colon) === username && decoded.slice(colon + 1) === password) return next();
    res.status(401).set('WWW-Authenticate', 'Basic realm="defaultWIMFileBasedRealm"').type('text/html').send('Error 401: SRVE0295E: Error reported: 401');
  });

  app.post('/bpm/system/login', express.text({ type: () => true, limit: '64kb' }), (req, res) => {
    let requested = CSRF_MAX_LIFETIME;
    if (typeof req.body === 'string' && req.body.trim() !== '') {
      try {
        const body = JSON.parse(req.body) as Record<string, unknown>;
        if (typeof body['requested-lifetime'] === 'number' && body['requested-lifetime'] > 0) requested = body['requested-lifetime'];
      } catch {
        return fail(res, 400, BAD_PARAMETER, 'The login request body is not valid JSON.');
      }
    }
    const token = randomBytes(24).toString('hex');
    csrfTokens.set(token, Date.now() + Math.min(requested, csrfLifetime) * 1000);
    res.json({ csrf_token: token });
  });

  app.use('/rest/bpm/htm', (req: Request, res: Response, next: NextFunction) => {
    if (!options.csrf) return next();
    const token = req.get('BPMCSRFToken') ?? '';
    const expiresAt = csrfTokens.get(token);
    if (expiresAt !== undefined && expiresAt > Date.now()) return next();
    fail(res, 403, CSRF_EXPIRED, 'The request was blocked because the BPMCSRFToken header could not be verified. Request a new token.');
  });

  const base = '/rest/bpm/htm/v1';

  app.get(`${base}/tasks/filter`, (req, res) => {
    const where = param(req, 'whereClause') ?? '';
    const filter = whereFilter(where);
    if (!filter) return fail(res, 400, BAD_PARAMETER, `The where clause is not valid: ${where.slice(0, 200)}`, [where.slice(0, 200)]);
    const offset = param(req, 'offset') === undefined ? 0 : Number(param(req, 'offset'));
    const size = param(req, 'size') === undefined ? 50 : Number(param(req, 'size'));
    if (!Number.isInteger(offset) || offset < 0) return fail(res, 400, BAD_PARAMETER, 'The parameter offset is not valid.', ['offset']);
    if (!Number.isInteger(size) || size < 1) return fail(res, 400, BAD_PARAMETER, 'The parameter size is not valid.', ['size']);
    const items = [...records.values()].map((r) => settle(r).task).filter(filter);
    res.json({ identifier: 'tkiid', items: items.slice(offset, offset + size) });
  });

  const find = (req: Request, res: Response): TaskRecord | undefined => {
    const tkiid = String(req.params.tkiid);
    const record = records.get(tkiid);
    if (!record) {
      fail(res, 404, NOT_FOUND, `The task instance ${tkiid} does not exist.`, [tkiid]);
      return undefined;
    }
    return settle(record);
  };

  const conflict = (res: Response, record: TaskRecord, action: string) =>
    fail(res, 409, STATE_CONFLICT, `The state of the object does not allow the requested action: ${action} on a task in ${record.task.state}${record.task.suspended ? ' (suspended)' : ''}.`, [record.task.tkiid, action]);

  app.get(`${base}/task/:tkiid`, (req, res) => {
    const record = find(req, res);
    if (record) res.json(record.task);
  });

  app.put(`${base}/task/:tkiid`, express.text({ type: () => true, limit: '1mb' }), (req, res) => {
    const record = find(req, res);
    if (!record) return;
    const { task } = record;
    const action = param(req, 'action');
    const body = typeof req.body === 'string' ? req.body : '';
    const ready = task.state === 'STATE_READY' && !task.suspended;
    const claimed = task.state === 'STATE_CLAIMED' && !task.suspended;
    switch (action) {
      case 'claim': {
        if (!ready) return conflict(res, record, action);
        task.state = 'STATE_CLAIMED';
        task.owner = username;
        delete task.assignedTo;
        delete task.assignedToType;
        stamp(record);
        // Claim answers the task's input message: XML by default, JSON when the client accepts it.
        if (/application\/json/i.test(req.get('Accept') ?? '')) return res.json(record.input);
        const fields = Object.entries(record.input).map(([k, v]) => `<${k}>${xmlEscape(v)}</${k}>`).join('');
        return res.type('application/xml').send(`<?xml version="1.0" encoding="UTF-8"?><tns:input xmlns:tns="${xmlEscape(task.namespace ?? '')}">${fields}</tns:input>`);
      }
      case 'cancel':
        if (!claimed) return conflict(res, record, action);
        task.state = 'STATE_READY';
        delete task.owner;
        task.activationTime = now().toISOString();
        break;
      case 'complete': {
        if (!claimed) return conflict(res, record, action);
        const contentType = req.get('Content-Type');
        if (body !== '') {
          if (isJson(req)) {
            try {
              JSON.parse(body);
            } catch {
              return fail(res, 415, BAD_MEDIA_TYPE, 'The output message is not valid JSON.');
            }
          } else if (!/^(application|text)\/xml\b/i.test(contentType ?? 'application/xml')) {
            return fail(res, 415, BAD_MEDIA_TYPE, `The content type ${String(contentType).slice(0, 100)} is not supported.`);
          }
        }
        const faultName = param(req, 'faultName');
        record.completion = { body, ...(faultName ? { faultName } : {}), ...(contentType ? { contentType } : {}) };
        // A fault completion ends the task in failed state, as HTM's completeWithFault does.
        task.state = faultName ? 'STATE_FAILED' : 'STATE_FINISHED';
        task.completionTime = now().toISOString();
        break;
      }
      case 'suspend': {
        if (!ready && !claimed) return conflict(res, record, action);
        const deadline = param(req, 'deadline');
        const duration = param(req, 'duration');
        if (deadline !== undefined && duration !== undefined) return fail(res, 400, BAD_PARAMETER, 'Specify either a deadline or a duration, not both.');
        let until: number | undefined;
        if (deadline !== undefined) {
          const parsed = parseIbmDateTime(deadline);
          if (!parsed) return fail(res, 400, BAD_PARAMETER, `The deadline ${deadline.slice(0, 64)} is not an ISO 8601 date-time.`, ['deadline']);
          until = Date.parse(parsed);
        } else if (duration !== undefined) {
          const seconds = parseIsoDuration(duration);
          if (seconds === undefined) return fail(res, 400, BAD_PARAMETER, `The duration ${duration.slice(0, 64)} is not an ISO 8601 duration.`, ['duration']);
          until = Date.now() + seconds * 1000;
        }
        task.suspended = true;
        record.suspendedUntil = until;
        break;
      }
      case 'resume':
        if (!task.suspended || !LIVE.has(String(task.state))) return conflict(res, record, action);
        task.suspended = false;
        record.suspendedUntil = undefined;
        break;
      case 'terminate':
        if (!LIVE.has(String(task.state))) return conflict(res, record, action);
        task.state = 'STATE_TERMINATED';
        task.suspended = false;
        record.suspendedUntil = undefined;
        task.completionTime = now().toISOString();
        break;
      case 'update': {
        // The Task Update body must be JSON (its only MIME type): anything else is a 415.
        let update: Record<string, unknown>;
        try {
          if (!isJson(req)) throw new Error('not JSON');
          update = JSON.parse(body) as Record<string, unknown>;
          if (!update || typeof update !== 'object' || Array.isArray(update)) throw new Error('not an object');
        } catch {
          return fail(res, 415, BAD_MEDIA_TYPE, 'The request content must be a JSON Task Update object.');
        }
        if (!LIVE.has(String(task.state))) return conflict(res, record, action);
        const problem = applyUpdate(task, update);
        if (problem) return fail(res, 400, BAD_PARAMETER, problem, [problem]);
        break;
      }
      case undefined:
        return fail(res, 400, BAD_PARAMETER, 'The required parameter action is missing.', ['action']);
      default:
        return fail(res, 400, BAD_PARAMETER, `The action ${action.slice(0, 64)} is not supported for a task instance.`, [action.slice(0, 64)]);
    }
    stamp(record);
    res.status(200).end();
  });

  app.put(`${base}/task/:tkiid/role/:role`, (req, res) => {
    const record = find(req, res);
    if (!record) return;
    const { task } = record;
    if (param(req, 'action') !== 'transfer') return fail(res, 400, BAD_PARAMETER, 'The action parameter must be transfer.', ['action']);
    if (req.params.role !== 'owner') return fail(res, 400, BAD_PARAMETER, `This emulator transfers the owner role only, not ${String(req.params.role).slice(0, 64)}.`, ['role']);
    const toUser = param(req, 'toUser');
    const toGroup = param(req, 'toGroup');
    if ((toUser === undefined) === (toGroup === undefined) || toUser === '' || toGroup === '') {
      return fail(res, 400, BAD_PARAMETER, 'Specify exactly one of toUser or toGroup.', ['toUser', 'toGroup']);
    }
    if (!(task.state === 'STATE_CLAIMED' && !task.suspended)) return conflict(res, record, 'transfer');
    if (toUser !== undefined) {
      task.owner = toUser;
    } else {
      // An owner is one person: a group transfer offers the task to the group again.
      task.state = 'STATE_READY';
      delete task.owner;
      task.assignedTo = toGroup;
      task.assignedToType = 'Group';
      task.activationTime = now().toISOString();
    }
    stamp(record);
    res.status(200).end();
  });

  app.use((_req: Request, res: Response) => {
    res.status(404).type('text/html').send('Error 404: SRVE0190E: File not found');
  });

  return {
    vendor: 'ibm-bpm',
    handler: app,
    calls,
    expireCsrfTokens: () => csrfTokens.clear(),
    completionOf: (tkiid) => records.get(tkiid)?.completion,
  };
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
