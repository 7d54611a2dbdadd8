// Transport decorators for observation: one times every vendor call and labels it with its outcome (a status class or an
// error code); one reports each try that failed at the vendor (what /readyz shows as a backend's last failure).
import type { VendorRequest, VendorResponse } from '../core/adapter';
import { GatewayError } from '../core/errors';
import type { Transport } from '../core/ports';
import { codeForStatus } from '../core/vendor-errors';
import type { InnerTransport } from './resilient-transport';

/** Starts timing one call; the returned function ends it with the call's outcome label. */
export type CallTimer = () => (outcome: string) => void;

export function meteredTransport(inner: Transport, startTimer: CallTimer): Transport {
  return {
    describe: (request) => inner.describe(request),
    async send(request: VendorRequest): Promise<VendorResponse> {
      const end = startTimer();
      try {
        const response = await inner.send(request);
        end(`${Math.floor(response.status / 100)}xx`);
        return response;
      } catch (error) {
        end(error instanceof GatewayError ? error.code : 'ERROR');
        throw error;
      }
    },
  };
}

/** A try the vendor failed: no usable answer (code of the error) or a 5xx (its status too). */
export interface VendorFailure {
  code: string;
  vendorStatus?: number;
  /** When, in ms since the epoch. */
  at: number;
}

/**
 * Reports the tries that count against a vendor (as its circuit breaker counts them: no answer, a timeout, a 5xx),
 * seen under the resilience policies, so calls refused without reaching the vendor (circuit open, queue full) are not.
 */
export function failureRecordingTransport(inner: InnerTransport, record: (failure: VendorFailure) => void, now: () => number = Date.now): InnerTransport {
  return {
    describe: (request) => inner.describe(request),
    async send(request, limits) {
      let response: VendorResponse;
      try {
        response = await inner.send(request, limits);
      } catch (error) {
        record({ code: error instanceof GatewayError ? error.code : 'ERROR', at: now() });
        throw error;
      }
      if (response.status >= 500) record({ code: codeForStatus(response.status), vendorStatus: response.status, at: now() });
      return response;
    },
  };
}
