// The kit every vendor emulator is built from: the app with its request log, auth checks, bodies, JSON and XML answers, the emulator-only admin routes, and serving on loopback.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { buildXml } from '../xml';

export interface Emulator {
  readonly vendor: string;
  /** The request handler (an Express app). */
  readonly handler: http.RequestListener;
  /** Vendor calls received so far, for tests that count them (e.g. "no second vendor call"); admin routes are not vendor calls. */
  readonly calls: { method: string; path: string }[];
}

export interface RunningEmulator {
  server: http.Server;
  url: string;
  close(): Promise<void>;
}

export async function listen(emulator: Emulator, port = 0, host = '127.0.0.1'): Promise<RunningEmulator> {
  const server = http.createServer(emulator.handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    server,
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A vendor state rule or input check said no: the routes turn it into the vendor's own error shape. */
export class EmulatorRefusal extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

/**
 * An Express app for one emulator, its request log first: no X-Powered-By, no ETag (vendors send neither),
 * every request recorded in `calls` before auth, so a test can count what reached the vendor.
 */
export function emulatorApp(): { app: Express; calls: Emulator['calls'] } {
  const calls: Emulator['calls'] = [];
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use((req, _res, next) => {
    if (!isAdminPath(req.path)) calls.push({ method: req.method, path: req.originalUrl });
    next();
  });
  return { app, calls };
}

/** The body as text whatever its Content-Type: each emulator decides what it accepts, as its vendor does. */
export function textBody(limit = '1mb'): RequestHandler {
  return express.text({ type: () => true, limit });
}

/** The raw body a `textBody` route received ('' when there was none). */
export function bodyText(req: Request): string {
  return typeof req.body === 'string' ? req.body : '';
}

/** The body parsed as one JSON object (not an array, not null); undefined when it is anything else. */
export function jsonObject(req: Request): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(bodyText(req));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The request's media type, lower case and without parameters ('' when there is no Content-Type). */
export function mediaType(req: Request): string {
  return (req.get('Content-Type') ?? '').split(';')[0].trim().toLowerCase();
}

/** application/json or any application/*+json. */
export function isJsonType(type: string): boolean {
  return /^application\/(?:[\w.-]+\+)?json$/.test(type);
}

/** application/xml, text/xml or any application/*+xml. */
export function isXmlType(type: string): boolean {
  return /^(?:application|text)\/(?:[\w.-]+\+)?xml$/.test(type);
}

/** Basic credentials from the Authorization header, or undefined when there are none or they are malformed. */
export function basicCredentials(req: Request): { username: string; password: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(req.get('Authorization') ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon > 0 ? { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) } : undefined;
}

/**
 * An auth check in front of everything after it: `who` names the caller (kept in res.locals.user) or
 * returns undefined, and then `refuse` answers in the vendor's own shape.
 */
export function requireCaller(who: (req: Request) => string | undefined, refuse: (req: Request, res: Response) => void): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const caller = who(req);
    if (caller === undefined) return refuse(req, res);
    res.locals.user = caller;
    next();
  };
}

/** A Basic check against one account: the caller is the user name. */
export function basicUser(username: string, password: string): (req: Request) => string | undefined {
  return (req) => {
    const given = basicCredentials(req);
    return given && given.username === username && given.password === password ? username : undefined;
  };
}

/** A JSON answer. */
export function sendJson(res: Response, status: number, body: unknown): void {
  res.status(status).json(body);
}

/** An XML answer from the object form, with the XML declaration vendors send. */
export function sendXml(res: Response, status: number, doc: Record<string, unknown>, type = 'application/xml; charset=utf-8'): void {
  res.status(status).type(type).send(buildXml({ '?xml': { '@_version': '1.0', '@_encoding': 'utf-8' }, ...doc }));
}

/** Where the emulator-only admin routes live: a path no vendor API uses. */
export const ADMIN_PATH = '/_emulator';

function isAdminPath(path: string): boolean {
  return path === ADMIN_PATH || path.startsWith(`${ADMIN_PATH}/`);
}

/** The vendor-neutral body of POST /_emulator/tasks. */
export interface AdminTaskInput {
  name: string;
  description?: string;
  assignee?: string;
  priority?: number;
  /** An ISO 8601 date-time with a zone, normalised to UTC ISO. */
  dueAt?: string;
}

/** The body of PATCH /_emulator/tasks/{id}: the fields to change; `vendorStatus` is the vendor's own status word. */
export type AdminTaskChange = Partial<AdminTaskInput> & { vendorStatus?: string };

/** The optional fields of the vendor-neutral body. */
export type AdminField = 'description' | 'assignee' | 'priority' | 'dueAt';

/** A task as the admin routes answer it: its vendor id and the emulator's record of it, in the vendor's own field names. */
export interface AdminTask {
  id: string;
  task: unknown;
}

/** What a vendor emulator offers the admin routes: its tasks, created and changed on its own state. */
export interface EmulatorAdmin {
  /** The optional fields this vendor's tasks have (besides `name`, and `vendorStatus` on a change); any other is a 400. */
  readonly fields: readonly AdminField[];
  /** The values `vendorStatus` may take. */
  readonly statuses: readonly string[];
  list(): AdminTask[];
  /** Throws an EmulatorRefusal when the vendor cannot hold the value (answered 400). */
  create(input: AdminTaskInput): AdminTask;
  /** Undefined for an unknown id (answered 404). */
  update(id: string, change: AdminTaskChange): AdminTask | undefined;
}

const ADMIN_TEXT_MAX = 1000;

/** The body checked field by field: names, types and the fields this vendor has. */
function adminBody(req: Request, admin: EmulatorAdmin, creating: boolean): AdminTaskChange {
  const body = jsonObject(req);
  if (!body) throw new EmulatorRefusal(400, 'INVALID_REQUEST', 'The body must be a JSON object');
  const allowed = new Set<string>(['name', ...admin.fields, ...(creating ? [] : ['vendorStatus'])]);
  const unknown = Object.keys(body).filter((k) => !allowed.has(k));
  if (unknown.length > 0) {
    throw new EmulatorRefusal(400, 'INVALID_REQUEST', `Fields this emulator's tasks do not have: ${unknown.map((k) => k.slice(0, 64)).join(', ')} (it has: ${[...allowed].join(', ')})`);
  }
  const text = (key: string, value: unknown) => {
    if (typeof value !== 'string' || value.trim() === '' || value.length > ADMIN_TEXT_MAX) {
      throw new EmulatorRefusal(400, 'INVALID_REQUEST', `${key} must be a non-empty string of at most ${ADMIN_TEXT_MAX} characters`);
    }
    return value;
  };
  const change: AdminTaskChange = {};
  if (body.name !== undefined) change.name = text('name', body.name);
  else if (creating) throw new EmulatorRefusal(400, 'INVALID_REQUEST', 'name is required');
  if (body.description !== undefined) {
    if (typeof body.description !== 'string' || body.description.length > ADMIN_TEXT_MAX) {
      throw new EmulatorRefusal(400, 'INVALID_REQUEST', `description must be a string of at most ${ADMIN_TEXT_MAX} characters`);
    }
    change.description = body.description;
  }
  if (body.assignee !== undefined) change.assignee = text('assignee', body.assignee);
  if (body.priority !== undefined) {
    if (!Number.isSafeInteger(body.priority)) throw new EmulatorRefusal(400, 'INVALID_REQUEST', 'priority must be an integer');
    change.priority = body.priority as number;
  }
  if (body.dueAt !== undefined) {
    const due = text('dueAt', body.dueAt);
    const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/.test(due) ? Date.parse(due) : NaN;
    if (Number.isNaN(ms)) throw new EmulatorRefusal(400, 'INVALID_REQUEST', 'dueAt must be an ISO 8601 date-time with a zone, e.g. 2026-01-31T17:00:00Z');
    change.dueAt = new Date(ms).toISOString();
  }
  if (body.vendorStatus !== undefined) {
    if (typeof body.vendorStatus !== 'string' || !admin.statuses.includes(body.vendorStatus)) {
      throw new EmulatorRefusal(400, 'INVALID_REQUEST', `vendorStatus must be one of: ${admin.statuses.join(', ')}`);
    }
    change.vendorStatus = body.vendorStatus;
  }
  if (!creating && Object.keys(change).length === 0) throw new EmulatorRefusal(400, 'INVALID_REQUEST', 'Nothing to change');
  return change;
}

/**
 * The emulator-only admin routes (no vendor API has them, so they need no vendor auth): mount them before the
 * vendor's auth. GET /_emulator/tasks lists every task; POST creates one from the vendor-neutral body (201 with
 * its vendor id); PATCH /_emulator/tasks/{id} changes it. Answers {id, task}; errors {error, message}.
 */
export function adminRoutes(app: Express, admin: EmulatorAdmin): void {
  const run = (res: Response, status: number, step: () => unknown) => {
    try {
      const result = step();
      if (result === undefined) return sendJson(res, 404, { error: 'NOT_FOUND', message: 'No task with this id' });
      sendJson(res, status, result);
    } catch (error) {
      if (!(error instanceof EmulatorRefusal)) throw error;
      sendJson(res, error.status, { error: error.code, message: error.message });
    }
  };
  const tasks = `${ADMIN_PATH}/tasks`;
  app.get(tasks, (_req, res) => run(res, 200, () => ({ items: admin.list() })));
  app.post(tasks, textBody('64kb'), (req, res) => run(res, 201, () => admin.create(adminBody(req, admin, true) as AdminTaskInput)));
  app.patch(`${tasks}/:id`, textBody('64kb'), (req, res) => run(res, 200, () => admin.update(String(req.params.id), adminBody(req, admin, false))));
  app.use(ADMIN_PATH, (_req, res) => sendJson(res, 404, { error: 'NOT_FOUND', message: 'Emulator admin routes: GET/POST /_emulator/tasks, PATCH /_emulator/tasks/{id}' }));
}
