// Vendor HTTP in unit tests: nock intercepts node:http under the real axios instance and adapter, so everything
// above the socket (headers, body reading, decoding, limits, timeouts, error mapping) runs as in production.
import { createRequire } from 'node:module';
import type nockType from 'nock';

/**
 * nock 15 ships as ES modules only, which Jest 29 (CommonJS, through ts-jest) cannot load; Node's own require
 * (Node 24 requires ES modules) can. Node's builtin http is shared, so nock patches what axios uses in the test.
 */
const nativeModule = process.getBuiltinModule('node:module') as { createRequire: typeof createRequire };
export const nock = (nativeModule.createRequire(__filename)('nock') as { default: typeof nockType }).default;

/**
 * For every test of the calling file: nock is active, real connections are refused (except to loopback when
 * `loopback` is set, for refused or reset connections on real sockets), and every interceptor left is removed
 * afterwards. Interceptors are plain nock: `nock(origin).get(path).reply(200, body)`.
 */
export function useVendorMock(options: { loopback?: boolean } = {}): void {
  beforeAll(() => {
    if (!nock.isActive()) nock.activate();
  });
  beforeEach(() => {
    nock.disableNetConnect();
    if (options.loopback) nock.enableNetConnect(/^127\.0\.0\.1(:\d+)?$/);
  });
  afterEach(() => {
    nock.abortPendingRequests();
    nock.cleanAll();
    nock.enableNetConnect();
  });
  // Other test files in this worker talk to real servers without nock in between.
  afterAll(() => nock.restore());
}

/** Fails the test when an interceptor registered with nock was not used. */
export function assertAllUsed(): void {
  const pending = nock.pendingMocks();
  if (pending.length) throw new Error(`vendor calls expected but not made: ${pending.join(', ')}`);
}
