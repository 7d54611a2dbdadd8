// The change-event side of the store: the feed over change records, the webhook deliveries outbox, its claims and purge.
import { fromChangeRow, type ChangeRow } from './index-sql';
import type { ChangeKind, ChangeRecord } from './index-store';
import { POSTGRES_PARAM, SQLITE_PARAM, type Placeholder } from './sql';
import type { SqlStore } from './sql-store';

type Param = string | number | null;

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'delivered', 'failed'];

export interface Delivery {
  id: number;
  webhook: string;
  sequence: number;
  eventId: string;
  eventType: string;
  backend: string;
  taskId: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptMs: number;
  createdMs: number;
  lastAttemptMs?: number;
  deliveredMs?: number;
  lastStatus?: number;
  lastError?: string;
}

/** A delivery as the relay creates it: one event for one webhook, with the event's JSON exactly as it is POSTed. */
export type NewDelivery = Pick<Delivery, 'webhook' | 'sequence' | 'eventId' | 'eventType' | 'backend' | 'taskId' | 'createdMs'> & { payload: string };

/** A delivery claimed by one gateway for one attempt; `attempts` were made before it in the current round. */
export type ClaimedDelivery = Pick<Delivery, 'id' | 'webhook' | 'eventId' | 'attempts' | 'createdMs'> & { payload: string };

export interface DeliveryQuery {
  webhook: string;
  status?: DeliveryStatus;
  /** Only deliveries of these backends; absent: all. */
  backends?: string[];
  /** Newest first: ids below this one. */
  beforeId?: number;
  limit: number;
}

export interface WebhookCounts {
  pending: number;
  delivered: number;
  failed: number;
  /** created_ms of the oldest pending delivery. */
  oldestPendingMs?: number;
}

export interface LastError {
  deliveryId: number;
  atMs: number;
  status?: number;
  error: string;
}

/** What a page of the feed may be narrowed to. */
export interface ChangeFilter {
  backends?: string[];
  kinds?: ChangeKind[];
}

interface DeliveryRow {
  id: number | string;
  webhook: string;
  sequence: number | string;
  event_id: string;
  event_type: string;
  backend: string;
  task_id: string;
  status: string;
  attempts: number | string;
  next_ms: number | string;
  created_ms: number | string;
  last_attempt_ms: number | string | null;
  delivered_ms: number | string | null;
  last_status: number | null;
  last_error: string | null;
}

const DELIVERY_COLUMNS = 'id, webhook, sequence, event_id, event_type, backend, task_id, status, attempts, next_ms, created_ms, last_attempt_ms, delivered_ms, last_status, last_error';
const CHANGE_COLUMNS = 'sequence, time_ms, backend, task_id, kind, task, changes, previous, action, result, error_code, key_name, on_behalf_of, request_id';
/** Rows per INSERT: 8 parameters each, far below SQLite's 32,766 and PostgreSQL's 65,535. */
const INSERT_ROWS = 200;

/** Collects parameters and hands out their placeholders, in order. */
class Params {
  readonly values: Param[] = [];
  constructor(private readonly p: Placeholder) {}
  add(value: Param): string {
    this.values.push(value);
    return this.p(this.values.length);
  }
  list(values: Param[]): string {
    return values.map((v) => this.add(v)).join(', ');
  }
}

export class OutboxStore {
  private readonly p: Placeholder;
  private id?: string;

  constructor(private readonly db: SqlStore) {
    this.p = db.type === 'postgres' ? POSTGRES_PARAM : SQLITE_PARAM;
  }

  get dialect(): 'sqlite' | 'postgres' {
    return this.db.type;
  }

  /** This store's random id (made by its migration): part of every event id, so ids of two stores never meet. */
  async storeId(): Promise<string> {
    if (this.id === undefined) {
      const [row] = await this.db.select<{ store_id: string }>('SELECT store_id FROM taskgate_event_state WHERE id = 1', []);
      if (!row) throw new Error('taskgate_event_state has no row: the store was not migrated');
      this.id = row.store_id;
    }
    return this.id;
  }

  /** The last change record the relay turned into deliveries. */
  async relayed(): Promise<number> {
    const [row] = await this.db.select<{ relayed: number | string }>('SELECT relayed FROM taskgate_event_state WHERE id = 1', []);
    return Number(row?.relayed ?? 0);
  }

  /** Change records after a sequence number, in sequence order, narrowed to backends and kinds. */
  async changesAfter(after: number, limit: number, filter: ChangeFilter = {}): Promise<ChangeRecord[]> {
    const q = new Params(this.p);
    const where = [`sequence > ${q.add(after)}`];
    if (filter.backends) where.push(filter.backends.length ? `backend IN (${q.list(filter.backends)})` : '1 = 0');
    if (filter.kinds) where.push(filter.kinds.length ? `kind IN (${q.list(filter.kinds)})` : '1 = 0');
    const sql = `SELECT ${CHANGE_COLUMNS} FROM taskgate_changes WHERE ${where.join(' AND ')} ORDER BY sequence LIMIT ${q.add(limit)}`;
    return (await this.db.select<ChangeRow>(sql, q.values)).map(fromChangeRow);
  }

  /** The newest change record's sequence number (0 when there is none). */
  async maxSequence(): Promise<number> {
    const [row] = await this.db.select<{ max: number | string | null }>('SELECT MAX(sequence) AS max FROM taskgate_changes', []);
    return Number(row?.max ?? 0);
  }

  /**
   * Inserts the deliveries of the change records up to `relayedTo`, then moves the relay position there. A
   * crash in between only makes the next relay insert the same rows again, which the (webhook, sequence) key
   * ignores: nothing is lost and nothing is doubled, whichever gateway relays.
   */
  async addDeliveries(rows: NewDelivery[], relayedTo: number): Promise<{ added: number; advanced: boolean }> {
    let added = 0;
    for (let i = 0; i < rows.length; i += INSERT_ROWS) {
      const q = new Params(this.p);
      const values = rows.slice(i, i + INSERT_ROWS).map((r) =>
        `(${q.list([r.webhook, r.sequence, r.eventId, r.eventType, r.backend, r.taskId, r.payload, r.createdMs])}, 'pending', 0, ${q.add(r.createdMs)})`);
      added += await this.db.execute(
        `INSERT INTO taskgate_deliveries (webhook, sequence, event_id, event_type, backend, task_id, payload, created_ms, status, attempts, next_ms)
         VALUES ${values.join(', ')} ON CONFLICT (webhook, sequence) DO NOTHING`, q.values);
    }
    const q = new Params(this.p);
    const advanced = await this.db.execute(`UPDATE taskgate_event_state SET relayed = ${q.add(relayedTo)} WHERE id = 1 AND relayed < ${q.add(relayedTo)}`, q.values);
    return { added, advanced: advanced === 1 };
  }

  /**
   * Claims up to `limit` due deliveries of these webhooks for `holder` until nowMs + leaseMs. On PostgreSQL the
   * rows are picked FOR UPDATE SKIP LOCKED, so gateways claiming at once take different rows; a claim whose
   * holder died lapses with its lease and the delivery is attempted again (with the same webhook-id).
   */
  async claim(holder: string, webhooks: string[], nowMs: number, leaseMs: number, limit: number): Promise<ClaimedDelivery[]> {
    if (webhooks.length === 0 || limit <= 0) return [];
    const q = new Params(this.p);
    const leaseUntil = q.add(nowMs + leaseMs);
    const who = q.add(holder);
    const now1 = q.add(nowMs);
    const now2 = q.add(nowMs);
    const names = q.list(webhooks);
    const lock = this.db.type === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
    const sql = `UPDATE taskgate_deliveries SET lease_holder = ${who}, lease_ms = ${leaseUntil}
      WHERE id IN (SELECT id FROM taskgate_deliveries WHERE status = 'pending' AND next_ms <= ${now1}
        AND (lease_ms IS NULL OR lease_ms <= ${now2}) AND webhook IN (${names}) ORDER BY next_ms, id LIMIT ${q.add(limit)}${lock})
      RETURNING id, webhook, event_id, payload, attempts, created_ms`;
    const rows = await this.db.select<{ id: number | string; webhook: string; event_id: string; payload: string; attempts: number | string; created_ms: number | string }>(sql, q.values);
    return rows
      .map((r) => ({ id: Number(r.id), webhook: r.webhook, eventId: r.event_id, payload: r.payload, attempts: Number(r.attempts), createdMs: Number(r.created_ms) }))
      .sort((a, b) => a.id - b.id);
  }

  /** Records a 2xx; false when the claim was lost meanwhile (its lease lapsed and another gateway took it). */
  async markDelivered(id: number, holder: string, nowMs: number, status: number): Promise<boolean> {
    const q = new Params(this.p);
    const sql = `UPDATE taskgate_deliveries SET status = 'delivered', attempts = attempts + 1, delivered_ms = ${q.add(nowMs)},
      last_attempt_ms = ${q.add(nowMs)}, last_status = ${q.add(status)}, lease_holder = NULL, lease_ms = NULL
      WHERE id = ${q.add(id)} AND lease_holder = ${q.add(holder)} AND status = 'pending'`;
    return (await this.db.execute(sql, q.values)) === 1;
  }

  /** Records a failed attempt: pending again at `nextMs`, or `failed` when there is none left. */
  async markFailed(id: number, holder: string, nowMs: number, outcome: { status?: number; error: string; nextMs?: number }): Promise<boolean> {
    const q = new Params(this.p);
    const final = outcome.nextMs === undefined;
    const sql = `UPDATE taskgate_deliveries SET status = ${q.add(final ? 'failed' : 'pending')}, attempts = attempts + 1,
      next_ms = ${q.add(outcome.nextMs ?? nowMs)}, last_attempt_ms = ${q.add(nowMs)}, last_status = ${q.add(outcome.status ?? null)},
      last_error = ${q.add(outcome.error.slice(0, 500))}, error_ms = ${q.add(nowMs)}, error_status = ${q.add(outcome.status ?? null)},
      lease_holder = NULL, lease_ms = NULL
      WHERE id = ${q.add(id)} AND lease_holder = ${q.add(holder)} AND status = 'pending'`;
    return (await this.db.execute(sql, q.values)) === 1;
  }

  /** Makes a failed delivery pending again, due now, with a fresh round of retries. False: it is not failed. */
  async retry(webhook: string, id: number, nowMs: number): Promise<boolean> {
    const q = new Params(this.p);
    const sql = `UPDATE taskgate_deliveries SET status = 'pending', attempts = 0, next_ms = ${q.add(nowMs)}, lease_holder = NULL, lease_ms = NULL
      WHERE id = ${q.add(id)} AND webhook = ${q.add(webhook)} AND status = 'failed'`;
    return (await this.db.execute(sql, q.values)) === 1;
  }

  async delivery(webhook: string, id: number): Promise<Delivery | undefined> {
    const q = new Params(this.p);
    const [row] = await this.db.select<DeliveryRow>(`SELECT ${DELIVERY_COLUMNS} FROM taskgate_deliveries WHERE id = ${q.add(id)} AND webhook = ${q.add(webhook)}`, q.values);
    return row ? fromDeliveryRow(row) : undefined;
  }

  /** A page of a webhook's deliveries, newest first; `next` is the id to continue below. */
  async deliveries(query: DeliveryQuery): Promise<{ items: Delivery[]; next?: number }> {
    const q = new Params(this.p);
    const where = [`webhook = ${q.add(query.webhook)}`];
    if (query.status) where.push(`status = ${q.add(query.status)}`);
    if (query.backends) where.push(query.backends.length ? `backend IN (${q.list(query.backends)})` : '1 = 0');
    if (query.beforeId !== undefined) where.push(`id < ${q.add(query.beforeId)}`);
    const sql = `SELECT ${DELIVERY_COLUMNS} FROM taskgate_deliveries WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ${q.add(query.limit + 1)}`;
    const rows = await this.db.select<DeliveryRow>(sql, q.values);
    const items = rows.slice(0, query.limit).map(fromDeliveryRow);
    return { items, next: rows.length > query.limit ? items[items.length - 1].id : undefined };
  }

  /** Counts per webhook and status (only of these backends, when given), and each webhook's oldest pending delivery. */
  async counts(backends?: string[]): Promise<Map<string, WebhookCounts>> {
    const q = new Params(this.p);
    const where = backends ? `WHERE ${backends.length ? `backend IN (${q.list(backends)})` : '1 = 0'}` : '';
    const rows = await this.db.select<{ webhook: string; status: string; n: number | string; oldest: number | string | null }>(
      `SELECT webhook, status, COUNT(*) AS n, MIN(created_ms) AS oldest FROM taskgate_deliveries ${where} GROUP BY webhook, status`, q.values);
    const counts = new Map<string, WebhookCounts>();
    for (const row of rows) {
      const entry = counts.get(row.webhook) ?? { pending: 0, delivered: 0, failed: 0 };
      if (row.status === 'pending' || row.status === 'delivered' || row.status === 'failed') entry[row.status] = Number(row.n);
      if (row.status === 'pending' && row.oldest !== null) entry.oldestPendingMs = Number(row.oldest);
      counts.set(row.webhook, entry);
    }
    return counts;
  }

  /** created_ms of each webhook's oldest pending delivery (for the metrics: one indexed scan of pending rows). */
  async oldestPending(): Promise<Map<string, number | undefined>> {
    const rows = await this.db.select<{ webhook: string; oldest: number | string | null }>(
      "SELECT webhook, MIN(created_ms) AS oldest FROM taskgate_deliveries WHERE status = 'pending' GROUP BY webhook", []);
    return new Map(rows.map((r) => [r.webhook, r.oldest === null ? undefined : Number(r.oldest)]));
  }

  /** The webhook's latest failed attempt (of these backends, when given). */
  async lastError(webhook: string, backends?: string[]): Promise<LastError | undefined> {
    const q = new Params(this.p);
    const where = [`webhook = ${q.add(webhook)}`, 'error_ms IS NOT NULL'];
    if (backends) where.push(backends.length ? `backend IN (${q.list(backends)})` : '1 = 0');
    const [row] = await this.db.select<{ id: number | string; error_ms: number | string; error_status: number | null; last_error: string }>(
      `SELECT id, error_ms, error_status, last_error FROM taskgate_deliveries WHERE ${where.join(' AND ')} ORDER BY error_ms DESC, id DESC LIMIT 1`, q.values);
    if (!row) return undefined;
    const last: LastError = { deliveryId: Number(row.id), atMs: Number(row.error_ms), error: row.last_error };
    if (row.error_status !== null) last.status = Number(row.error_status);
    return last;
  }

  /**
   * Deletes change records older than the cutoff that the relay has passed, and finished deliveries older than
   * it. Pending deliveries are kept whatever their age: at least once comes before retention.
   */
  async purge(cutoffMs: number): Promise<{ changes: number; deliveries: number }> {
    const q = new Params(this.p);
    const changes = await this.db.execute(
      `DELETE FROM taskgate_changes WHERE time_ms < ${q.add(cutoffMs)} AND sequence <= (SELECT relayed FROM taskgate_event_state WHERE id = 1)`, q.values);
    const d = new Params(this.p);
    const deliveries = await this.db.execute(`DELETE FROM taskgate_deliveries WHERE created_ms < ${d.add(cutoffMs)} AND status <> 'pending'`, d.values);
    return { changes, deliveries };
  }
}

function fromDeliveryRow(row: DeliveryRow): Delivery {
  const d: Delivery = {
    id: Number(row.id), webhook: row.webhook, sequence: Number(row.sequence), eventId: row.event_id, eventType: row.event_type,
    backend: row.backend, taskId: row.task_id, status: row.status as DeliveryStatus, attempts: Number(row.attempts),
    nextAttemptMs: Number(row.next_ms), createdMs: Number(row.created_ms),
  };
  if (row.last_attempt_ms !== null) d.lastAttemptMs = Number(row.last_attempt_ms);
  if (row.delivered_ms !== null) d.deliveredMs = Number(row.delivered_ms);
  if (row.last_status !== null) d.lastStatus = Number(row.last_status);
  if (row.last_error !== null) d.lastError = row.last_error;
  return d;
}
