// The durable store behind the audit trail, Idempotency-Key records and the task index: one interface, SQLite and PostgreSQL drivers.
import type { IndexStore } from './index-store';

/** One action attempt, as recorded (contract section 8, Audit). */
export interface AuditRecord {
  /** When the attempt began, RFC 3339 UTC with milliseconds. */
  time: string;
  requestId: string;
  keyName: string;
  onBehalfOf?: string;
  backend: string;
  taskId: string;
  action: string;
  /** The action's parameters, credentials removed. */
  parameters: Record<string, unknown>;
  /** `applied` or `accepted` on success. */
  result?: string;
  /** The catalogue code on failure. */
  errorCode?: string;
  /** The last vendor HTTP status seen, when a vendor answered. */
  vendorStatus?: number;
  durationMs: number;
  /** True when the answer was an Idempotency-Key replay (no vendor call). */
  replayed?: boolean;
  /** True when the attempt was one item of POST /v1/actions/batch. */
  batch?: boolean;
}

export interface AuditQuery {
  backend?: string;
  taskId?: string;
  /** Inclusive lower bound on `time`, epoch ms. */
  fromMs?: number;
  /** Exclusive upper bound on `time`, epoch ms. */
  toMs?: number;
  /** Only these backends (a key's scope); absent: all. */
  backends?: string[];
  limit: number;
  /** Position after which to continue (from a previous page's nextCursor). */
  after?: AuditPosition;
}

/** Where a page ended: the last item's time and row id (items are ordered by both, newest first). */
export interface AuditPosition {
  timeMs: number;
  id: number;
}

export interface AuditPage {
  items: AuditRecord[];
  next?: AuditPosition;
}

/** The answer an Idempotency-Key replays: status, content type, body text and the headers worth keeping. */
export interface StoredResponse {
  status: number;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
}

export type IdempotencyClaim =
  /** This request owns the key now: perform it, then complete or release. */
  | { outcome: 'claimed' }
  /** Done before with the same fingerprint: replay. */
  | { outcome: 'replay'; response: StoredResponse }
  /** Used before (done or running) with another fingerprint. */
  | { outcome: 'mismatch' }
  /** Another request with this key is still running (or was interrupted; see startedMs). */
  | { outcome: 'in_progress'; startedMs: number };

export interface IdempotencyClaimInput {
  /** The API key name: keys are scoped to the caller that sent them. */
  scope: string;
  key: string;
  fingerprint: string;
  nowMs: number;
  /** How long a record lives (24 h). */
  ttlMs: number;
}

export interface Store extends IndexStore {
  readonly type: 'sqlite' | 'postgres';
  /** Creates or migrates the schema. Safe to call from several instances at once. */
  init(): Promise<void>;
  /** Resolves once the record is committed. */
  recordAudit(record: AuditRecord): Promise<void>;
  queryAudit(query: AuditQuery): Promise<AuditPage>;
  /** Atomically claims a key, or says why not; an expired record is taken over. */
  claimIdempotencyKey(input: IdempotencyClaimInput): Promise<IdempotencyClaim>;
  /** Stores the answer of a claimed key, to be replayed until it expires. */
  completeIdempotencyKey(scope: string, key: string, response: StoredResponse): Promise<void>;
  /** Gives a claimed key back without storing anything (the answer was decided before any vendor call). */
  releaseIdempotencyKey(scope: string, key: string): Promise<void>;
  /** Deletes expired idempotency records; returns how many. */
  purgeExpired(nowMs: number): Promise<number>;
  /** Throws when the store cannot be used (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The row shape both drivers read back. */
export interface AuditRow {
  id: number | string;
  time_ms: number | string;
  request_id: string;
  key_name: string;
  on_behalf_of: string | null;
  backend: string;
  task_id: string;
  action: string;
  parameters: string;
  result: string | null;
  error_code: string | null;
  vendor_status: number | null;
  duration_ms: number;
  replayed: number | boolean;
  batch: number | boolean;
}

export function toAuditRow(record: AuditRecord) {
  return {
    time_ms: Date.parse(record.time),
    request_id: record.requestId,
    key_name: record.keyName,
    on_behalf_of: record.onBehalfOf ?? null,
    backend: record.backend,
    task_id: record.taskId,
    action: record.action,
    parameters: JSON.stringify(record.parameters),
    result: record.result ?? null,
    error_code: record.errorCode ?? null,
    vendor_status: record.vendorStatus ?? null,
    duration_ms: record.durationMs,
    replayed: record.replayed ? 1 : 0,
    batch: record.batch ? 1 : 0,
  };
}

export function fromAuditRow(row: AuditRow): AuditRecord {
  const record: AuditRecord = {
    time: new Date(Number(row.time_ms)).toISOString(),
    requestId: row.request_id,
    keyName: row.key_name,
    backend: row.backend,
    taskId: row.task_id,
    action: row.action,
    parameters: JSON.parse(row.parameters) as Record<string, unknown>,
    durationMs: Number(row.duration_ms),
  };
  if (row.on_behalf_of !== null) record.onBehalfOf = row.on_behalf_of;
  if (row.result !== null) record.result = row.result;
  if (row.error_code !== null) record.errorCode = row.error_code;
  if (row.vendor_status !== null) record.vendorStatus = Number(row.vendor_status);
  if (row.replayed === true || row.replayed === 1) record.replayed = true;
  if (row.batch === true || row.batch === 1) record.batch = true;
  return record;
}

/** An opaque cursor: base64url of `<timeMs>.<id>`. */
export function encodeCursor(position: AuditPosition): string {
  return Buffer.from(`${position.timeMs}.${position.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): AuditPosition | undefined {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(cursor)) return undefined;
  const match = /^(\d{1,15})\.(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return match ? { timeMs: Number(match[1]), id: Number(match[2]) } : undefined;
}
