// A transport decorator that times every vendor call and labels it with its outcome (a status class or an error code).
import type { VendorRequest, VendorResponse } from '../core/adapter';
import { GatewayError } from '../core/errors';
import type { Transport } from '../core/ports';

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
