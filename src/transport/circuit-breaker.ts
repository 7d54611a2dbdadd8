// Circuit breaker per backend (contract section 8) on cockatiel: consecutive failures open it; while open, calls fail fast.
import { CircuitState as PolicyState, ConsecutiveBreaker, circuitBreaker, handleWhen, type CircuitBreakerPolicy } from 'cockatiel';
import type { VendorResponse } from '../core/adapter';
import { GatewayError } from '../core/errors';
import type { CircuitState, CircuitView } from '../core/ports';

export type { CircuitState, CircuitView } from '../core/ports';


export interface CircuitBreakerOptions {
  /** Consecutive failures (network error, timeout, vendor 5xx) that open the circuit. */
  failureThreshold: number;
  /** How long it stays open before one probe call may pass. */
  openMs: number;
  onChange?: (from: CircuitState, to: CircuitState) => void;
}

const NAMES: Record<PolicyState, CircuitState> = {
  [PolicyState.Closed]: 'closed',
  [PolicyState.Open]: 'open',
  [PolicyState.HalfOpen]: 'half-open',
  [PolicyState.Isolated]: 'open',
};

/** Network errors and timeouts count against the vendor; a call refused before it was sent does not. */
function vendorFailed(error: unknown): boolean {
  return error instanceof GatewayError && (error.code === 'BACKEND_UNAVAILABLE' || error.code === 'BACKEND_TIMEOUT');
}

export class VendorCircuit implements CircuitView {
  readonly policy: CircuitBreakerPolicy;
  private openedAt = 0;
  private current: CircuitState = 'closed';

  constructor(private readonly options: CircuitBreakerOptions) {
    this.policy = circuitBreaker(handleWhen(vendorFailed).orWhenResult((response) => (response as VendorResponse).status >= 500), {
      breaker: new ConsecutiveBreaker(options.failureThreshold),
      halfOpenAfter: options.openMs,
    });
    this.policy.onBreak(() => {
      this.openedAt = Date.now();
    });
    this.policy.onStateChange((next) => {
      const before = this.current;
      this.current = NAMES[next];
      if (before !== this.current) options.onChange?.(before, this.current);
    });
  }

  /** closed, open, or half-open (open long enough that the next call will be the probe, or the probe is running). */
  state(): CircuitState {
    if (this.current === 'open' && Date.now() - this.openedAt >= this.options.openMs) return 'half-open';
    return this.current;
  }

  /** The 503 of a call refused while the circuit is open, with the seconds left until a probe may pass. */
  openError(backend: string): GatewayError {
    const left = Math.max(0, this.options.openMs - (Date.now() - this.openedAt));
    return new GatewayError('BACKEND_UNAVAILABLE', `The circuit to backend '${backend}' is open after repeated failures; not calling the vendor`, {
      retryAfter: Math.max(1, Math.ceil(left / 1000)),
    });
  }
}
