// Starts the gateway from a config: builds backends, the app, listens, and drains gracefully on SIGTERM.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBackends, createGatewayApp } from './compose';
import type { GatewayConfig } from './config/load';
import { Gateway } from './core/gateway';
import type { AppState } from './http/app';
import { answerClientErrors, MAX_HEADER_BYTES } from './http/client-error';
import { Metrics } from './http/metrics';
import { createLogger, type Logger } from './log';
import { EventService } from './events/event-service';
import type { SqlStore } from './store/sql-store';
import { openStore } from './store/open';
import type { CycleResult } from './sync/cycle';
import { SyncScheduler } from './sync/scheduler';
import { syncMetrics } from './sync/sync-metrics';
import type { Store } from './store/store';

export interface RunningGateway {
  server: http.Server;
  url: string;
  state: AppState;
  logger: Logger;
  /** The audit trail and Idempotency-Key store (closed by close()). */
  store: Store;
  /** Change events: the feed and the webhook worker (stopped by close()). */
  events: EventService;
  /** Stops accepting, lets in-flight requests finish, then resolves. */
  close(): Promise<void>;
  /** How long in-flight requests may take after close() (their vendor calls' deadlines) before they are cut. */
  graceMs: number;
}

export async function startGateway(config: GatewayConfig, logger = createLogger(config.log.level)): Promise<RunningGateway> {
  // Metrics read the backends lazily: they exist before the gateway so vendor calls can be timed from the start.
  let gateway: Gateway | undefined;
  const metrics = new Metrics(() => gateway?.list() ?? []);
  gateway = new Gateway(createBackends(config.backends, {
    onCircuitChange: (backend, from, to) => logger.warn('circuit breaker state changed', { backend, from, to }),
    vendorCallTimer: (backend) => metrics.vendorCallTimer(backend),
    onVendorFailure: (backend, failure) => metrics.vendorFailed(backend, failure),
  }));
  const store = await openStore(config.store, (error) => logger.error('store connection error', { error: error.message }));
  // Expired Idempotency-Key records are taken over when reused anyway; this only keeps the table small.
  const purge = setInterval(() => void store.purgeExpired(Date.now()).catch(() => undefined), 60 * 60 * 1000).unref();
  // Change events (src/events): the webhook worker relays change records into the outbox and delivers them.
  const events = new EventService({ store: store as SqlStore, config: config.events, logger, registry: metrics.registry });
  const state: AppState = { ready: true };
  const sync = new SyncScheduler({ gateway, store, config: config.sync });
  const recordCycle = syncMetrics(metrics.registry);
  sync.on('cycle', (result: CycleResult) => {
    recordCycle(result);
    events.changed();
    if (!result.ok) logger.warn('sync cycle failed', { backend: result.backend, code: result.error?.code, detail: result.error?.detail });
  });
  sync.on('failed', ({ backend, error }: { backend: string; error: unknown }) => logger.error('sync store error', { backend, error: error instanceof Error ? error.message : String(error) }));
  // requireHostHeader off: a request without Host gets the app's problem+json 400, not Node's bare one.
  const server = http.createServer({ maxHeaderSize: MAX_HEADER_BYTES, requireHostHeader: false }, createGatewayApp({ config, gateway, logger, state, store, metrics, sync, events }));
  answerClientErrors(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.server.port, config.server.host, () => resolve());
  });
  // The webhook worker starts once the gateway serves (it is stopped by close()).
  events.start();
  sync.start();
  const { port } = server.address() as AddressInfo;
  const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
  return {
    server,
    url: `http://${host}:${port}`,
    state,
    logger,
    store,
    events,
    // An action makes at most a few vendor calls (comment + outcome, a token refresh, a re-read), each within timeoutMs.
    graceMs: 4 * Math.max(0, ...Object.values(config.backends).map((b) => b.timeoutMs ?? 10_000)) + 1000,
    close: async () => {
      // From here a request still arriving on a kept-alive connection is answered 503 SHUTTING_DOWN, never run.
      state.ready = false;
      state.stopping = true;
      events.closeStreams();
      await new Promise<void>((resolve) => {
        // Connections whose last answer finishes after close() go idle later: keep closing them, or they hold the
        // exit for a whole keep-alive timeout.
        const sweep = setInterval(() => server.closeIdleConnections(), 100);
        server.close(() => {
          clearInterval(sweep);
          resolve();
        });
        server.closeIdleConnections();
      });
      clearInterval(purge);
      await sync.stop();
      await events.stop();
      await store.close();
    },
  };
}

/**
 * SIGTERM: /readyz turns 503 for drainMs while requests are still served, then the server stops
 * accepting, in-flight requests finish, and the process exits 0. A second SIGTERM exits at once.
 */
export function drainOnSigterm(running: RunningGateway, drainMs: number, onClosed: () => Promise<void> = async () => {}): void {
  let draining = false;
  const stop = () => {
    if (draining) process.exit(0);
    draining = true;
    running.state.ready = false;
    running.logger.info('SIGTERM: draining', { drainMs });
    setTimeout(async () => {
      running.logger.info('SIGTERM: no longer accepting, waiting for in-flight requests', { graceMs: running.graceMs });
      const cut = setTimeout(() => {
        running.logger.warn('in-flight requests outlived their deadlines: closing their connections');
        running.server.closeAllConnections();
      }, running.graceMs);
      cut.unref();
      await running.close();
      clearTimeout(cut);
      await onClosed();
      running.logger.info('stopped');
      process.exit(0);
    }, drainMs).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
