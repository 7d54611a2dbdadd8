// The Express 5 facade: routes of contract section 4, API keys, validation, problem+json, one log line per request.
import { randomUUID } from 'node:crypto';
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
import { instrumentBackends } from './vendor-calls';
import { jsonBody as readJsonBody } from './json-body';
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

const locals = (res: Response) => res.locals as unknown as Locals;

export function createApp({ config, gateway, logger, state = { ready: true }, store = memoryStore(), metrics = new Metrics(() => gateway.list()) }: AppDeps): express.Express {
  const app = express();
  const apiKeys = new ApiKeys(config.auth.apiKeys);
  const backends = gateway.list();
  instrumentBackends(backends, metrics);
  const backendNames = new Set(backends.map((b) => b.name));
  const secrets = [...config.auth.apiKeys.map((k) => k.key), ...backends.flatMap((b) => b.secrets)];
  const openapi = JSON.stringify(buildOpenApi(backends));
  const attempts = new ActionAttempts({ gateway, store, metrics, logger, secrets: () => secrets });
  const rateLimiter = new RateLimiter(config.auth.apiKeys);
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    const given = req.get('x-request-id');
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
        path: req.path.slice(0, 512),
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
    if (req.originalUrl.length > URL_MAX) throw new GatewayError('INVALID_REQUEST', `The URL is over ${URL_MAX} characters`);
    next();
  });

  app.use(metrics.middleware((req, res) => {
    const l = locals(res);
    return {
      route: (req.route as { path?: string } | undefined)?.path ?? 'unmatched',
      backend: l.backend !== undefined && backendNames.has(l.backend) ? l.backend : '',
      action: isActionName(l.action) ? l.action : '',
    };
  }));

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

  // Every /v1 route needs a key (401), checked before anything about the request is read.
  app.use('/v1', (req, res, next) => {
    locals(res).caller = apiKeys.authenticate(req);
    rateLimiter.take(locals(res).caller!.name);
    next();
  });

  /** Scope (403, whether or not the backend exists), then existence (404). */
  const useBackend = (req: Request, res: Response, next: NextFunction) => {
    const name = String(req.params.backend);
    locals(res).backend = name.slice(0, 64);
    if (!mayUseBackend(locals(res).caller!, name)) {
      throw new GatewayError('FORBIDDEN', `This API key may not use backend '${name.slice(0, 64)}'`, { backend: name.slice(0, 64) });
    }
    gateway.backend(name);
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

  route('/v1/backends/:backend/tasks/:taskId/actions', {
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

  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const known = error instanceof GatewayError ? error : fromFrameworkError(error);
    if (known) return sendProblem(res, known);
    // A bug: the stack goes to the log, the client only learns the request id.
    logger.error('unhandled error', { requestId: locals(res).requestId, error: error instanceof Error ? error.stack : String(error) });
    sendProblem(res, new GatewayError('INTERNAL_ERROR', `An internal error occurred; quote request id ${locals(res).requestId}`));
  });

  return app;
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
