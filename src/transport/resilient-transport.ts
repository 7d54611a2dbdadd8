// Wraps a backend's HttpTransport with its resilience on cockatiel: deadline, circuit breaker, bulkhead, safe retries.
import {
  BrokenCircuitError, BulkheadRejectedError, TaskCancelledError, TimeoutStrategy, bulkhead, handleWhen, retry, timeout,
  type BulkheadPolicy, type IBackoff, type TimeoutPolicy,
} from 'cockatiel';
import type { VendorRequest, VendorResponse } from '../core/adapter';
import { GatewayError } from '../core/errors';
import { VendorCircuit, type CircuitBreakerOptions, type CircuitView } from './circuit-breaker';
import type { DescribedRequest } from '../core/ports';
import type { SendOptions } from './http';
import { RetryBudget, backoffMs, isRetryable, retryAfterMs, type RetryOptions } from './retry-policy';
import { assertSafePath } from './safe-path';

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
  circuitBreaker: CircuitBreakerOptions;
  retry: RetryOptions;
  random?: () => number;
}

/** One call's progress, read when its deadline passes: whether any try had started. */
interface Call {
  request: VendorRequest;
  started: boolean;
  left: () => number;
}

export class ResilientTransport {
  readonly circuit: CircuitView;
  private readonly breaker: VendorCircuit;
  private readonly deadline: TimeoutPolicy;
  private readonly bulkhead: BulkheadPolicy;
  private readonly budget: RetryBudget;
  private readonly maxQueue: number;

  constructor(
    private readonly inner: InnerTransport,
    private readonly options: ResilienceOptions,
  ) {
    this.breaker = new VendorCircuit(options.circuitBreaker);
    this.circuit = { state: () => this.breaker.state() };
    this.maxQueue = options.maxQueue ?? options.concurrency;
    this.bulkhead = bulkhead(options.concurrency, this.maxQueue);
    // Aggressive: the call ends at its deadline; the try in flight is aborted through the signal. Not aborted on
    // return: a finished call has nothing left to stop, and each abort builds a DOMException (a stack trace).
    this.deadline = timeout(options.timeoutMs, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false });
    this.budget = new RetryBudget(options.retry.budgetRatio);
  }

  /** Calls in flight and waiting, for metrics. */
  load(): { inFlight: number; waiting: number } {
    return { inFlight: this.options.concurrency - this.bulkhead.executionSlots, waiting: this.maxQueue - this.bulkhead.queueSlots };
  }

  describe(request: VendorRequest): DescribedRequest {
    return this.inner.describe(request);
  }

  /** Deadline around the breaker (open: fail fast, no slot taken) around the bulkhead around the tries. */
  async send(request: VendorRequest): Promise<VendorResponse> {
    // Refused before the policies: a call that can never be sent must not decide a circuit probe.
    assertSafePath(request.path);
    const started = performance.now();
    const call: Call = { request, started: false, left: () => this.options.timeoutMs - (performance.now() - started) };
    try {
      return await this.deadline.execute(({ signal }) =>
        this.breaker.policy.execute(() => this.bulkhead.execute(() => this.tries(call, signal), signal), signal));
    } catch (error) {
      throw this.gatewayError(error, call);
    }
  }

  /**
   * The tries of one call: cockatiel's retry, with our own rules deciding (retry-policy.ts): only what cannot have
   * been applied is sent again, never past the deadline, never beyond the retry budget, the vendor's Retry-After honoured.
   */
  private tries(call: Call, signal: AbortSignal): Promise<VendorResponse> {
    const { maxRetries } = this.options.retry;
    let attempts = 0;
    let wait = 0;
    // A retry holds its budget slot from the decision until its try has finished.
    let budgetSlot: (() => void) | undefined;
    const worthRetrying = (outcome: { response?: VendorResponse; error?: unknown }): boolean => {
      if (attempts > maxRetries || !isRetryable(call.request, outcome)) return false;
      wait = Math.max(backoffMs(attempts - 1, this.options.retry, this.options.random), retryAfterMs(outcome.response) ?? 0);
      // A retry that could not finish before the deadline is not worth starting.
      if (wait >= call.left()) return false;
      const slot = this.budget.take(this.load().inFlight);
      if (!slot) return false;
      budgetSlot = slot;
      return true;
    };
    const backoff: IBackoff<unknown> = { get duration() { return wait; }, next: () => backoff };
    const policy = retry(handleWhen((error) => worthRetrying({ error })).orWhenResult((response) => worthRetrying({ response: response as VendorResponse })), {
      maxAttempts: maxRetries,
      backoff,
    });
    return policy.execute(async () => {
      attempts += 1;
      call.started = true;
      const remaining = call.left();
      // Whether this try is limited by the call's time left rather than by tryTimeoutMs.
      const lastChance = remaining <= (this.options.tryTimeoutMs ?? Infinity);
      try {
        if (remaining <= 0) throw this.deadlineError();
        return await this.inner.send(call.request, { timeoutMs: Math.min(this.options.tryTimeoutMs ?? Infinity, remaining), signal });
      } catch (error) {
        // A try cut short by the time left is the whole call's timeout.
        throw lastChance && error instanceof GatewayError && error.code === 'BACKEND_TIMEOUT' ? this.deadlineError() : error;
      } finally {
        budgetSlot?.();
        budgetSlot = undefined;
      }
    }, signal);
  }

  /** cockatiel's refusals as the contract's errors: none of them reached the vendor but a deadline during a try. */
  private gatewayError(error: unknown, call: Call): unknown {
    if (error instanceof BrokenCircuitError) return this.breaker.openError(this.options.backend).unsent();
    if (error instanceof BulkheadRejectedError) {
      return new GatewayError('BACKEND_UNAVAILABLE', `Too many calls to this backend: ${this.options.concurrency} in flight and ${this.maxQueue} waiting`, { retryAfter: 1 }).unsent();
    }
    if (error instanceof TaskCancelledError) {
      // Still waiting for a slot (or for the circuit's probe) when the deadline passed: the vendor was not called.
      if (!call.started) return new GatewayError('BACKEND_UNAVAILABLE', 'No free slot for a call to this backend within its deadline', { retryAfter: 1 }).unsent();
      return this.deadlineError();
    }
    return error;
  }

  private deadlineError(): GatewayError {
    return new GatewayError('BACKEND_TIMEOUT', `The vendor did not answer within ${this.options.timeoutMs} ms`);
  }
}
