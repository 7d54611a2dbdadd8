// Watches every vendor call a backend's transport makes: latency metrics, and whether a request reached the vendor.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { VendorRequest, VendorResponse } from '../core/adapter';
import { GatewayError } from '../core/errors';
import type { Backend } from '../core/gateway';
import type { Metrics } from './metrics';

/** What one action attempt's vendor calls did; read by idempotency to decide whether an answer is stored. */
export interface VendorCallWatch {
  /** True once a vendor call may have reached the vendor: it got an answer, or it failed in a way that leaves the outcome unknown. */
  mayHaveActed: boolean;
}

const watches = new AsyncLocalStorage<VendorCallWatch>();

/** Runs `work` and reports whether any vendor call inside it may have reached the vendor. */
export async function watchVendorCalls<T>(work: () => Promise<T>): Promise<{ watch: VendorCallWatch; result?: T; error?: unknown }> {
  const watch: VendorCallWatch = { mayHaveActed: false };
  try {
    return { watch, result: await watches.run(watch, work) };
  } catch (error) {
    return { watch, error };
  }
}

/**
 * A transport failure that leaves no doubt that nothing was applied: the gateway refused to send (circuit open,
 * queue full, unsafe path) or the vendor could not be reached. A timeout, a garbled answer or any answer at all
 * may have been acted on.
 */
function certainlyNotActed(error: unknown): boolean {
  return error instanceof GatewayError && (error.code === 'BACKEND_UNAVAILABLE' || error.code === 'INVALID_REQUEST');
}

const instrumented = new WeakSet<object>();

/** Wraps each backend's transport once; every other member of the transport stays as it was. */
export function instrumentBackends(backends: Backend[], metrics: Metrics): void {
  for (const backend of backends) {
    if (instrumented.has(backend.transport)) continue;
    const inner = backend.transport;
    const send = async (request: VendorRequest, ...rest: unknown[]): Promise<VendorResponse> => {
      const end = metrics.vendorDuration.startTimer({ backend: backend.name });
      const watch = watches.getStore();
      try {
        const response = await (inner.send as (r: VendorRequest, ...x: unknown[]) => Promise<VendorResponse>).call(inner, request, ...rest);
        if (watch) watch.mayHaveActed = true;
        end({ outcome: `${Math.floor(response.status / 100)}xx` });
        return response;
      } catch (error) {
        if (watch && !certainlyNotActed(error)) watch.mayHaveActed = true;
        end({ outcome: error instanceof GatewayError ? error.code : 'ERROR' });
        throw error;
      }
    };
    const wrapped = new Proxy(inner, {
      get(target, property) {
        if (property === 'send') return send;
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    instrumented.add(wrapped);
    backend.transport = wrapped;
  }
}
