// The webhook worker: relays committed change records into the outbox, claims due deliveries, POSTs them, retries on schedule.
import { randomUUID } from 'node:crypto';
import type { WebhookConfig } from '../config/load';
import type { ClaimedDelivery, NewDelivery, OutboxStore } from '../store/outbox-store';
import { kindsFor, matchesBackend, toCloudEvent, type EventType } from './cloud-event';
import { DELIVERY_TIMEOUT_MS, signedRequest, WebhookSender, type AttemptResult } from './webhook-sender';
import configSchema from '../../schemas/config.schema.json';

/** The Standard Webhooks schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, as the config schema writes it. */
export const DEFAULT_RETRY_SCHEDULE: number[] = configSchema.properties.events.properties.retrySchedule.default;

/**
 * When a delivery that has failed `attempts` times (this one included) is tried next; undefined: never (it is
 * `failed`). With the default schedule the 8th failed attempt is the last.
 */
export function nextAttemptMs(schedule: number[], attempts: number, nowMs: number): number | undefined {
  const delay = schedule[attempts - 1];
  return delay === undefined ? undefined : nowMs + delay;
}

/** What the worker reports (metrics and the log); none of it carries a secret or a URL. */
export interface DeliveryObserver {
  recorded?(type: EventType): void;
  attempted?(webhook: string, outcome: 'delivered' | 'retrying' | 'failed', result: AttemptResult, info: { deliveryId: number; eventId: string; attempt: number; nextAttemptMs?: number; latencyMs: number }): void;
  error?(message: string, error: unknown): void;
}

export interface Sender {
  send(url: string, request: { headers: Record<string, string>; body: string }): Promise<AttemptResult>;
  close?(): void;
}

export interface DeliveryWorkerOptions {
  outbox: OutboxStore;
  webhooks: WebhookConfig[];
  retrySchedule?: number[];
  retentionHours?: number;
  sender?: Sender;
  /** This gateway's name in claims (default: a random id per process). */
  holder?: string;
  /** How often the store is read for records and due deliveries written by other gateways (default 500 ms). */
  pollMs?: number;
  /** How long a claim lasts: longer than an attempt can take (default: the 15 s timeout and 5 s more). */
  leaseMs?: number;
  /** Attempts in flight at once (default 32). */
  concurrency?: number;
  observer?: DeliveryObserver;
  now?: () => number;
}

const RELAY_BATCH = 500;
const PURGE_EVERY_MS = 10 * 60 * 1000;

export class DeliveryWorker {
  readonly holder: string;
  private readonly hooks: Map<string, WebhookConfig>;
  private readonly sender: Sender;
  private readonly schedule: number[];
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly concurrency: number;
  private readonly now: () => number;
  private readonly inFlight = new Set<Promise<void>>();
  private timer?: NodeJS.Timeout;
  private timerAt = Infinity;
  private ticking?: Promise<void>;
  private again = false;
  private started = false;
  private stopped = false;
  private lastPurgeMs = -Infinity;

  constructor(private readonly options: DeliveryWorkerOptions) {
    this.holder = options.holder ?? `gateway-${randomUUID()}`;
    this.hooks = new Map(options.webhooks.map((w) => [w.name, w]));
    this.sender = options.sender ?? new WebhookSender();
    this.schedule = options.retrySchedule ?? DEFAULT_RETRY_SCHEDULE;
    this.pollMs = options.pollMs ?? 500;
    this.leaseMs = options.leaseMs ?? DELIVERY_TIMEOUT_MS + 5_000;
    this.concurrency = options.concurrency ?? 32;
    this.now = options.now ?? Date.now;
  }

  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.wake();
  }

  /** Something may be due now (a change record committed here, an attempt finished, a manual retry). */
  wake(): void {
    this.wakeAt(this.now());
  }

  /** Stops claiming, waits for the attempts in flight (each within its timeout) and their results. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.ticking?.catch(() => undefined);
    await Promise.allSettled([...this.inFlight]);
    this.sender.close?.();
  }

  /** One pass, for tests and for the start: relay, purge when due, claim and start attempts. */
  async runOnce(): Promise<void> {
    if (this.ticking) {
      this.again = true;
      return this.ticking;
    }
    this.ticking = this.pass().finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  /** Waits until nothing is in flight (tests). */
  async idle(): Promise<void> {
    while (this.ticking || this.inFlight.size) {
      await this.ticking?.catch(() => undefined);
      await Promise.allSettled([...this.inFlight]);
    }
  }

  private wakeAt(atMs: number): void {
    if (!this.started || this.stopped) return;
    if (this.timer && this.timerAt <= atMs) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = atMs;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      void this.runOnce().finally(() => {
        if (this.again) {
          this.again = false;
          this.wake();
        } else {
          this.wakeAt(this.now() + this.pollMs);
        }
      });
    }, Math.max(0, atMs - this.now()));
    this.timer.unref();
  }

  private async pass(): Promise<void> {
    try {
      await this.relay();
      await this.purgeIfDue();
      await this.claimAndSend();
    } catch (error) {
      this.options.observer?.error?.('the webhook worker failed a pass (it tries again)', error);
    }
  }

  /** Turns change records after the relay position into deliveries of each webhook they match. */
  private async relay(): Promise<void> {
    const { outbox } = this.options;
    const storeId = await outbox.storeId();
    for (;;) {
      const after = await outbox.relayed();
      const records = await outbox.changesAfter(after, RELAY_BATCH);
      if (records.length === 0) return;
      const rows: NewDelivery[] = [];
      const types: EventType[] = [];
      for (const record of records) {
        const event = toCloudEvent(record, storeId);
        types.push(event.type);
        let payload: string | undefined;
        for (const hook of this.hooks.values()) {
          const kinds = kindsFor(hook.types);
          if (kinds && !kinds.includes(record.kind)) continue;
          if (!matchesBackend(hook.backends, record.backend)) continue;
          payload ??= JSON.stringify(event);
          rows.push({
            webhook: hook.name, sequence: event.data.sequence, eventId: event.id, eventType: event.type, backend: record.backend,
            taskId: record.taskId, payload, createdMs: Date.parse(record.time),
          });
        }
      }
      const { advanced } = await outbox.addDeliveries(rows, records[records.length - 1].sequence!);
      // Counted by the gateway whose relay moved the position: once per event, whichever gateway relays.
      if (advanced) for (const type of types) this.options.observer?.recorded?.(type);
      if (records.length < RELAY_BATCH) return;
    }
  }

  private async purgeIfDue(): Promise<void> {
    const now = this.now();
    if (now - this.lastPurgeMs < PURGE_EVERY_MS) return;
    this.lastPurgeMs = now;
    await this.options.outbox.purge(now - (this.options.retentionHours ?? 168) * 3_600_000);
  }

  private async claimAndSend(): Promise<void> {
    for (;;) {
      const room = this.concurrency - this.inFlight.size;
      if (room <= 0 || this.stopped) return;
      const claimed = await this.options.outbox.claim(this.holder, [...this.hooks.keys()], this.now(), this.leaseMs, room);
      for (const delivery of claimed) {
        const attempt = this.attempt(delivery).finally(() => {
          this.inFlight.delete(attempt);
          // A slot is free: anything else due is claimed at once rather than at the next poll.
          if (claimed.length === room) this.wake();
        });
        this.inFlight.add(attempt);
      }
      if (claimed.length < room) return;
      if (this.inFlight.size >= this.concurrency) return;
    }
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const hook = this.hooks.get(delivery.webhook)!;
    const { outbox, observer } = this.options;
    try {
      const result = await this.sender.send(hook.url, signedRequest(hook.secret, delivery.eventId, delivery.payload, new Date(this.now())));
      const now = this.now();
      const attempt = delivery.attempts + 1;
      const info = { deliveryId: delivery.id, eventId: delivery.eventId, attempt, latencyMs: now - delivery.createdMs };
      if (result.ok) {
        await outbox.markDelivered(delivery.id, this.holder, now, result.status ?? 200);
        observer?.attempted?.(hook.name, 'delivered', result, info);
        return;
      }
      const next = nextAttemptMs(this.schedule, attempt, now);
      await outbox.markFailed(delivery.id, this.holder, now, { status: result.status, error: result.error ?? 'failed', nextMs: next });
      observer?.attempted?.(hook.name, next === undefined ? 'failed' : 'retrying', result, { ...info, nextAttemptMs: next });
      if (next !== undefined) this.wakeAt(next);
    } catch (error) {
      // The store failed while recording the outcome: the claim lapses and the delivery is attempted again.
      observer?.error?.('recording a webhook delivery failed', error);
    }
  }
}
