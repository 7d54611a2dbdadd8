// Circuit breaker per backend (contract section 8): consecutive failures open it; while open, calls fail fast.
import { GatewayError } from '../core/errors';

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failures (network error, timeout, vendor 5xx) that open the circuit. */
  failureThreshold: number;
  /** How long it stays open before one probe call may pass. */
  openMs: number;
  now?: () => number;
  onChange?: (from: CircuitState, to: CircuitState) => void;
}

/** One admitted call: report how it went exactly once. */
export interface CircuitPermit {
  success(): void;
  failure(): void;
  /** Neither (e.g. the call never left the gateway): the verdict is left to the next call. */
  neutral(): void;
}

/** What /readyz and /metrics read: the breaker's state, without the means to change it. */
export interface CircuitView {
  state(): CircuitState;
}

export class CircuitBreaker implements CircuitView {
  private current: CircuitState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private probing = false;
  private readonly now: () => number;

  constructor(private readonly options: CircuitBreakerOptions) {
    this.now = options.now ?? Date.now;
  }

  /** closed, open, or half-open (open long enough that the next call will be the probe, or the probe is running). */
  state(): CircuitState {
    if (this.current === 'open' && this.now() - this.openedAt >= this.options.openMs) return 'half-open';
    return this.current;
  }

  /** Admits a call, or throws 503 BACKEND_UNAVAILABLE without it reaching the vendor. */
  admit(backend?: string): CircuitPermit {
    const state = this.state();
    if (state === 'open' || (state === 'half-open' && this.probing)) {
      const left = Math.max(0, this.options.openMs - (this.now() - this.openedAt));
      throw new GatewayError('BACKEND_UNAVAILABLE', `The circuit to ${backend ? `backend '${backend}'` : 'this backend'} is open after repeated failures; not calling the vendor`, {
        retryAfter: Math.max(1, Math.ceil(left / 1000)),
      });
    }
    const probe = state === 'half-open';
    if (probe) {
      this.probing = true;
      this.set('half-open');
    }
    let done = false;
    const once = (fn: () => void) => () => {
      if (done) return;
      done = true;
      fn();
    };
    return {
      success: once(() => {
        // A late success of a call admitted before the circuit opened does not cut the open period short.
        if (!probe && this.current !== 'closed') return;
        this.failures = 0;
        this.probing = false;
        this.set('closed');
      }),
      failure: once(() => {
        if (probe) this.probing = false;
        this.failures += 1;
        if (probe || (this.current === 'closed' && this.failures >= this.options.failureThreshold)) {
          this.openedAt = this.now();
          this.set('open');
        }
      }),
      neutral: once(() => {
        if (probe) this.probing = false;
      }),
    };
  }

  private set(next: CircuitState): void {
    const before = this.current;
    this.current = next;
    if (before !== next) this.options.onChange?.(before, next);
  }
}
