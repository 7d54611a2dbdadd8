// Vendor HTTP in unit tests: an undici MockAgent that every transport sends through (undici-request.ts), the
// way nock replaced node:http's sockets. Everything above the socket (headers, body reading, decoding,
// timeouts, error mapping) runs as in production.
import { MockAgent } from 'undici';
import { routeVendorCallsThrough } from '../../src/transport/undici-request';

/**
 * A fresh MockAgent for every test of the calling file; unmatched calls fail, and real connections are refused
 * except to loopback when `loopback` is set (for tests against real servers: refused or reset connections).
 * Returns the current agent: `vendors().get(origin).intercept({ path, method }).reply(200, body)`.
 */
export function useVendorMock(options: { loopback?: boolean } = {}): () => MockAgent {
  let agent: MockAgent | undefined;
  beforeEach(() => {
    agent = new MockAgent();
    agent.disableNetConnect();
    if (options.loopback) agent.enableNetConnect(/^127\.0\.0\.1:\d+$/);
    routeVendorCallsThrough(agent);
  });
  afterEach(async () => {
    routeVendorCallsThrough(undefined);
    await agent?.close();
    agent = undefined;
  });
  return () => {
    if (!agent) throw new Error('useVendorMock: the MockAgent exists only inside a test');
    return agent;
  };
}
