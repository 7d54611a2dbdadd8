// Per-API-key rate limit (contract section 8): a token bucket of perMinute tokens, refilled continuously; in memory, or
// one row per key in PostgreSQL so that every instance on a shared store draws from the same bucket.
import type { ApiKeyConfig } from '../config/load';
import { GatewayError } from '../core/errors';

/** Takes one token for a key, or throws 429 RATE_LIMITED with Retry-After in whole seconds. Keys without a limit pass. */
export interface RateLimit {
  take(keyName: string): void | Promise<void>;
}

interface Bucket {
  tokens: number;
  perMs: number;
  capacity: number;
  at: number;
}

/** The 429 for a bucket holding `tokens` (< 1) that gains `perMs` tokens a millisecond. */
function limited(capacity: number, tokens: number, perMs: number): GatewayError {
  const retryAfter = Math.max(1, Math.ceil((1 - tokens) / perMs / 1000));
  return new GatewayError('RATE_LIMITED', `The rate limit of this API key (${capacity} requests a minute) is exhausted; retry in ${retryAfter} s`, { retryAfter });
}

/** The limits of the keys that have one, by key name. */
function limits(keys: ApiKeyConfig[]): Map<string, number> {
  return new Map(keys.flatMap((key) => (key.rateLimit ? [[key.name, key.rateLimit.perMinute] as const] : [])));
}

/** One instance's buckets, in memory (an SQLite store, or the fallback while PostgreSQL cannot be reached). */
export class RateLimiter implements RateLimit {
  private readonly buckets = new Map<string, Bucket>();

  constructor(keys: ApiKeyConfig[], private readonly now: () => number = Date.now) {
    for (const [name, perMinute] of limits(keys)) this.buckets.set(name, { tokens: perMinute, capacity: perMinute, perMs: perMinute / 60_000, at: now() });
  }

  take(keyName: string): void {
    const bucket = this.buckets.get(keyName);
    if (!bucket) return;
    const now = this.now();
    bucket.tokens = Math.min(bucket.capacity, bucket.tokens + (now - bucket.at) * bucket.perMs);
    bucket.at = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return;
    }
    throw limited(bucket.capacity, bucket.tokens, bucket.perMs);
  }
}

/** What the shared limiter needs of a pg Pool. */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

export const RATE_LIMIT_TABLE = 'taskgate_rate_limits';

// The refill since the row's last take, capped at the capacity ($2 tokens, $3 tokens a millisecond). The database's
// clock, not each instance's: instances whose clocks disagree still refill one bucket at one rate.
const REFILLED = `LEAST($2::double precision, b.tokens + GREATEST(0, EXCLUDED.at_ms - b.at_ms) * $3::double precision)`;
// One atomic statement per request: the row lock serializes concurrent takes of one key across every instance.
const TAKE = `INSERT INTO ${RATE_LIMIT_TABLE} AS b (key_name, tokens, at_ms, granted)
  VALUES ($1, $2::double precision - 1, EXTRACT(EPOCH FROM clock_timestamp())::double precision * 1000, true)
  ON CONFLICT (key_name) DO UPDATE SET
    tokens = ${REFILLED} - CASE WHEN ${REFILLED} >= 1 THEN 1 ELSE 0 END,
    at_ms = GREATEST(b.at_ms, EXCLUDED.at_ms),
    granted = ${REFILLED} >= 1
  RETURNING granted, tokens`;
const CREATE = `CREATE TABLE IF NOT EXISTS ${RATE_LIMIT_TABLE} (
  key_name TEXT PRIMARY KEY, tokens DOUBLE PRECISION NOT NULL, at_ms DOUBLE PRECISION NOT NULL, granted BOOLEAN NOT NULL)`;

/**
 * The bucket of each key as one row in the store's PostgreSQL schema, shared by every instance on it. Should the
 * database fail, this instance falls back to its own in-memory buckets (per-instance limits) rather than refuse
 * or let everything through; `onError` hears of it.
 */
export class PostgresRateLimiter implements RateLimit {
  private readonly limits: Map<string, number>;
  private readonly fallback: RateLimiter;
  private table?: Promise<void>;

  constructor(private readonly pool: Queryable, keys: ApiKeyConfig[], private readonly onError: (error: Error) => void = () => {}) {
    this.limits = limits(keys);
    this.fallback = new RateLimiter(keys);
  }

  async take(keyName: string): Promise<void> {
    const capacity = this.limits.get(keyName);
    if (capacity === undefined) return;
    const perMs = capacity / 60_000;
    let row: { granted: boolean; tokens: number };
    try {
      await (this.table ??= this.createTable());
      row = (await this.pool.query(TAKE, [keyName, capacity, perMs])).rows[0] as typeof row;
    } catch (error) {
      this.onError(error as Error);
      return this.fallback.take(keyName);
    }
    if (!row.granted) throw limited(capacity, row.tokens, perMs);
  }

  private async createTable(): Promise<void> {
    try {
      await this.pool.query(CREATE);
    } catch (error) {
      // Instances creating it at the same moment: PostgreSQL reports the loser's duplicate (23505 on pg_type, or 42P07).
      const code = (error as { code?: string }).code;
      if (code === '23505' || code === '42P07') return;
      this.table = undefined;
      throw error;
    }
  }
}
