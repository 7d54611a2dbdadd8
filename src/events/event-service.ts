// Change events for the rest of the gateway: the feed, the webhook worker and the webhook state, over the store's outbox.
import type { Registry } from 'prom-client';
import type { EventsConfig, WebhookConfig } from '../config/load';
import type { Logger } from '../log';
import { OutboxStore, type Delivery, type DeliveryStatus } from '../store/outbox-store';
import type { SqlStore } from '../store/sql-store';
import { DeliveryWorker, type DeliveryObserver, type Sender } from './delivery-worker';
import { EventFeed } from './event-feed';
import { eventMetrics } from './event-metrics';

export interface EventServiceOptions {
  /** The gateway's store (both drivers are SQL stores). */
  store: SqlStore;
  config: EventsConfig;
  logger?: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
  /** The /metrics registry, when metrics are kept. */
  registry?: Registry;
  sender?: Sender;
  holder?: string;
  pollMs?: number;
  leaseMs?: number;
  now?: () => number;
}

/** A webhook as /v1/webhooks shows it: never its secret, its URL without credentials or query. */
export interface WebhookState {
  name: string;
  url: string;
  types: string[];
  backends: string[];
  counts: { pending: number; delivered: number; failed: number };
  oldestPendingAt?: string;
  lastError?: { at: string; deliveryId: string; status?: number; error: string };
}

export interface DeliveryView {
  id: string;
  eventId: string;
  type: string;
  backend: string;
  taskId: string;
  sequence: number;
  status: DeliveryStatus;
  attempts: number;
  createdAt: string;
  nextAttemptAt?: string;
  lastAttemptAt?: string;
  deliveredAt?: string;
  lastStatus?: number;
  lastError?: string;
}

export type RetryOutcome = 'retried' | 'not_failed' | 'not_found';

export class EventService {
  readonly outbox: OutboxStore;
  readonly feed: EventFeed;
  readonly worker: DeliveryWorker;
  private readonly hooks: WebhookConfig[];
  private readonly closing = new AbortController();

  constructor(private readonly options: EventServiceOptions) {
    this.outbox = new OutboxStore(options.store);
    this.feed = new EventFeed(this.outbox, options.pollMs);
    this.hooks = options.config.webhooks;
    const logged = this.logObserver();
    const metered = options.registry
      ? eventMetrics(options.registry, this.hooks.map((h) => h.name), () => this.outbox.oldestPending())
      : {};
    this.worker = new DeliveryWorker({
      outbox: this.outbox,
      webhooks: this.hooks,
      retrySchedule: options.config.retrySchedule,
      retentionHours: options.config.retentionHours,
      sender: options.sender,
      holder: options.holder,
      pollMs: options.pollMs,
      leaseMs: options.leaseMs,
      now: options.now,
      observer: {
        recorded: (type) => metered.recorded?.(type),
        attempted: (...args) => {
          metered.attempted?.(...args);
          logged.attempted?.(...args);
        },
        error: logged.error,
      },
    });
  }

  start(): void {
    this.worker.start();
  }

  /** Aborted at shutdown: streams and long polls end then, so they do not hold the server open. */
  get closingSignal(): AbortSignal {
    return this.closing.signal;
  }

  /** Ends the streams and long polls (before the server stops accepting). */
  closeStreams(): void {
    this.closing.abort();
  }

  /** Ends the streams, stops the worker and waits for its attempts in flight. */
  async stop(): Promise<void> {
    this.closeStreams();
    await this.worker.stop();
  }

  /** Change records were committed in this process: the feed's waiting readers and the worker look at once. */
  changed(): void {
    this.feed.notify();
    this.worker.wake();
  }

  /** A failure the routes cannot answer with (a stream already started), for the log. */
  report(message: string, error: unknown): void {
    this.options.logger?.error(message, { error: error instanceof Error ? error.message : String(error) });
  }

  webhook(name: string): WebhookConfig | undefined {
    return this.hooks.find((h) => h.name === name);
  }

  /** Each webhook with its counts and last error, over the deliveries of `backends` (absent: all). */
  async webhookStates(backends?: string[]): Promise<WebhookState[]> {
    const counts = await this.outbox.counts(backends);
    return Promise.all(this.hooks.map(async (hook) => {
      const c = counts.get(hook.name);
      const state: WebhookState = {
        name: hook.name, url: publicUrl(hook.url), types: hook.types ?? [], backends: hook.backends,
        counts: { pending: c?.pending ?? 0, delivered: c?.delivered ?? 0, failed: c?.failed ?? 0 },
      };
      if (c?.oldestPendingMs !== undefined) state.oldestPendingAt = new Date(c.oldestPendingMs).toISOString();
      const last = await this.outbox.lastError(hook.name, backends);
      if (last) {
        state.lastError = { at: new Date(last.atMs).toISOString(), deliveryId: String(last.deliveryId), error: last.error };
        if (last.status !== undefined) state.lastError.status = last.status;
      }
      return state;
    }));
  }

  async deliveries(webhook: string, query: { status?: DeliveryStatus; backends?: string[]; beforeId?: number; limit: number }): Promise<{ items: DeliveryView[]; next?: number }> {
    const page = await this.outbox.deliveries({ webhook, ...query });
    return { items: page.items.map(view), next: page.next };
  }

  async delivery(webhook: string, id: number): Promise<DeliveryView | undefined> {
    const found = await this.outbox.delivery(webhook, id);
    return found ? view(found) : undefined;
  }

  /** A failed delivery becomes pending, due now, with a fresh round of retries; the worker is woken. */
  async retry(webhook: string, id: number): Promise<RetryOutcome> {
    if (await this.outbox.retry(webhook, id, (this.options.now ?? Date.now)())) {
      this.worker.wake();
      return 'retried';
    }
    return (await this.outbox.delivery(webhook, id)) ? 'not_failed' : 'not_found';
  }

  private logObserver(): DeliveryObserver {
    const logger = this.options.logger;
    return {
      attempted: (webhook, outcome, result, info) => {
        const meta = {
          webhook, deliveryId: String(info.deliveryId), eventId: info.eventId, attempt: info.attempt, status: result.status, error: result.error,
          nextAttemptAt: info.nextAttemptMs === undefined ? undefined : new Date(info.nextAttemptMs).toISOString(),
        };
        if (outcome === 'delivered') logger?.debug('webhook delivered', meta);
        else if (outcome === 'retrying') logger?.warn('webhook delivery failed; it is retried', meta);
        else logger?.error('webhook delivery failed for good', meta);
      },
      error: (message, error) => logger?.error(message, { error: error instanceof Error ? error.message : String(error) }),
    };
  }
}

/** A URL as it may be shown: scheme, host and path (userinfo and query may hold credentials). */
export function publicUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

function view(d: Delivery): DeliveryView {
  const v: DeliveryView = {
    id: String(d.id), eventId: d.eventId, type: d.eventType, backend: d.backend, taskId: d.taskId, sequence: d.sequence,
    status: d.status, attempts: d.attempts, createdAt: new Date(d.createdMs).toISOString(),
  };
  if (d.status === 'pending') v.nextAttemptAt = new Date(d.nextAttemptMs).toISOString();
  if (d.lastAttemptMs !== undefined) v.lastAttemptAt = new Date(d.lastAttemptMs).toISOString();
  if (d.deliveredMs !== undefined) v.deliveredAt = new Date(d.deliveredMs).toISOString();
  if (d.lastStatus !== undefined) v.lastStatus = d.lastStatus;
  if (d.lastError !== undefined) v.lastError = d.lastError;
  return v;
}
