// A faithful in-memory emulator of IBM BPM's Human Task Manager REST API (/rest/bpm/htm/v1): the HTTP routes.
//
// Documented behaviour (shared/vendor-docs/ibm-bpm-htm-task-update.txt, vendor-notes.md section 2):
// - PUT /task/{tkiid}?action=update|claim|cancel|complete[&faultName=]|suspend[&deadline=|&duration=]|resume|terminate,
//   PUT /task/{tkiid}/role/owner?action=transfer&toUser=|&toGroup=, GET /task/{tkiid}, GET /tasks/filter
//   (whereClause, offset, size; answers {identifier, items}); task JSON with lower camel case keys;
// - actions answer an empty 200, except claim, which answers the task's input document (XML unless JSON is accepted);
// - errors are {errorNumber, errorMessage, errorMessageParameters, programmersDetails} (programmersDetails: a stack);
//   a state rule broken gives 409 CWTKA0007E; the request content's default type is application/json, so a body
//   without Content-Type is read as JSON (no 415 for a missing type); a body of another type, or JSON that does
//   not parse, is 415; Basic auth is checked (401);
// - CSRF (off unless options.csrf): POST /bpm/system/login with Basic auth answers {csrf_token}, lifetime
//   min(requested-lifetime, 7200) s; then every /rest/bpm/htm request needs header BPMCSRFToken, and a missing,
//   unknown or expired token gives 403 CWTBG0651E.
// Where the documents are silent, this emulator chooses (and the adapter must not rely on it):
// - the state rules in emulator-state.ts (RULES). A suspend deadline that has passed resumes the task on its next
//   read. Complete with faultName ends in STATE_FAILED (HTM's fault completion), without it in STATE_FINISHED;
//   its output message may also be XML (application/xml or text/xml). No per-user permissions.
// - suspension is reported as `suspended: true` beside `state`; transfer toUser makes that user the owner,
//   transfer toGroup gives the task back to STATE_READY with assignedTo=<group>, assignedToType=Group;
// - errorNumbers other than CWTKA0007E and CWTBG0651E are this emulator's choice: 404 CWTKA0002E (no such task),
//   400 CWTKA0016E (bad or missing parameter), 415 CWTKA0017E; a 401 is WebSphere's plain-text SRVE0295E page;
// - whereClause accepts conjunctions (AND) of TASK.STATE=TASK.STATE.STATE_* and TASK.SUSPENDED=TRUE|FALSE, else 400;
//   size defaults to 50; items come in seed (creation) order; there is no total.
// Emulator-only addition (no HTM API; no Basic auth or CSRF, not in `calls`): GET/POST /_emulator/tasks and
// PATCH /_emulator/tasks/{id} (src/emulators/emulator.ts) create a task (STATE_CLAIMED by its assignee when it has
// one, else STATE_READY) and change its displayName, description, priority, dueTime, owner or state (any STATE_*);
// every change sets lastModificationTime.
import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import {
  EmulatorRefusal, adminRoutes, basicUser, bodyText, emulatorApp, isJsonType, isXmlType, mediaType, requireCaller, sendJson, sendXml, textBody,
  type Emulator,
} from '../../src/emulators/emulator';
import { BAD_MEDIA_TYPE, BAD_PARAMETER, HTM_STATES, HtmTasks, IBM_BPM_EMULATOR_DEFAULTS, ibmBpmSeed, suspendUntil, type HtmRefusal, type TaskRecord } from './emulator-state';
import { CSRF_EXPIRED, CSRF_MAX_LIFETIME, type HtmTask } from './vendor-types';

export { IBM_BPM_EMULATOR_DEFAULTS, ibmBpmSeed } from './emulator-state';

export interface IbmBpmEmulatorOptions {
  username?: string;
  password?: string;
  /** Require a BPMCSRFToken on every /rest/bpm/htm request (default false). */
  csrf?: boolean;
  /** Largest token lifetime granted, in seconds (default and maximum 7200). */
  csrfLifetimeSeconds?: number;
  /** Tasks to start with; defaults to a realistic seed. */
  tasks?: HtmTask[];
  /** Clock (epoch ms), for token and suspension expiry in tests. */
  now?: () => number;
}

export interface IbmBpmEmulator extends Emulator {
  /** Invalidates every issued BPMCSRFToken, as a server restart or token expiry would. */
  expireCsrfTokens(): void;
  /** What a complete carried (output or fault message), for tests. */
  completionOf(tkiid: string): TaskRecord['completion'];
}

function fail(res: Response, status: number, errorNumber: string, message: string, parameters: string[] = []): void {
  sendJson(res, status, {
    errorNumber,
    errorMessage: `${errorNumber}: ${message}`,
    errorMessageParameters: parameters,
    // Real servers send the Java stack here; the gateway must never pass it on.
    programmersDetails: {
      exception: 'com.ibm.bpe.api.ProcessException',
      stackTrace: `com.ibm.bpe.api.ProcessException: ${errorNumber}\n\tat com.ibm.task.rest.TaskInstanceResource.put(TaskInstanceResource.java:412)\n\tat com.ibm.ws.webcontainer.servlet.ServletWrapper.service(ServletWrapper.java:1230)`,
    },
  });
}

/** Runs a route step; a refusal becomes HTM's error answer. */
function answer(res: Response, step: () => void): void {
  try {
    step();
  } catch (error) {
    if (!(error instanceof EmulatorRefusal)) throw error;
    fail(res, error.status, error.code, error.message, (error as HtmRefusal).parameters ?? []);
  }
}

/** A one-valued query parameter (a repeated one counts as invalid). */
function param(req: Request, name: string): string | undefined {
  const value = (req.query as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/** The request body's media type; none given means the documented default, application/json. */
function bodyType(req: Request): string {
  return mediaType(req) || 'application/json';
}

const unsupported = (message: string) => new EmulatorRefusal(415, BAD_MEDIA_TYPE, message);

/** The Task Update object: JSON (its only MIME type), an object. */
function taskUpdate(req: Request): Record<string, unknown> {
  if (!isJsonType(bodyType(req))) throw unsupported('The request content must be a JSON Task Update object.');
  try {
    const update: unknown = JSON.parse(bodyText(req));
    if (update && typeof update === 'object' && !Array.isArray(update)) return update as Record<string, unknown>;
  } catch {
    // refused below
  }
  throw unsupported('The request content must be a JSON Task Update object.');
}

/** The output (or fault) message of a complete: JSON by default, or XML when so typed. */
function completion(req: Request): NonNullable<TaskRecord['completion']> {
  const body = bodyText(req);
  const type = bodyType(req);
  if (body !== '') {
    if (isJsonType(type)) {
      try {
        JSON.parse(body);
      } catch {
        throw unsupported('The output message is not valid JSON.');
      }
    } else if (!isXmlType(type)) {
      throw unsupported(`The content type ${String(req.get('Content-Type')).slice(0, 100)} is not supported.`);
    }
  }
  const faultName = param(req, 'faultName');
  const contentType = req.get('Content-Type');
  return { body, ...(faultName ? { faultName } : {}), ...(contentType ? { contentType } : {}) };
}

/** Claim answers the task's input message: XML by default, JSON when the client accepts it. */
function claimAnswer(req: Request, res: Response, record: TaskRecord): void {
  if (/application\/json/i.test(req.get('Accept') ?? '')) return sendJson(res, 200, record.input);
  sendXml(res, 200, { 'tns:input': { '@_xmlns:tns': record.task.namespace ?? '', ...record.input } }, 'application/xml');
}

/** The actions of PUT /task/{tkiid}: each checks its state rule first, then its parameters and body. */
function performAction(tasks: HtmTasks, req: Request, res: Response, record: TaskRecord): void {
  const action = param(req, 'action');
  if (action === undefined) throw Object.assign(new EmulatorRefusal(400, BAD_PARAMETER, 'The required parameter action is missing.'), { parameters: ['action'] });
  switch (action) {
    case 'claim':
      tasks.claim(record);
      tasks.touch(record);
      return claimAnswer(req, res, record);
    case 'cancel':
      tasks.cancel(record);
      break;
    case 'complete':
      tasks.check(record, 'complete');
      tasks.complete(record, completion(req));
      break;
    case 'suspend':
      tasks.check(record, 'suspend');
      tasks.suspend(record, suspendUntil(param(req, 'deadline'), param(req, 'duration'), tasks.now()));
      break;
    case 'resume':
      tasks.resume(record);
      break;
    case 'terminate':
      tasks.terminate(record);
      break;
    case 'update':
      // The body is read first: a wrong type is a 415 whatever the task's state.
      tasks.update(record, taskUpdate(req));
      break;
    default:
      throw Object.assign(new EmulatorRefusal(400, BAD_PARAMETER, `The action ${action.slice(0, 64)} is not supported for a task instance.`), { parameters: [action.slice(0, 64)] });
  }
  tasks.touch(record);
  res.status(200).end();
}

/** PUT /task/{tkiid}/role/owner?action=transfer with exactly one of toUser, toGroup. */
function transferOwner(tasks: HtmTasks, req: Request, res: Response): void {
  const record = tasks.find(String(req.params.tkiid));
  const refuse = (message: string, parameters: string[]) => Object.assign(new EmulatorRefusal(400, BAD_PARAMETER, message), { parameters });
  if (param(req, 'action') !== 'transfer') throw refuse('The action parameter must be transfer.', ['action']);
  if (req.params.role !== 'owner') throw refuse(`This emulator transfers the owner role only, not ${String(req.params.role).slice(0, 64)}.`, ['role']);
  const toUser = param(req, 'toUser');
  const toGroup = param(req, 'toGroup');
  if ((toUser === undefined) === (toGroup === undefined) || toUser === '' || toGroup === '') {
    throw refuse('Specify exactly one of toUser or toGroup.', ['toUser', 'toGroup']);
  }
  tasks.transfer(record, toUser !== undefined ? { user: toUser } : { group: toGroup! });
  tasks.touch(record);
  res.status(200).end();
}

/** The login body's requested-lifetime in seconds (7200 when none is asked); undefined when the body is not JSON. */
function requestedLifetime(req: Request): number | undefined {
  if (bodyText(req).trim() === '') return CSRF_MAX_LIFETIME;
  try {
    const body = JSON.parse(bodyText(req)) as Record<string, unknown>;
    const asked = body?.['requested-lifetime'];
    return typeof asked === 'number' && asked > 0 ? asked : CSRF_MAX_LIFETIME;
  } catch {
    return undefined;
  }
}

export function createIbmBpmEmulator(options: IbmBpmEmulatorOptions = {}): IbmBpmEmulator {
  const username = options.username ?? IBM_BPM_EMULATOR_DEFAULTS.username;
  const password = options.password ?? IBM_BPM_EMULATOR_DEFAULTS.password;
  const now = options.now ?? Date.now;
  const csrfLifetime = Math.min(options.csrfLifetimeSeconds ?? CSRF_MAX_LIFETIME, CSRF_MAX_LIFETIME);
  const tasks = new HtmTasks(options.tasks ?? ibmBpmSeed(), username, now);
  const csrfTokens = new Map<string, number>();
  const { app, calls } = emulatorApp();

  adminRoutes(app, {
    fields: ['description', 'assignee', 'priority', 'dueAt'],
    statuses: [...HTM_STATES],
    list: () => tasks.all().map((task) => ({ id: task.tkiid, task })),
    create: (input) => {
      const task = tasks.adminCreate(input);
      return { id: task.tkiid, task };
    },
    update: (id, change) => {
      const task = tasks.adminUpdate(id, change);
      return task && { id, task };
    },
  });

  // WebSphere checks Basic credentials before any application sees the request.
  app.use(requireCaller(basicUser(username, password), (_req, res) => {
    res.status(401).set('WWW-Authenticate', 'Basic realm="defaultWIMFileBasedRealm"').type('text/html').send('Error 401: SRVE0295E: Error reported: 401');
  }));

  app.post('/bpm/system/login', textBody('64kb'), (req, res) => {
    const requested = requestedLifetime(req);
    if (requested === undefined) return fail(res, 400, BAD_PARAMETER, 'The login request body is not valid JSON.');
    const token = randomBytes(24).toString('hex');
    csrfTokens.set(token, now() + Math.min(requested, csrfLifetime) * 1000);
    sendJson(res, 200, { csrf_token: token });
  });

  app.use('/rest/bpm/htm', (req, res, next) => {
    if (!options.csrf || (csrfTokens.get(req.get('BPMCSRFToken') ?? '') ?? 0) > now()) return next();
    fail(res, 403, CSRF_EXPIRED, 'The request was blocked because the BPMCSRFToken header could not be verified. Request a new token.');
  });

  const base = '/rest/bpm/htm/v1';

  app.get(`${base}/tasks/filter`, (req, res) => answer(res, () => {
    const offset = param(req, 'offset') === undefined ? 0 : Number(param(req, 'offset'));
    const size = param(req, 'size') === undefined ? 50 : Number(param(req, 'size'));
    const where = param(req, 'whereClause') ?? '';
    const items = tasks.filter(where);
    if (!Number.isInteger(offset) || offset < 0) return fail(res, 400, BAD_PARAMETER, 'The parameter offset is not valid.', ['offset']);
    if (!Number.isInteger(size) || size < 1) return fail(res, 400, BAD_PARAMETER, 'The parameter size is not valid.', ['size']);
    sendJson(res, 200, { identifier: 'tkiid', items: items.slice(offset, offset + size) });
  }));

  app.get(`${base}/task/:tkiid`, (req, res) => answer(res, () => sendJson(res, 200, tasks.find(String(req.params.tkiid)).task)));
  app.put(`${base}/task/:tkiid`, textBody(), (req, res) => answer(res, () => performAction(tasks, req, res, tasks.find(String(req.params.tkiid)))));
  app.put(`${base}/task/:tkiid/role/:role`, (req, res) => answer(res, () => transferOwner(tasks, req, res)));

  app.use((_req, res) => {
    res.status(404).type('text/html').send('Error 404: SRVE0190E: File not found');
  });

  return {
    vendor: 'ibm-bpm',
    handler: app,
    calls,
    expireCsrfTokens: () => csrfTokens.clear(),
    completionOf: (tkiid) => tasks.completionOf(tkiid),
  };
}
