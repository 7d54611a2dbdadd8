// The Express 5 facade: routes of contract section 4, API keys, validation, problem+json, one log line per request;
// and the action lane, the plain form of the action route served by the same steps without express's router.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { ACTION_NAMES, isActionName } from '../core/actions';
import { GatewayError } from '../core/errors';
import type { Backend, CallTrace, Gateway } from '../core/gateway';
import type { Task } from '../core/task';
import type { GatewayConfig } from '../config/load';
import type { Logger } from '../log';
import { SqliteStore } from '../store/sqlite-store';
import type { Store } from '../store/store';
import { ActionAttempts } from './action-attempts';
import { auditHandler } from './audit-route';
import { batchHandler } from './batch-route';
import { docsRouter } from './docs';
import { Metrics } from './metrics';
import { buildOpenApi } from './openapi';
import { byteLimit, isPlainJsonBody, jsonBody as readJsonBody, readPlainJsonBody } from './json-body';
import { header, type LocalsResponse } from './answer';
import { ApiKeys, mayUseBackend, type Caller } from './api-keys';
import { fromFrameworkError, sendProblem } from './problem';
import { RateLimiter } from './rate-limit';
import { validateActionBody, validateActionQuery, validateGetQuery, validateListQuery } from './validation';

export interface AppState {
  /** False while draining after SIGTERM: /readyz answers 503 so load balancers stop sending. */
  ready: boolean;
}

export interface AppDeps {
  config: GatewayConfig;
  gateway: Gateway;
  logger: Logger;
  state?: AppState;
  /** Audit trail and Idempotency-Key records (default: a private in-memory SQLite store, for tests). */
  store?: Store;
  metrics?: Metrics;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const TASK_ID_MAX = 256;
/** Longest request target (path and query) accepted; headers are bounded by the server's maxHeaderSize. */
export const URL_MAX = 4096;

/** Per-request facts for the log line, kept on res.locals. */
interface Locals {
  requestId: string;
  caller?: Caller;
  backend?: string;
  action?: string;
  trace: CallTrace;
  errorCode?: string;
}

const locals = (res: { locals: Record<string, unknown> }) => res.locals as unknown as Locals;

const ACTION_ROUTE = '/v1/backends/:backend/tasks/:taskId/actions';
/**
 * The action route's plain form: names of unreserved characters (nothing to decode; `:` too in a task id, as IBM
 * writes them), no trailing slash, no query.
 */
const LANE_PATH = /^\/v1\/backends\/([A-Za-z0-9._~-]{1,64})\/tasks\/([A-Za-z0-9._~:-]{1,256})\/actions$/;
const LANE_TYPE = /^application\/json\s*(;|$)/i;

/** The gateway as node's request listener; `express` is the app behind the action lane (its routes, for the docs). */
export type TaskgateApp = ((req: IncomingMessage, res: ServerResponse) => void) & { express: express.Express };

export function createApp({ config, gateway, logger, state = { ready: true }, store = memoryStore(), metrics = new Metrics(() => gateway.list()) }: AppDeps): TaskgateApp {
  const app = express();
  const apiKeys = new ApiKeys(config.auth.apiKeys);
  const backends = gateway.list();
  const backendNames = new Set(backends.map((b) => b.name));
  const apiKeySecrets = config.auth.apiKeys.map((k) => k.key);
  const secrets = () => [...apiKeySecrets, ...backends.flatMap((b) => b.auth.secrets())];
  const openapi = JSON.stringify(buildOpenApi(backends));
  const attempts = new ActionAttempts({ gateway, store, metrics, logger, secrets });
  const rateLimiter = new RateLimiter(config.auth.apiKeys);
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  /** The first step of every request: its id, the fixed headers, and its log line once it is over. */
  const begin = (req: IncomingMessage, res: LocalsResponse, path: string): Locals => {
    const started = process.hrtime.bigint();
    const given = header(req, 'x-request-id');
    const l = locals(res);
    l.requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
    l.trace = {};
    res.setHeader('X-Request-Id', l.requestId);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // While draining, kept-alive connections are closed after their answer so clients move to another instance.
    if (!state.ready) res.setHeader('Connection', 'close');
    // On close, not finish: a request whose client went away before its answer was sent is logged too.
    res.once('close', () => {
      logger.info('request', {
        requestId: l.requestId,
        method: req.method,
        path: path.slice(0, 512),
        // No status when the client left before one was sent (the default 200 would be a claim).
        status: res.headersSent ? res.statusCode : undefined,
        durationMs: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
        keyName: l.caller?.name,
        backend: l.backend,
        action: l.action,
        vendorStatus: l.trace.vendorStatus,
        code: l.errorCode,
        clientGone: res.writableFinished ? undefined : true,
      });
    });
    return l;
  };

  /** Metrics labels, bounded: backend and action only when configured or canonical names. */
  const labelsOf = (route: string, l: Locals) => ({
    route,
    backend: l.backend !== undefined && backendNames.has(l.backend) ? l.backend : '',
    action: isActionName(l.action) ? l.action : '',
  });

  /** Every /v1 route needs a key (401), checked before anything about the request is read; then its rate limit. */
  const authenticate = (req: IncomingMessage, l: Locals) => {
    l.caller = apiKeys.authenticate(req);
    rateLimiter.take(l.caller.name);
  };

  /** Scope (403, whether or not the backend exists), then existence (404). */
  const admit = (l: Locals, name: string) => {
    l.backend = name.slice(0, 64);
    if (!mayUseBackend(l.caller!, name)) {
      throw new GatewayError('FORBIDDEN', `This API key may not use backend '${name.slice(0, 64)}'`, { backend: name.slice(0, 64) });
    }
    gateway.backend(name);
  };

  /** Every failure leaves as problem+json; a bug's stack goes to the log, the client only learns the request id. */
  const fail = (error: unknown, res: LocalsResponse) => {
    const known = error instanceof GatewayError ? error : fromFrameworkError(error);
    if (known) return sendProblem(res, known);
    logger.error('unhandled error', { requestId: locals(res).requestId, error: error instanceof Error ? error.stack : String(error) });
    sendProblem(res, new GatewayError('INTERNAL_ERROR', `An internal error occurred; quote request id ${locals(res).requestId}`));
  };

  app.use((req, res, next) => {
    begin(req, res, req.path);
    if (req.originalUrl.length > URL_MAX) throw new GatewayError('INVALID_REQUEST', `The URL is over ${URL_MAX} characters`);
    next();
  });

  app.use(metrics.middleware((req, res) => labelsOf((req.route as { path?: string } | undefined)?.path ?? 'unmatched', locals(res))));

  const route = (path: string, handlers: Partial<Record<'get' | 'post', express.RequestHandler[]>>) => {
    const r = app.route(path);
    const methods = Object.keys(handlers) as ('get' | 'post')[];
    for (const m of methods) r[m](...handlers[m]!);
    r.all((_req, res) => {
      res.set('Allow', methods.map((m) => m.toUpperCase()).concat(methods.includes('get') ? ['HEAD'] : []).join(', '));
      throw new GatewayError('METHOD_NOT_ALLOWED', `Allowed: ${res.get('Allow')}`);
    });
  };

  route('/healthz', { get: [(_req, res) => void res.json({ status: 'ok' })] });
  route('/readyz', {
    get: [
      async (_req, res) => {
        if (!state.ready) throw new GatewayError('SHUTTING_DOWN', 'The gateway is draining and will stop shortly');
        // An open circuit is shown, not failed on: the gateway still serves its other backends (README, Operations).
        const circuits = Object.fromEntries(gateway.list().map((b) => [b.name, b.circuit?.state() ?? 'closed']));
        // Without its store the gateway cannot audit, so it is not ready.
        const storeUp = await store.ping().then(() => true, () => false);
        res.status(storeUp ? 200 : 503).json({
          status: storeUp ? 'ready' : 'unready',
          checks: { config: 'loaded', backends: gateway.list().map((b) => b.name), store: { type: store.type, status: storeUp ? 'ok' : 'unavailable' }, circuits },
        });
      },
    ],
  });
  route('/metrics', {
    get: [async (_req, res) => void res.set('Content-Type', metrics.registry.contentType).send(await metrics.registry.metrics())],
  });
  route('/openapi.json', { get: [(_req, res) => void res.type('application/json').send(openapi)] });
  app.use(docsRouter());

  app.use('/v1', (req, res, next) => {
    authenticate(req, locals(res));
    next();
  });

  const useBackend = (req: Request, res: Response, next: NextFunction) => {
    admit(locals(res), String(req.params.backend));
    next();
  };

  const taskIdOf = (req: Request): string => {
    const taskId = String(req.params.taskId);
    if (taskId.length > TASK_ID_MAX || /[\u0000-\u001f\u007f]/.test(taskId)) {
      throw new GatewayError('INVALID_REQUEST', `The task id must be 1-${TASK_ID_MAX} printable characters`);
    }
    return taskId;
  };

  const jsonBody = [
    (req: Request, _res: Response, next: NextFunction) => {
      const length = req.headers['content-length'];
      if (req.headers['transfer-encoding'] === undefined && (length === undefined || Number(length) === 0)) {
        throw new GatewayError('INVALID_REQUEST', 'The request has no body: send a JSON object as application/json');
      }
      if (!req.is(['application/json', 'application/*+json'])) {
        throw new GatewayError('UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json');
      }
      next();
    },
    readJsonBody(config.server.bodyLimit),
  ];

  route('/v1/backends', {
    get: [
      (_req, res) => {
        const caller = locals(res).caller!;
        const items = gateway.list().filter((b) => mayUseBackend(caller, b.name))
          .map((b) => ({ name: b.name, vendor: b.vendor, actions: gateway.supportedActions(b) }));
        res.json({ items });
      },
    ],
  });

  route('/v1/backends/:backend', {
    get: [useBackend, (req, res) => void res.json(manifest(gateway, gateway.backend(String(req.params.backend))))],
  });

  route('/v1/backends/:backend/tasks', {
    get: [
      useBackend,
      async (req, res) => {
        const backend = gateway.backend(String(req.params.backend));
        const { query, includeRaw } = validateListQuery(req.query as Record<string, unknown>, backend.adapter, backend.name);
        const page = await gateway.listTasks(backend.name, query, locals(res).trace);
        const body: Record<string, unknown> = { items: page.items.map((t) => present(t, includeRaw)), limit: query.limit, offset: query.offset };
        if (page.total !== undefined) body.total = page.total;
        res.json(body);
      },
    ],
  });

  route('/v1/backends/:backend/tasks/:taskId', {
    get: [
      useBackend,
      async (req, res) => {
        const { includeRaw } = validateGetQuery(req.query as Record<string, unknown>);
        const taskId = taskIdOf(req);
        try {
          res.json(present(await gateway.getTask(String(req.params.backend), taskId, locals(res).trace), includeRaw));
        } catch (error) {
          throw error instanceof GatewayError ? error.withContext({ backend: String(req.params.backend), taskId }) : error;
        }
      },
    ],
  });

  route(ACTION_ROUTE, {
    post: [
      useBackend,
      ...jsonBody,
      async (req, res) => {
        const backend = String(req.params.backend);
        const taskId = taskIdOf(req);
        const { dryRun, includeRaw } = validateActionQuery(req.query as Record<string, unknown>);
        // Not a dry-run: Idempotency-Key, perform, audit row committed, then the answer (src/http/action-attempts.ts).
        if (!dryRun) return attempts.handle(req, res, backend, taskId, locals(res).trace, includeRaw);
        const { action, params } = validateActionBody(req.body);
        locals(res).action = action;
        const command = { ...params, backend, taskId, action };
        try {
          res.json(gateway.dryRun(command));
        } catch (error) {
          throw error instanceof GatewayError ? error.withContext({ backend, taskId, action }) : error;
        }
      },
    ],
  });

  route('/v1/actions/batch', { post: [...jsonBody, batchHandler(attempts)] });
  route('/v1/audit', { get: [auditHandler(store)] });

  app.use((req: Request) => {
    throw new GatewayError('NOT_FOUND', `No route ${req.method} ${req.path.slice(0, 256)}`);
  });

  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => fail(error, res));

  const bodyLimit = byteLimit(config.server.bodyLimit);
  /**
   * The action lane: the action route in its plain form (LANE_PATH, a JSON body of known length, nothing
   * unusual) through the route's own steps in the same order, without express's router and per-layer
   * dispatch, ~11% of an action (docs/performance.md). What it does not take, express serves: unusual requests
   * (a query, encoded names, a chunked or compressed body...) and every other route. Its checks before it takes
   * a request have no effect, so express starts from scratch.
   */
  const lane = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== 'POST') return false;
    const match = LANE_PATH.exec(req.url ?? '');
    if (!match || !LANE_TYPE.test(req.headers['content-type'] ?? '') || !(Number(req.headers['content-length']) > 0) || !isPlainJsonBody(req, bodyLimit)) return false;
    const [, backend, taskId] = match;
    const ours = Object.assign(res, { locals: Object.create(null) as Record<string, unknown> });
    const l = begin(req, ours, match[0]);
    // As express counts it: a request refused by the /v1 checks never reached the route.
    let route = 'unmatched';
    metrics.track('POST', ours, () => labelsOf(route, l));
    try {
      authenticate(req, l);
      route = ACTION_ROUTE;
      admit(l, backend);
    } catch (error) {
      fail(error, ours);
      return true;
    }
    const request = Object.assign(req, { body: undefined as unknown, query: {} });
    readPlainJsonBody(request, (error) => {
      if (error) return fail(error, ours);
      attempts.handle(request, ours, backend, taskId, l.trace).catch((failure: unknown) => fail(failure, ours));
    });
    return true;
  };

  return Object.assign((req: IncomingMessage, res: ServerResponse) => {
    if (!lane(req, res)) void app(req, res);
  }, { express: app });
}

function memoryStore(): Store {
  const store = new SqliteStore(':memory:');
  store.migrate();
  return store;
}

/** The capability manifest of one backend: every canonical action, supported or not (as configured). */
function manifest(gateway: Gateway, backend: Backend) {
  const actions: Record<string, { supported: boolean; vendorAction?: string }> = {};
  for (const name of ACTION_NAMES) {
    const support = backend.adapter.actions[name];
    actions[name] = support && gateway.isSupported(backend, name) ? { supported: true, vendorAction: support.vendorAction } : { supported: false };
  }
  return { name: backend.name, vendor: backend.vendor, actions };
}

/** `raw` (the vendor's own object) only when asked for with ?include=raw. */
function present(task: Task, includeRaw: boolean): Task {
  if (includeRaw) return task;
  const { raw: _raw, ...rest } = task;
  return rest;
}
