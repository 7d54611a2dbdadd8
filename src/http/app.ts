// The Express 5 app: every route of contract section 4 through one pipeline (request id and log line, metrics, API
// key and rate limit, backend scope, JSON body, the route) and one bridge from any failure to problem+json.
import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { ActionService, Caller } from '../core/action-service';
import { isActionName } from '../core/actions';
import type { AuditTrail } from '../core/audit-trail';
import { GatewayError } from '../core/errors';
import type { CallTrace, Gateway } from '../core/gateway';
import type { GatewayConfig } from '../config/load';
import { eventRoutes } from '../events/event-routes';
import type { EventService } from '../events/event-service';
import type { Logger } from '../log';
import { mcpRoute } from '../mcp/http';
import { McpTools } from '../mcp/tools';
import { actionRoutes } from './action-routes';
import { ApiKeys } from './api-keys';
import { auditHandler } from './audit-route';
import { backendRoutes } from './backend-routes';
import { docsRouter } from './docs';
import type { Metrics } from './metrics';
import { buildOpenApi } from './openapi';
import { sendProblem, toGatewayError } from './problem';
import { RateLimiter, type RateLimit } from './rate-limit';
import { inboxHandler, inboxQuery, syncHandler, type SyncTrigger } from './tasks-route';
import type { IndexService } from '../sync/index-service';

export interface AppState {
  /** False from SIGTERM on: /readyz answers 503 and every answer says `Connection: close`. */
  ready: boolean;
  /** True once the server stopped accepting: a request still arriving on a kept-alive connection gets 503. */
  stopping?: boolean;
}

export interface AppDeps {
  config: GatewayConfig;
  gateway: Gateway;
  actions: ActionService;
  audit: AuditTrail;
  /** The inbox over the task index, and the sync route's way to start a cycle. */
  index: IndexService;
  sync: SyncTrigger;
  /** The store's state, for /readyz: without its store the gateway cannot audit, so it is not ready. */
  storeHealth(): Promise<{ type: string; status: 'ok' | 'unavailable' }>;
  logger: Logger;
  metrics: Metrics;
  state?: AppState;
  /** The per-key rate limit (default: in memory, this instance only). */
  rateLimiter?: RateLimit;
  /** Change events: the feed, its stream and the webhook state (src/events). */
  events?: EventService;
}

/** Per-request facts for the log line and the metrics labels, kept on res.locals. */
export interface Locals {
  requestId: string;
  caller?: Caller;
  backend?: string;
  action?: string;
  trace: CallTrace;
  errorCode?: string;
}

export const locals = (res: Response) => res.locals as Locals;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Longest request target (path and query) accepted; headers are bounded by the server's maxHeaderSize. */
export const URL_MAX = 4096;

export function createApp(deps: AppDeps): express.Express {
  const { config, gateway, actions, audit, index, sync, storeHealth, logger, metrics, state = { ready: true }, events } = deps;
  const app = express();
  const apiKeys = new ApiKeys(config.auth.apiKeys);
  const rateLimiter = deps.rateLimiter ?? new RateLimiter(config.auth.apiKeys);
  const backendNames = new Set(gateway.list().map((b) => b.name));
  const openapi = JSON.stringify(buildOpenApi(gateway.list()));
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  // The first step of every request: its id, the fixed headers, and its log line once it is over.
  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    const given = req.get('x-request-id');
    const l = locals(res);
    l.requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
    l.trace = {};
    res.set({ 'X-Request-Id': l.requestId, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
    // From SIGTERM on, kept-alive connections are closed after their answer so clients move to another instance.
    if (!state.ready || state.stopping) res.set('Connection', 'close');
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
    if (state.stopping) throw new GatewayError('SHUTTING_DOWN', 'The gateway has stopped accepting requests; retry on another instance');
    if (req.get('host') === undefined) throw new GatewayError('INVALID_REQUEST', 'The request has no Host header');
    if (req.originalUrl.length > URL_MAX) throw new GatewayError('INVALID_REQUEST', `The URL is over ${URL_MAX} characters`);
    next();
  });

  // Labels are bounded: a backend only when configured, an action only when canonical.
  app.use(metrics.middleware((req, res) => {
    const l = locals(res);
    return {
      route: (req.route as { path?: string } | undefined)?.path ?? 'unmatched',
      backend: l.backend !== undefined && backendNames.has(l.backend) ? l.backend : '',
      action: isActionName(l.action) ? l.action : '',
    };
  }));

  const route = routeWith405(app);
  route('/healthz', { get: [(_req, res) => void res.json({ status: 'ok' })] });
  route('/readyz', {
    get: [
      async (_req, res) => {
        if (!state.ready) throw new GatewayError('SHUTTING_DOWN', 'The gateway is draining and will stop shortly');
        // An open circuit is shown, not failed on: the gateway still serves its other backends (docs/operations.md).
        const circuits = Object.fromEntries(gateway.list().map((b) => [b.name, b.circuit?.state() ?? 'closed']));
        // Why a circuit opened (or a backend is failing below its threshold): each one's last vendor failure since start.
        const lastFailures = Object.fromEntries(gateway.list().map((b) => {
          const failure = metrics.lastVendorFailure(b.name);
          return [b.name, failure ? { code: failure.code, vendorStatus: failure.vendorStatus, at: new Date(failure.at).toISOString() } : null];
        }));
        const store = await storeHealth();
        // A failing sync is shown, not failed on, like an open circuit: the inbox still serves its last good index.
        const sync = store.status === 'ok' ? await index.indexedBackends() : [];
        res.status(store.status === 'ok' ? 200 : 503).json({
          status: store.status === 'ok' ? 'ready' : 'unready',
          checks: { config: 'loaded', backends: gateway.list().map((b) => b.name), store, circuits, lastFailures, sync },
        });
      },
    ],
  });
  route('/metrics', {
    get: [async (_req, res) => void res.set('Content-Type', metrics.registry.contentType).send(await metrics.registry.metrics())],
  });
  route('/openapi.json', { get: [(_req, res) => void res.type('application/json').send(openapi)] });
  app.use(docsRouter());

  /** One token of the key's bucket (each /v1 request, each MCP tool call), or 429. */
  const takeToken = async (keyName: string) => {
    try {
      await rateLimiter.take(keyName);
    } catch (error) {
      if (error instanceof GatewayError && error.code === 'RATE_LIMITED') metrics.rateLimited.inc({ key: keyName });
      throw error;
    }
  };

  // Every /v1 route needs a key (401), checked before anything about the request is read; then its rate limit.
  app.use('/v1', async (req, res, next) => {
    const l = locals(res);
    l.caller = apiKeys.authenticate(req);
    await takeToken(l.caller.name);
    next();
  });

  backendRoutes(route, gateway);
  actionRoutes(route, { gateway, actions, bodyLimit: config.server.bodyLimit });
  route('/v1/audit', { get: [auditHandler(audit)] });
  route('/v1/tasks', { get: [inboxHandler(index, gateway)] });
  route('/v1/backends/:backend/sync', { post: [syncHandler(sync, gateway)] });
  if (events) eventRoutes(route, { events, backends: gateway });
  // MCP (contract section 11): the same key, rate limit (one token per tool call), inbox, action service and audit.
  const inbox = inboxQuery(index, gateway);
  const tools = new McpTools({ gateway, actions, inbox: { query: (caller, search) => inbox(caller, { ...search }) }, rateLimit: takeToken, logger });
  mcpRoute(route, { apiKeys, tools, bodyLimit: config.server.bodyLimit });

  app.use((req: Request) => {
    throw new GatewayError('NOT_FOUND', `No route ${req.method} ${req.path.slice(0, 256)}`);
  });

  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const logBug = (requestId: string, bug: unknown) => logger.error('unhandled error', { requestId, error: bug instanceof Error ? bug.stack : String(bug) });
    sendProblem(res, toGatewayError(error, locals(res).requestId, logBug));
  });
  return app;
}

export type RouteHandlers = Partial<Record<'get' | 'post', express.RequestHandler[]>>;
/** Declares a route's methods; any other method on it is 405 with Allow. */
export type Route = (path: string, handlers: RouteHandlers) => void;

function routeWith405(app: express.Express): Route {
  return (path, handlers) => {
    const r = app.route(path);
    const methods = Object.keys(handlers) as ('get' | 'post')[];
    for (const m of methods) r[m](...handlers[m]!);
    r.all((_req, res) => {
      res.set('Allow', methods.map((m) => m.toUpperCase()).concat(methods.includes('get') ? ['HEAD'] : []).join(', '));
      throw new GatewayError('METHOD_NOT_ALLOWED', `Allowed: ${res.get('Allow')}`);
    });
  };
}
