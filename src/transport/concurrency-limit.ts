// Bounded concurrency per backend: a fixed number of vendor calls in flight, a short queue, overflow is a 503.
import { GatewayError } from '../core/errors';

interface Waiter {
  grant: () => void;
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
   * Resolves with a release function once a slot is free. A full queue, or `waitMs` (the call's time left) passing
   * while queued, is 503 BACKEND_UNAVAILABLE: the vendor was not called. The timer exists only while queued.
   */
  acquire(waitMs = Infinity): Promise<() => void> {
    if (this.active < this.maxInFlight) {
      this.active += 1;
      return Promise.resolve(this.releaser());
    }
    if (this.queue.length >= this.maxQueue) {
      return Promise.reject(
        new GatewayError('BACKEND_UNAVAILABLE', `Too many calls to this backend: ${this.maxInFlight} in flight and ${this.maxQueue} waiting`, { retryAfter: 1 }),
      );
    }
    const noSlot = () => new GatewayError('BACKEND_UNAVAILABLE', 'No free slot for a call to this backend within its deadline', { retryAfter: 1 });
    if (waitMs <= 0) return Promise.reject(noSlot());
    return new Promise((resolve, reject) => {
      const timer = Number.isFinite(waitMs)
        ? setTimeout(() => {
          const index = this.queue.indexOf(waiter);
          if (index >= 0) this.queue.splice(index, 1);
          reject(noSlot());
        }, waitMs)
        : undefined;
      const waiter: Waiter = {
        grant: () => {
          clearTimeout(timer);
          resolve(this.releaser());
        },
      };
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
