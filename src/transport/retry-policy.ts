// Our own retry rules, applied through cockatiel's retry: when a vendor call may be sent again, how long to wait
// first, and the budget that keeps retries from piling up. (The defaults live in schemas/config.schema.json.)
import type { VendorRequest, VendorResponse } from '../core/adapter';
import { neverSent } from './http';

export interface RetryOptions {
  /** Retries after the first try (0 disables retrying). */
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Retries in progress may be at most this share of the calls in flight (at least one). */
  budgetRatio: number;
}

const RETRYABLE_GET_STATUS = new Set([502, 503, 504]);

/**
 * Safe to send again? Only when nothing can have reached the vendor (connection refused, DNS failure,
 * connect timeout), or a GET answered 502/503/504. A task action that may have reached the vendor: never.
 */
export function isRetryable(request: VendorRequest, outcome: { response?: VendorResponse; error?: unknown }): boolean {
  if (outcome.error !== undefined) return neverSent(outcome.error);
  return request.method === 'GET' && outcome.response !== undefined && RETRYABLE_GET_STATUS.has(outcome.response.status);
}

/** Full-jitter exponential backoff: a random wait in [0, min(max, base * 2^attempt)). */
export function backoffMs(attempt: number, options: Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs'>, random = Math.random): number {
  return Math.floor(random() * Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** attempt));
}

/** The vendor's `Retry-After` (seconds or an HTTP date) in ms, if it sent one. */
export function retryAfterMs(response: VendorResponse | undefined, now = Date.now()): number | undefined {
  const header = response?.headers['retry-after'];
  if (!header) return undefined;
  if (/^\d{1,9}$/.test(header.trim())) return Number(header.trim()) * 1000;
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/** Caps retries in progress at a share of the calls in flight, so a struggling vendor is not hit twice as hard. */
export class RetryBudget {
  private retrying = 0;

  constructor(private readonly ratio: number) {}

  /** Takes a retry slot, or false when the budget is spent. Give it back with the returned function. */
  take(inFlight: number): (() => void) | false {
    if (this.retrying >= Math.max(1, Math.floor(this.ratio * inFlight))) return false;
    this.retrying += 1;
    let returned = false;
    return () => {
      if (!returned) this.retrying -= 1;
      returned = true;
    };
  }
}
