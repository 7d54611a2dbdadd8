// Bounded concurrency per backend: a fixed number of vendor calls in flight, a short queue, overflow is a 503.
import { GatewayError } from '../core/errors';

interface Waiter {
  grant: () => void;
  reject: (error: GatewayError) => void;
}

export class ConcurrencyLimit {
  private active = 0;
  private readonly queue: Waiter[] = [];

  constructor(
    readonly maxInFlight: number,
    readonly maxQueue: number,
  ) {}

  get inFlight(): number {
    return this.active;
  }

  get waiting(): number {
    return this.queue.length;
  }

  /**
   * Resolves with a release function once a slot is free. A full queue, or a deadline that passes while
   * waiting, is 503 BACKEND_UNAVAILABLE: the vendor was not called.
   */
  acquire(deadline?: AbortSignal): Promise<() => void> {
    if (this.active < this.maxInFlight) {
      this.active += 1;
      return Promise.resolve(this.releaser());
    }
    if (this.queue.length >= this.maxQueue) {
      return Promise.reject(
        new GatewayError('BACKEND_UNAVAILABLE', `Too many calls to this backend: ${this.maxInFlight} in flight and ${this.maxQueue} waiting`, { retryAfter: 1 }),
      );
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const index = this.queue.indexOf(waiter);
        if (index >= 0) this.queue.splice(index, 1);
        reject(new GatewayError('BACKEND_UNAVAILABLE', 'No free slot for a call to this backend within its deadline', { retryAfter: 1 }));
      };
      const waiter: Waiter = {
        grant: () => {
          deadline?.removeEventListener('abort', onAbort);
          resolve(this.releaser());
        },
        reject,
      };
      if (deadline?.aborted) return onAbort();
      deadline?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      // The slot passes straight to the next waiter; otherwise it is freed.
      if (next) next.grant();
      else this.active -= 1;
    };
  }
}
