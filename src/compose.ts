// The composition root: builds each backend (adapter, options, auth, transport, resilience, metrics) from config,
// and the services and the app on top of the gateway and the store.
import type express from 'express';
import { ADAPTERS } from '../adapters';
import { ActionService } from './core/action-service';
import type { VendorRequest } from './core/adapter';
import { AuditTrail } from './core/audit-trail';
import { standardAuth } from './core/auth';
import type { Backend, Gateway } from './core/gateway';
import type { AuthContext, CircuitState, OutboundAuth } from './core/ports';
import { ConfigError, type GatewayConfig, type RawBackendConfig } from './config/load';
import { createApp, type AppState } from './http/app';
import { EventService } from './events/event-service';
import type { SqlStore } from './store/sql-store';
import { Metrics } from './http/metrics';
import { PostgresRateLimiter, RateLimiter, type RateLimit } from './http/rate-limit';
import { validateActionBody } from './http/validation';
import type { Logger } from './log';
import type { PostgresStore } from './store/postgres-store';
import type { Store } from './store/store';
import { IndexService } from './sync/index-service';
import { SyncScheduler } from './sync/scheduler';
import { HttpTransport } from './transport/http';
import { failureRecordingTransport, meteredTransport, type CallTimer, type VendorFailure } from './transport/metered';
import { ResilientTransport } from './transport/resilient-transport';

export interface BackendHooks {
  /** Called when a backend's circuit changes state (for the log). */
  onCircuitChange?(backend: string, from: CircuitState, to: CircuitState): void;
  /** Times each vendor call of a backend (for /metrics). */
  vendorCallTimer?(backend: string): CallTimer;
  /** Hears of each vendor try that failed (for /readyz and /metrics). */
  onVendorFailure?(backend: string, failure: VendorFailure): void;
}

const NO_AUTH: OutboundAuth = { headers: async () => ({}), secretHeaders: [], refresh: async () => false, secrets: () => [] };

/** One backend from its validated config (defaults already filled in by the config schema). */
export function createBackend(name: string, raw: RawBackendConfig, hooks: BackendHooks = {}): Backend {
  const adapter = ADAPTERS[raw.vendor];
  if (!adapter) throw new ConfigError(`backends.${name}.vendor: no adapter for '${raw.vendor}'`);
  const { timeoutMs } = raw;
  const link = { timeoutMs, connectTimeoutMs: Math.min(raw.connectTimeoutMs, timeoutMs), maxResponseBytes: adapter.maxResponseBytes };
  let options: unknown;
  let auth: OutboundAuth;
  try {
    // Adapters check what a schema cannot (a time zone's existence, say) and name the key in the message.
    options = adapter.options({ ...raw, name });
    const standard = standardAuth(raw.auth);
    const plain = standard && new HttpTransport({ ...link, baseUrl: raw.baseUrl, auth: standard });
    const ctx: AuthContext = {
      backend: name,
      timeoutMs,
      standard,
      connect: (baseUrl) => new HttpTransport({ ...link, baseUrl, auth: NO_AUTH }),
      send: (request: VendorRequest) => {
        if (!plain) throw new Error(`backends.${name}.auth: no standard credentials to send with`);
        return plain.send(request);
      },
    };
    const built = adapter.auth ? adapter.auth(raw.auth, options, ctx) : standard;
    if (!built) throw new Error(`backends.${name}.auth.type: '${raw.auth.type}' is not an auth type of ${raw.vendor}`);
    auth = built;
  } catch (error) {
    throw error instanceof ConfigError ? error : new ConfigError((error as Error).message);
  }
  const http = new HttpTransport({ ...link, baseUrl: raw.baseUrl, auth });
  const resilient = new ResilientTransport(failureRecordingTransport(http, (failure) => hooks.onVendorFailure?.(name, failure)), {
    backend: name,
    timeoutMs,
    tryTimeoutMs: raw.tryTimeoutMs,
    concurrency: raw.concurrency,
    maxQueue: raw.maxQueue,
    circuitBreaker: {
      failureThreshold: raw.circuitBreaker.failureThreshold,
      openMs: raw.circuitBreaker.openMs,
      onChange: (from, to) => hooks.onCircuitChange?.(name, from, to),
    },
    retry: {
      maxRetries: raw.retries.max,
      baseDelayMs: raw.retries.baseDelayMs,
      maxDelayMs: raw.retries.maxDelayMs,
      budgetRatio: raw.retries.budgetPercent / 100,
    },
  });
  const timer = hooks.vendorCallTimer?.(name);
  return {
    name,
    vendor: raw.vendor,
    adapter,
    options,
    auth,
    transport: timer ? meteredTransport(resilient, timer) : resilient,
    circuit: resilient.circuit,
  };
}

export function createBackends(backends: Record<string, RawBackendConfig>, hooks: BackendHooks = {}): Backend[] {
  return Object.entries(backends).map(([name, raw]) => createBackend(name, raw, hooks));
}

export interface AppParts {
  config: GatewayConfig;
  gateway: Gateway;
  store: Store;
  logger: Logger;
  metrics?: Metrics;
  state?: AppState;
  /** The sync scheduler the server started; absent: one that only runs the cycles the sync route asks for. */
  sync?: SyncScheduler;
  /** Change events; absent: a service over the store whose webhook worker is not started (the routes still serve). */
  events?: EventService;
}

/**
 * The one action service of a gateway: the REST routes, the batch route and the MCP tools (HTTP or stdio) use it.
 * `changed` hears that an action's change records are committed (the change events look at once).
 */
export function createActionService({ config, gateway, store, logger, metrics, index, changed }: Pick<AppParts, 'config' | 'gateway' | 'store' | 'logger' | 'metrics'> & {
  index: IndexService;
  changed?: () => void;
}): ActionService {
  const apiKeySecrets = config.auth.apiKeys.map((k) => k.key);
  return new ActionService({
    gateway,
    store,
    validate: validateActionBody,
    secrets: () => [...apiKeySecrets, ...gateway.list().flatMap((b) => b.auth.secrets())],
    logger,
    observer: {
      idempotency: (outcome) => metrics?.idempotency.inc({ outcome }),
      auditWrite: (type, write) => (metrics ? metrics.timeAuditWrite(type, write) : write()),
      // An action through the gateway updates the index at once and becomes a change record.
      performed: async (record, task) => {
        await index.performed(record, task);
        changed?.();
      },
    },
  });
}

/** The per-key rate limit: on PostgreSQL every instance (gateway or `taskgate mcp`) draws from one bucket per key. */
export function createRateLimiter({ config, store, logger }: Pick<AppParts, 'config' | 'store' | 'logger'>): RateLimit {
  // On SQLite (one instance) the buckets stay in memory.
  return store.type === 'postgres'
    ? new PostgresRateLimiter((store as PostgresStore).sharedPool(), config.auth.apiKeys, (error) => logger.warn('rate limit store unavailable: limiting this instance alone', { error: error.message }))
    : new RateLimiter(config.auth.apiKeys);
}

/** The Express app with the core's services wired to the store, metrics and log. */
export function createGatewayApp({ config, gateway, store, logger, metrics = new Metrics(() => gateway.list()), state, sync, events }: AppParts): express.Express {
  const index = new IndexService({ store, backends: gateway.list(), config: config.sync });
  const changeEvents = events ?? new EventService({ store: store as SqlStore, config: config.events, logger });
  // The action's change records are committed: change events (feed readers, webhooks) look at once.
  const actions = createActionService({ config, gateway, store, logger, metrics, index, changed: () => changeEvents.changed() });
  const storeHealth = async () => ({ type: store.type, status: await store.ping().then(() => 'ok' as const, () => 'unavailable' as const) });
  const rateLimiter = createRateLimiter({ config, store, logger });
  return createApp({
    config, gateway, actions, audit: new AuditTrail(store), index, sync: sync ?? new SyncScheduler({ gateway, store, config: config.sync }),
    storeHealth, logger, metrics, state, rateLimiter, events: changeEvents,
  });
}
