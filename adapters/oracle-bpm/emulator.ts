// An in-memory emulator of Oracle BPM REST 4.0 tasks (PUT action, GET one, GET list): the HTTP routes and the two answer shapes.
//
// Documented behaviour (shared/vendor-docs/oracle-bpm-task-action.txt): PUT /bpm/api/4.0/tasks/{id} with
// {action:{id}, comment:{commentStr, commentScope}, comments, priority (integer), routingType, routingAction
// (strings), votersPercentage (integer), defaultActionForGroupVote (string)}, request media type application/json;
// the action ids APPROVE ... ESCALATE plus the task's own Custom outcomes; 200 answers the task (A2A-style `Task`
// by default, as documented), PURGE answers a title; 400 "The tasknumber is invalid. No action will be
// performed.", 401, 404 "Task not found.", 409 "Conflict.". From vendor-notes 3: identities required for
// REASSIGN, DELEGATE, INFO_REQUEST (and ADHOC_ROUTE), refused on ACQUIRE; the actionList [{actionId, actionType
// System|Custom, title}] depends on the state; dates `YYYY-MM-DD HH:mm:ss`.
// Where the documents are ambiguous, this emulator's options choose, and it accepts only the chosen form:
// - identitiesField (default 'identities'): the top-level field carrying the target identities, `identities`
//   (12c/OIC examples) or `assignees` (Fusion 26b's rendering); the other one is a 400;
// - a2aTaskNumber (default 'metadata'): where an A2A answer carries the task number: `metadata.number` (and `id`
//   is the task's GUID) or `id` (and metadata has no `number`).
// Where the documents are silent, this emulator chooses (the adapter must not rely on it):
// - `shape: 'a2a'` (default) answers {kind:"task", id, contextId:<taskId GUID>, status:{state, timestamp (UTC
//   ISO), message}, artifacts:[], history:[], metadata:<the classic task JSON>, final}; `shape: 'classic'`
//   answers the classic task JSON itself. A2A states: ASSIGNED -> submitted (working once acquired),
//   INFO_REQUESTED -> input-required, COMPLETED -> completed, WITHDRAWN/DELETED -> canceled, ERRORED -> failed,
//   anything else (SUSPENDED, EXPIRED) -> unknown;
// - a PUT whose Content-Type is missing or not JSON is 415 {title:"Unsupported Media Type"} (JAX-RS's answer);
//   votersPercentage must be an integer 0-100; priority an integer 1-5;
// - Basic (username/password) and a bearer token are both accepted; anything else is 401 {title, status};
//   every caller may act on every task (no per-user permissions); ACQUIRE records the caller in acquiredBy;
// - a path id that is not a number is the documented 400; an unknown number 404; an action id that is
//   neither a documented id nor one of the task's outcomes 400; a known id the task's state does not offer
//   (not in its actionList) 409; errors are {title, status, detail};
// - transitions (emulator-state.ts): an outcome completes the task (outcome set); ACQUIRE/RELEASE set/clear
//   acquiredBy; REASSIGN, DELEGATE, ESCALATE (to the owner's manager, `jstein`), ADHOC_ROUTE move the assignees
//   and clear acquiredBy; INFO_REQUEST -> INFO_REQUESTED assigned to the identities, INFO_SUBMIT -> ASSIGNED back
//   to the assignees before; SUSPEND -> SUSPENDED, RESUME -> ASSIGNED (acquiredBy kept); WITHDRAW -> WITHDRAWN;
//   DELETE -> DELETED; SKIP_CURRENT_ASSIGNMENT moves to the next participant of the task's route (offered only
//   when there is one); PUSHBACK back to the previous assignees (offered only when there were some); SAVE
//   changes nothing but the comment/priority; ERROR is never offered; PURGE removes the task and answers
//   {title:"Task <n> purged successfully."}; `substate` names the last routing step;
// - the list takes offset (default 0) and limit (1-500, default 25), ordered by number, and answers
//   {items, hasMore, offset, limit, totalResults} in the configured shape.
// Emulator-only addition (no Oracle API; no auth, not in `calls`): GET/POST /_emulator/tasks and
// PATCH /_emulator/tasks/{id} (src/emulators/emulator.ts) create an ASSIGNED task numbered after the highest one
// and change its title, description, priority (1-5), dueDate, assignee (the one user assignee, not acquired) or
// state (ASSIGNED, SUSPENDED, INFO_REQUESTED, COMPLETED, WITHDRAWN, DELETED, EXPIRED, ERRORED); every change sets
// updatedDate. The admin list answers each task as the vendor list renders it (the configured shape).
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import {
  EmulatorRefusal, adminRoutes, basicCredentials, emulatorApp, isJsonType, jsonObject, mediaType, requireCaller, sendJson, textBody, type Emulator,
} from '../../src/emulators/emulator';
import { formatOracleDate } from './dates';
import {
  IDENTITY_TYPES, ORACLE_BPM_EMULATOR_DEFAULTS, ORACLE_STATES, OracleTasks, TERMINAL, a2aState, actionListOf, oracleSeed,
  type OracleA2aTaskNumber, type OracleActionRequest, type OracleEmulatorTask, type OracleIdentitiesField, type OracleShape,
} from './emulator-state';
import type { OracleIdentity } from './vendor-types';

export {
  ORACLE_BPM_EMULATOR_DEFAULTS, actionListOf, oracleSeed,
  type OracleA2aTaskNumber, type OracleEmulatorTask, type OracleIdentitiesField, type OracleShape,
} from './emulator-state';

export interface OracleEmulatorOptions {
  shape?: OracleShape;
  /** The top-level field the identities come in (see the header). */
  identitiesField?: OracleIdentitiesField;
  /** Where an A2A answer carries the task number (see the header). */
  a2aTaskNumber?: OracleA2aTaskNumber;
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

const fail = (res: Response, status: number, title: string, detail?: string) =>
  sendJson(res, status, detail ? { title, status, detail } : { title, status });

/** Runs a route step; a refusal becomes {title, status, detail}. */
function answer(res: Response, step: () => void): void {
  try {
    step();
  } catch (error) {
    if (!(error instanceof EmulatorRefusal)) throw error;
    fail(res, error.status, error.code, error.message);
  }
}

const badRequest = (detail: string) => new EmulatorRefusal(400, 'Bad Request', detail);

/** The identities in the configured field; the other field is refused, so only one form is ever accepted. */
function readIdentities(body: Record<string, unknown>, field: OracleIdentitiesField): OracleIdentity[] | undefined {
  const other = field === 'identities' ? 'assignees' : 'identities';
  if (body[other] !== undefined) throw badRequest(`This server takes the identities in '${field}', not '${other}'`);
  const raw = body[field];
  if (raw === undefined) return undefined;
  const valid = Array.isArray(raw) && raw.length > 0 && raw.every((i) =>
    i && typeof i === 'object' && typeof i.id === 'string' && i.id !== '' && IDENTITY_TYPES.has(i.type));
  if (!valid) throw badRequest(`${field} must be a non-empty list of {id, type: user|group|application_role}`);
  return (raw as OracleIdentity[]).map((i) => ({ id: i.id, type: i.type }));
}

/** The comment: {commentStr, commentScope} or the plain `comments` string. */
function readComment(body: Record<string, unknown>): string | undefined {
  if (body.comment !== undefined) {
    const c = body.comment as { commentStr?: unknown };
    if (!c || typeof c !== 'object' || typeof c.commentStr !== 'string' || c.commentStr === '') throw badRequest('comment must be {commentStr, commentScope}');
    return c.commentStr;
  }
  return typeof body.comments === 'string' && body.comments !== '' ? body.comments : undefined;
}

/** The documented field types: priority and votersPercentage integers, the routing fields strings. */
function checkTypes(body: Record<string, unknown>): void {
  const { priority, votersPercentage } = body;
  if (priority !== undefined && !(Number.isInteger(priority) && (priority as number) >= 1 && (priority as number) <= 5)) throw badRequest('priority must be an integer 1-5');
  if (votersPercentage !== undefined && !(Number.isInteger(votersPercentage) && (votersPercentage as number) >= 0 && (votersPercentage as number) <= 100)) {
    throw badRequest('votersPercentage must be an integer 0-100');
  }
  for (const key of ['defaultActionForGroupVote', 'routingAction', 'routingType', 'comments']) {
    if (body[key] !== undefined && typeof body[key] !== 'string') throw badRequest(`${key} must be a string`);
  }
}

/** The PUT body read and checked: media type, JSON object, action id, identities, comment, field types. */
function readAction(req: Request, identitiesField: OracleIdentitiesField): OracleActionRequest {
  if (!isJsonType(mediaType(req))) throw new EmulatorRefusal(415, 'Unsupported Media Type', 'The request content must be application/json');
  const body = jsonObject(req);
  if (!body) throw badRequest('The request body is not valid JSON');
  const action = body.action as { id?: unknown } | undefined;
  const id = action && typeof action === 'object' && typeof action.id === 'string' ? action.id : undefined;
  if (!id) throw badRequest('action.id is required');
  const identities = readIdentities(body, identitiesField);
  const comment = readComment(body);
  checkTypes(body);
  return { id, identities, comment, priority: body.priority as number | undefined, routingType: body.routingType as string | undefined };
}

/** The classic task JSON and the A2A Task around it. */
function renderer(shape: OracleShape, a2aTaskNumber: OracleA2aTaskNumber, zone: string) {
  const oracleDate = (iso: string | undefined) => (iso ? formatOracleDate(new Date(iso), zone) : undefined);
  const classic = (t: OracleEmulatorTask): Record<string, unknown> => {
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
  };
  const a2a = (t: OracleEmulatorTask): Record<string, unknown> => {
    const who = t.acquiredBy ?? t.assignees.map((a) => a.id).join(', ');
    const id = a2aTaskNumber === 'id' ? String(t.number) : t.taskId;
    const { number: _number, ...withoutNumber } = classic(t);
    return {
      kind: 'task', id, contextId: t.taskId,
      status: {
        state: a2aState(t),
        timestamp: new Date(t.updatedDate).toISOString(),
        message: {
          kind: 'message', messageId: randomUUID(), role: 'agent', taskId: id, contextId: t.taskId,
          parts: [{ kind: 'text', text: `${t.state}${t.outcome ? ` (${t.outcome})` : ''}: ${who}` }],
        },
      },
      artifacts: [], history: [],
      metadata: a2aTaskNumber === 'id' ? withoutNumber : classic(t),
      final: TERMINAL.has(t.state),
    };
  };
  return shape === 'a2a' ? a2a : classic;
}

export function createOracleBpmEmulator(options: OracleEmulatorOptions = {}): Emulator {
  const d = ORACLE_BPM_EMULATOR_DEFAULTS;
  const shape = options.shape ?? d.shape;
  const identitiesField = options.identitiesField ?? d.identitiesField;
  const a2aTaskNumber = options.a2aTaskNumber ?? d.a2aTaskNumber;
  if (shape !== 'a2a' && shape !== 'classic') throw new Error(`oracle-bpm emulator: shape must be 'a2a' or 'classic'`);
  if (identitiesField !== 'identities' && identitiesField !== 'assignees') throw new Error(`oracle-bpm emulator: identitiesField must be 'identities' or 'assignees'`);
  if (a2aTaskNumber !== 'metadata' && a2aTaskNumber !== 'id') throw new Error(`oracle-bpm emulator: a2aTaskNumber must be 'metadata' or 'id'`);
  const username = options.username ?? d.username;
  const password = options.password ?? d.password;
  const token = options.token ?? d.token;
  const zone = options.timeZone ?? d.timeZone;
  formatOracleDate(new Date(), zone); // throws early on a bad zone
  const render = renderer(shape, a2aTaskNumber, zone);
  const tasks = new OracleTasks(options.tasks ?? oracleSeed());
  const { app, calls } = emulatorApp();

  adminRoutes(app, {
    fields: ['description', 'assignee', 'priority', 'dueAt'],
    statuses: ORACLE_STATES,
    list: () => tasks.all().map((task) => ({ id: String(task.number), task: render(task) })),
    create: (input) => {
      const task = tasks.adminCreate(input, new Date().toISOString());
      return { id: String(task.number), task: render(task) };
    },
    update: (id, change) => {
      const task = /^\d{1,18}$/.test(id) ? tasks.adminUpdate(String(Number(id)), change, new Date().toISOString()) : undefined;
      return task && { id: String(task.number), task: render(task) };
    },
  });

  // The caller: Basic for BPM users, a bearer token for OAuth (Fusion). The realm answers before any task lookup.
  app.use(requireCaller(
    (req) => {
      const basic = basicCredentials(req);
      if (basic) return basic.username === username && basic.password === password ? username : undefined;
      return req.get('Authorization') === `Bearer ${token}` ? (options.tokenUser ?? d.tokenUser) : undefined;
    },
    (_req, res) => {
      res.set('WWW-Authenticate', 'Basic realm="BPM"');
      fail(res, 401, 'Unauthorized');
    },
  ));

  const base = '/bpm/api/4.0/tasks';

  app.get(base, (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    const offset = q.offset === undefined ? 0 : Number(q.offset);
    const limit = q.limit === undefined ? 25 : Number(q.limit);
    if (!Number.isInteger(offset) || offset < 0) return fail(res, 400, 'Bad Request', 'offset must be a non-negative integer');
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) return fail(res, 400, 'Bad Request', 'limit must be 1-500');
    const all = tasks.all();
    const page = all.slice(offset, offset + limit);
    sendJson(res, 200, { items: page.map(render), hasMore: offset + page.length < all.length, offset, limit, totalResults: all.length });
  });

  app.get(`${base}/:id`, (req, res) => answer(res, () => sendJson(res, 200, render(tasks.find(String(req.params.id))))));

  app.put(`${base}/:id`, textBody(), (req, res) => answer(res, () => {
    const task = tasks.find(String(req.params.id));
    const action = readAction(req, identitiesField);
    const done = tasks.perform(task, action, res.locals.user as string, new Date().toISOString());
    sendJson(res, 200, done ? render(done) : { title: `Task ${task.number} purged successfully.` });
  }));

  app.use((_req, res) => fail(res, 404, 'Not Found', 'The requested resource does not exist'));

  return { vendor: 'oracle-bpm', handler: app, calls };
}
