// Per-API-key rate limit (contract section 8): a token bucket of perMinute tokens, refilled continuously.
import type { ApiKeyConfig } from '../config/load';
import { GatewayError } from '../core/errors';

interface Bucket {
  tokens: number;
  perMs: number;
  capacity: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(keys: ApiKeyConfig[], private readonly now: () => number = Date.now) {
    for (const key of keys) {
      if (!key.rateLimit) continue;
      const { perMinute } = key.rateLimit;
      this.buckets.set(key.name, { tokens: perMinute, capacity: perMinute, perMs: perMinute / 60_000, at: now() });
    }
  }

  /** Takes one token for the key, or throws 429 RATE_LIMITED with Retry-After in whole seconds. Keys without a limit pass. */
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
    const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / bucket.perMs / 1000));
    throw new GatewayError('RATE_LIMITED', `The rate limit of this API key (${bucket.capacity} requests a minute) is exhausted; retry in ${retryAfter} s`, { retryAfter });
  }
}
