// The action lane (app.ts) against express's own action route: the same request served both ways gives the same
// status, body, headers, log line and metrics; the lane takes only the plain form and leaves the rest to express.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { createBackends } from '../../src/compose';
import { Gateway } from '../../src/core/gateway';
import { createApp, type TaskgateApp } from '../../src/http/app';
import { Metrics } from '../../src/http/metrics';
import { createLogger } from '../../src/log';
import { SANDBOX_KEY, startStack, type Stack } from '../helpers/stack';

const TASK = '3e4c170e-7cc9-11f0-9216-fa163e209978';
const ACTIONS = `/v1/backends/secmaster/tasks/${TASK}/actions`;

let stack: Stack;
let app: TaskgateApp;
let server: http.Server;
let url: string;
let handled: jest.SpyInstance;
let metrics: Metrics;
const logs: Record<string, unknown>[] = [];

beforeAll(async () => {
  stack = await startStack();
  const gateway = new Gateway(createBackends(stack.config.backends));
  const stream = new PassThrough();
  stream.on('data', (c: Buffer) => logs.push(...c.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)));
  metrics = new Metrics(() => gateway.list());
  app = createApp({ config: stack.config, gateway, logger: createLogger('info', stream), metrics });
  // express's app function hands every request to app.handle: calls to it are the requests express served.
  handled = jest.spyOn(app.express as unknown as { handle: () => void }, 'handle');
  server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await stack.close();
});

async function post(path: string, body: string, headers: Record<string, string>) {
  const res = await fetch(url + path, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body });
  const text = await res.text();
  const { requestId, task: _task, ...rest } = JSON.parse(text) as Record<string, unknown>;
  return {
    status: res.status,
    requestIdMatches: requestId === undefined || requestId === res.headers.get('x-request-id'),
    headers: ['content-type', 'cache-control', 'x-content-type-options', 'retry-after', 'allow'].map((h) => res.headers.get(h)),
    body: rest,
  };
}

/** The request log line of a request, without what differs between any two requests. */
function logOf(count: number) {
  const { requestId: _id, durationMs: _d, timestamp: _t, ...line } = logs.filter((l) => l.message === 'request')[count - 1];
  return line;
}

const requestLines = () => logs.filter((l) => l.message === 'request').length;
const key = (k: string | null): Record<string, string> => (k === null ? {} : { 'X-API-Key': k });

test.each([
  ['an action applied', ACTIONS, '{"action":"add_comment","comment":"from the lane test"}', SANDBOX_KEY, 200],
  ['no API key', ACTIONS, '{"action":"approve"}', null, 401],
  ['a key out of its scope', '/v1/backends/k2/tasks/2_24/actions', '{"action":"approve"}', 'soc-bot-key-456', 403],
  ['an unknown backend', '/v1/backends/nope/tasks/1/actions', '{"action":"approve"}', SANDBOX_KEY, 404],
  ['a body that is not JSON', ACTIONS, '{not json', SANDBOX_KEY, 400],
  ['an unknown action', ACTIONS, '{"action":"fly"}', SANDBOX_KEY, 400],
  ['an action the backend cannot do', ACTIONS, '{"action":"claim"}', SANDBOX_KEY, 422],
  ['an IBM task id (with a colon)', '/v1/backends/ibm/tasks/_TKI:a01b0170.3c1d2e4f.5a6b7c8d.90000005/actions', '{"action":"claim"}', SANDBOX_KEY, 409],
])('%s: the same answer, log line and metrics through the lane and through express', async (_name, path, body, apiKey, status) => {
  const before = handled.mock.calls.length;
  const counts0 = await counts();
  const lane = await post(path, body, key(apiKey));
  expect(handled.mock.calls.length).toBe(before);
  const laneLog = logOf(requestLines());
  const counts1 = await counts();
  // A `?` with nothing after it: the same request to express (its query is empty), not the lane's plain form.
  const viaExpress = await post(`${path}?`, body, key(apiKey));
  expect(handled.mock.calls.length).toBe(before + 1);
  const counts2 = await counts();
  expect(lane.status).toBe(status);
  expect(lane).toEqual(viaExpress);
  expect(lane.requestIdMatches).toBe(true);
  expect(laneLog).toEqual(logOf(requestLines()));
  // One request counted under the same labels each time.
  const laneCounted = added(counts0, counts1);
  expect(laneCounted).toEqual([expect.stringContaining(`"status":"${status}"`)]);
  expect(added(counts1, counts2)).toEqual(laneCounted);
});

/** taskgate_http_requests_total by its labels. */
async function counts(): Promise<Map<string, number>> {
  const { values } = await metrics.registry.getSingleMetric('taskgate_http_requests_total')!.get();
  return new Map(values.map((v) => [JSON.stringify(v.labels), v.value]));
}

/** The label sets whose count went up by one between two readings. */
function added(before: Map<string, number>, after: Map<string, number>): string[] {
  return [...after].filter(([labels, n]) => n - (before.get(labels) ?? 0) === 1).map(([labels]) => labels);
}

test.each([
  ['a query', `${ACTIONS}?includeRaw=true`, {}],
  ['a percent-encoded task id', '/v1/backends/secmaster/tasks/a%2Fb/actions', {}],
  ['a trailing slash', `${ACTIONS}/`, {}],
  ['another media type', ACTIONS, { 'Content-Type': 'application/merge-patch+json' }],
  ['a compressed body', ACTIONS, { 'Content-Encoding': 'gzip' }],
])('the lane leaves %s to express', async (_name, path, headers) => {
  const before = handled.mock.calls.length;
  await fetch(url + path, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-API-Key': SANDBOX_KEY, ...headers }, body: '{"action":"claim"}' });
  expect(handled.mock.calls.length).toBe(before + 1);
});
