// Wraps a backend's HttpTransport with its resilience: circuit breaker, bounded concurrency, deadline, safe retries.
import type { VendorRequest, VendorResponse } from '../core/adapter';
import { GatewayError } from '../core/errors';
import { CircuitBreaker, type CircuitBreakerOptions, type CircuitView } from './circuit-breaker';
import { ConcurrencyLimit } from './concurrency-limit';
import type { DescribedRequest, SendOptions } from './http';
import { DEFAULT_RETRY, RetryBudget, backoffMs, isRetryable, retryAfterMs, type RetryOptions } from './retry-policy';

/** The one-call transport underneath (HttpTransport). */
export interface InnerTransport {
  send(request: VendorRequest, limits?: SendOptions): Promise<VendorResponse>;
  describe(request: VendorRequest): DescribedRequest;
}

export interface ResilienceOptions {
  backend: string;
  /** Overall deadline of one call: queueing, every try and every backoff included. */
  timeoutMs: number;
  /** Limit of one try (default: timeoutMs). */
  tryTimeoutMs?: number;
  /** Vendor calls in flight at once. */
  concurrency: number;
  /** Calls that may wait for a slot (default: as many as `concurrency`). */
  maxQueue?: number;
  circuitBreaker: Pick<CircuitBreakerOptions, 'failureThreshold' | 'openMs' | 'onChange'>;
  retry?: Partial<RetryOptions>;
  now?: () => number;
  random?: () => number;
}

export class ResilientTransport {
  readonly circuit: CircuitView;
  private readonly breaker: CircuitBreaker;
  private readonly limit: ConcurrencyLimit;
  private readonly retry: RetryOptions;
  private readonly budget: RetryBudget;

  constructor(
    private readonly inner: InnerTransport,
    private readonly options: ResilienceOptions,
  ) {
    this.breaker = new CircuitBreaker({ ...options.circuitBreaker, now: options.now });
    this.circuit = { state: () => this.breaker.state() };
    this.limit = new ConcurrencyLimit(options.concurrency, options.maxQueue ?? options.concurrency);
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.budget = new RetryBudget(this.retry.budgetRatio);
  }

  /** Calls in flight and waiting, for metrics. */
  load(): { inFlight: number; waiting: number } {
    return { inFlight: this.limit.inFlight, waiting: this.limit.waiting };
  }

  describe(request: VendorRequest): DescribedRequest {
    return this.inner.describe(request);
  }

  /**
   * The deadline is a time budget, not an AbortSignal: each wait (queue slot, try, backoff) is given the time left,
   * so nothing outlives the call. (AbortSignal.timeout kept a timer and a weak signal alive for the full
   * timeoutMs after every call, and its listeners were a measurable share of each call: docs/performance.md.)
   */
  async send(request: VendorRequest): Promise<VendorResponse> {
    // A monotonic clock: a wall-clock step must not stretch or cut the deadline.
    const now = this.options.now ?? (() => performance.now());
    const started = now();
    const left = () => this.options.timeoutMs - (now() - started);
    const permit = this.breaker.admit(this.options.backend);
    let release: () => void;
    try {
      release = await this.limit.acquire(left());
    } catch (error) {
      permit.neutral();
      throw error;
    }
    try {
      const response = await this.tries(request, left);
      if (response.status >= 500) permit.failure();
      else permit.success();
      return response;
    } catch (error) {
      // Network errors and timeouts count against the vendor; a request refused before sending does not.
      if (error instanceof GatewayError && (error.code === 'BACKEND_UNAVAILABLE' || error.code === 'BACKEND_TIMEOUT')) permit.failure();
      else permit.neutral();
      throw error;
    } finally {
      release();
    }
  }

  private async tries(request: VendorRequest, left: () => number): Promise<VendorResponse> {
    // A retry holds its budget slot from the decision until its try has finished.
    let budgetSlot: (() => void) | undefined;
    for (let attempt = 0; ; attempt += 1) {
      let response: VendorResponse | undefined;
      let error: unknown;
      // Whether this try is limited by the call's time left rather than by tryTimeoutMs.
      let lastChance = false;
      try {
        const remaining = left();
        if (remaining <= 0) throw this.deadlineError();
        lastChance = remaining <= (this.options.tryTimeoutMs ?? Infinity);
        response = await this.inner.send(request, { timeoutMs: Math.min(this.options.tryTimeoutMs ?? Infinity, remaining) });
      } catch (caught) {
        // A try cut short by the time left is the whole call's timeout.
        error = lastChance && caught instanceof GatewayError && caught.code === 'BACKEND_TIMEOUT' ? this.deadlineError() : caught;
      } finally {
        budgetSlot?.();
        budgetSlot = undefined;
      }
      const giveUp = () => {
        if (error !== undefined) throw error;
        return response!;
      };
      if (attempt >= this.retry.maxRetries || !isRetryable(request, { response, error })) return giveUp();
      const wait = Math.max(backoffMs(attempt, this.retry, this.options.random), retryAfterMs(response) ?? 0);
      // A retry that could not finish before the deadline is not worth starting.
      if (wait >= left()) return giveUp();
      const slot = this.budget.take(this.limit.inFlight);
      if (!slot) return giveUp();
      budgetSlot = slot;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  private deadlineError(): GatewayError {
    return new GatewayError('BACKEND_TIMEOUT', `The vendor did not answer within ${this.options.timeoutMs} ms`);
  }
}
