// What the action service records and keeps: the audit record, Idempotency-Key claims and stored answers, and the
// store port they go through (implemented by src/store).

/** The door an action came through (contract section 8, Audit). */
export type Via = 'rest' | 'batch' | 'mcp';

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
  /** Which door it came through: the action route, a batch item, or an MCP tool call. */
  via: Via;
  /** True when `parameters` were cut to the audit trail's bound (4 KiB). */
  parametersTruncated?: boolean;
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

/** The part of the store the action service needs. */
export interface ActionStore {
  readonly type: 'sqlite' | 'postgres';
  /** Resolves once the record is committed. */
  recordAudit(record: AuditRecord): Promise<void>;
  /** Atomically claims a key, or says why not; an expired record is taken over. */
  claimIdempotencyKey(input: IdempotencyClaimInput): Promise<IdempotencyClaim>;
  /** Stores the answer of a claimed key, to be replayed until it expires. */
  completeIdempotencyKey(scope: string, key: string, response: StoredResponse): Promise<void>;
  /** Gives a claimed key back without storing anything (the answer was decided before any vendor call). */
  releaseIdempotencyKey(scope: string, key: string): Promise<void>;
}

/** The part of the store the audit trail reads. */
export interface AuditReader {
  queryAudit(query: AuditQuery): Promise<AuditPage>;
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
