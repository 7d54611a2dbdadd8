// Vendor HTTP in unit tests: nock intercepts node:http under the real axios instance and adapter, so everything
// above the socket (headers, body reading, decoding, limits, timeouts, error mapping) runs as in production.
import nock from 'nock';

/**
 * For every test of the calling file: real connections are refused (except to loopback when `loopback` is set, for
 * refused or reset connections on real sockets), and every interceptor left is removed afterwards.
 * Interceptors are plain nock: `nock(origin).get(path).reply(200, body)`.
 */
export function useVendorMock(options: { loopback?: boolean } = {}): void {
  beforeEach(() => {
    nock.disableNetConnect();
    if (options.loopback) nock.enableNetConnect(/^127\.0\.0\.1(:\d+)?$/);
  });
  afterEach(() => {
    nock.abortPendingRequests();
    nock.cleanAll();
    nock.enableNetConnect();
  });
}

/** Fails the test when an interceptor registered with nock was not used. */
export function assertAllUsed(): void {
  const pending = nock.pendingMocks();
  if (pending.length) throw new Error(`vendor calls expected but not made: ${pending.join(', ')}`);
}
