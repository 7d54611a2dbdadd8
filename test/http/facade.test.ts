// The facade's contract (sections 3, 4 and 7): check order, problem+json, request ids, logs, limits.
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { ACTION_NAMES } from '../../src/core/actions';
import { Gateway } from '../../src/core/gateway';
import { createLogger } from '../../src/log';
import { parseConfig } from '../../src/config/load';
import { createBackends, createGatewayApp } from '../../src/compose';
import { SqliteStore } from '../../src/store/sqlite-store';
import { startStack, type Stack } from '../helpers/stack';

const TASK = '3e4c170e-7cc9-11f0-9216-fa163e209978';
const ACTIONS = `/v1/backends/secmaster/tasks/${TASK}/actions`;

describe('facade', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  const expectProblem = (res: { status: number; headers: Headers; body: any }, status: number, code: string) => {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status, code, type: expect.stringMatching(/^https:\/\//), title: expect.any(String), detail: expect.any(String) });
    expect(res.body.requestId).toBe(res.headers.get('x-request-id'));
  };

  test('no key, unknown key: 401; both header forms work', async () => {
    expectProblem(await stack.request('GET', '/v1/backends', { key: null }), 401, 'UNAUTHENTICATED');
    expectProblem(await stack.request('GET', '/v1/backends', { key: 'not-a-key-at-all' }), 401, 'UNAUTHENTICATED');
    expect((await stack.request('GET', '/v1/backends', { key: null, headers: { Authorization: 'Bearer sandbox-key-123' } })).status).toBe(200);
    expect((await stack.request('GET', '/v1/backends')).status).toBe(200);
  });

  test('401 comes before anything about the body, even a malformed one', async () => {
    expectProblem(await stack.request('POST', ACTIONS, { key: null, body: '{not json' }), 401, 'UNAUTHENTICATED');
  });

  test('scope 403 comes before 404, whether or not the backend exists', async () => {
    const soc = 'soc-bot-key-456';
    expectProblem(await stack.request('GET', '/v1/backends/nope/tasks', { key: soc }), 403, 'FORBIDDEN');
    expectProblem(await stack.request('GET', '/v1/backends/nope/tasks'), 404, 'BACKEND_NOT_FOUND');
  });

  test('GET /v1/backends lists only what the key may use, with supported actions', async () => {
    const res = await stack.request('GET', '/v1/backends', { key: 'soc-bot-key-456' });
    expect(res.body.items).toEqual([{ name: 'secmaster', vendor: 'huawei-secmaster', actions: ['approve', 'reject', 'terminate', 'add_comment', 'delete_comment', 'add_attachment', 'delete_attachment', 'custom'] }]);
  });

  test('the capability manifest names every canonical action', async () => {
    const res = await stack.request('GET', '/v1/backends/secmaster');
    expect(Object.keys(res.body.actions)).toEqual([...ACTION_NAMES]);
    expect(res.body.actions.approve).toEqual({ supported: true, vendorAction: 'CONTINUE' });
    expect(res.body.actions.claim).toEqual({ supported: false });
  });

  test('body errors: 415 non-JSON, 400 malformed, 400 unknown action, 400 extra or missing parameter, 413 over the limit', async () => {
    expectProblem(await stack.request('POST', ACTIONS, { body: 'action=approve', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectProblem(await stack.request('POST', ACTIONS, { body: '{"action":' }), 400, 'INVALID_REQUEST');
    expectProblem(await stack.request('POST', ACTIONS, { body: { action: 'smash' } }), 400, 'INVALID_REQUEST');
    expectProblem(await stack.request('POST', ACTIONS, { body: [1, 2] }), 400, 'INVALID_REQUEST');
    const extra = await stack.request('POST', ACTIONS, { body: { action: 'approve', outcome: 'x' } });
    expectProblem(extra, 400, 'INVALID_REQUEST');
    expect(extra.body.errors).toEqual([{ path: 'outcome', message: "is not a parameter of 'approve'" }]);
    const missing = await stack.request('POST', ACTIONS, { body: { action: 'complete' } });
    expect(missing.body.errors).toEqual([{ path: 'outcome', message: 'is required' }]);
    expectProblem(await stack.request('POST', ACTIONS, { body: { action: 'suspend', until: 'tomorrow' } }), 400, 'INVALID_REQUEST');
    expectProblem(await stack.request('POST', ACTIONS, { body: { action: 'suspend', until: '2030-01-01T00:00:00Z', durationSeconds: 5 } }), 400, 'INVALID_REQUEST');
    expectProblem(await stack.request('POST', ACTIONS, { body: { action: 'reassign', to: { id: 'bob', type: 'robot' } } }), 400, 'INVALID_REQUEST');
    expectProblem(await stack.request('POST', ACTIONS, { body: { action: 'approve', comment: 'x'.repeat(4001) } }), 400, 'INVALID_REQUEST');
    expectProblem(await stack.request('POST', ACTIONS, { body: { action: 'approve', comment: 'x'.repeat(1024 * 1024) } }), 413, 'PAYLOAD_TOO_LARGE');
  });

  test('validation precedes the capability check, which precedes any vendor call', async () => {
    const before = stack.emulators.secmaster.calls.length;
    expectProblem(await stack.request('POST', ACTIONS, { body: { action: 'claim', extra: 1 } }), 400, 'INVALID_REQUEST');
    const res = await stack.request('POST', ACTIONS, { body: { action: 'claim' } });
    expectProblem(res, 422, 'UNSUPPORTED_ACTION');
    expect(res.body.supportedActions).toContain('approve');
    expect(stack.emulators.secmaster.calls.length).toBe(before);
  });

  test('unknown route 404, wrong method 405 with Allow', async () => {
    expectProblem(await stack.request('GET', '/nowhere', { key: null }), 404, 'NOT_FOUND');
    expectProblem(await stack.request('GET', '/v1/nowhere'), 404, 'NOT_FOUND');
    const res = await stack.request('DELETE', `/v1/backends/secmaster/tasks/${TASK}`);
    expectProblem(res, 405, 'METHOD_NOT_ALLOWED');
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    expect((await stack.request('GET', ACTIONS)).headers.get('allow')).toBe('POST');
  });

  test('query validation: limit bounds, unknown parameters, unsupported status filter', async () => {
    expectProblem(await stack.request('GET', '/v1/backends/secmaster/tasks?limit=101'), 400, 'INVALID_REQUEST');
    expectProblem(await stack.request('GET', '/v1/backends/secmaster/tasks?limit=0'), 400, 'INVALID_REQUEST');
    expectProblem(await stack.request('GET', '/v1/backends/secmaster/tasks?offset=-1'), 400, 'INVALID_REQUEST');
    expectProblem(await stack.request('GET', '/v1/backends/secmaster/tasks?colour=red'), 400, 'INVALID_REQUEST');
    expectProblem(await stack.request('GET', '/v1/backends/secmaster/tasks?limit=1&limit=2'), 400, 'INVALID_REQUEST');
    const status = await stack.request('GET', '/v1/backends/secmaster/tasks?status=claimed');
    expectProblem(status, 400, 'INVALID_REQUEST');
    expect(status.body.detail).toContain("'secmaster'");
    expectProblem(await stack.request('POST', `${ACTIONS}?dryRun=maybe`, { body: { action: 'approve' } }), 400, 'INVALID_REQUEST');
  });

  test('X-Request-Id is honoured when sane, generated otherwise; security headers on every answer', async () => {
    const mine = await stack.request('GET', '/healthz', { headers: { 'X-Request-Id': 'abc-123' } });
    expect(mine.headers.get('x-request-id')).toBe('abc-123');
    const odd = await stack.request('GET', '/healthz', { headers: { 'X-Request-Id': 'a b<script>' } });
    expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(mine.headers.get('x-powered-by')).toBeNull();
    expect(mine.headers.get('cache-control')).toBe('no-store');
    expect(mine.headers.get('x-content-type-options')).toBe('nosniff');
  });

  test('healthz and readyz need no key', async () => {
    expect((await stack.request('GET', '/healthz', { key: null })).body).toEqual({ status: 'ok' });
    expect((await stack.request('GET', '/readyz', { key: null })).body).toMatchObject({ status: 'ready' });
    stack.gateway.state.ready = false;
    expectProblem(await stack.request('GET', '/readyz', { key: null }), 503, 'SHUTTING_DOWN');
    stack.gateway.state.ready = true;
  });

  test('one JSON log line per request with its facts, and never a key or token', async () => {
    await stack.request('POST', ACTIONS, { body: { action: 'add_comment', comment: 'logged?' }, headers: { 'X-Request-Id': 'log-check-1' } });
    const line = stack.logs.map((l) => JSON.parse(l)).filter((l) => l.requestId === 'log-check-1');
    expect(line).toHaveLength(1);
    expect(line[0]).toMatchObject({ message: 'request', keyName: 'sandbox', backend: 'secmaster', action: 'add_comment', vendorStatus: 200, status: 200, method: 'POST' });
    expect(typeof line[0].durationMs).toBe('number');
    const all = stack.logs.join('\n');
    for (const secret of ['sandbox-key-123', 'soc-bot-key-456', 'sandbox-secmaster-token']) expect(all).not.toContain(secret);
  });

  test('a request whose client went away before its answer is logged too, saying so', async () => {
    const { hostname, port } = new URL(stack.url);
    const body = JSON.stringify({ action: 'add_comment', comment: 'nobody waits' });
    const socket = net.connect(Number(port), hostname);
    await new Promise((r) => socket.once('connect', r));
    socket.end(`POST ${ACTIONS} HTTP/1.1\r\nHost: x\r\nX-API-Key: sandbox-key-123\r\nX-Request-Id: gone-1\r\n`
      + `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    socket.destroy();
    let line: Record<string, unknown> | undefined;
    for (let i = 0; i < 100 && !line; i++) {
      await new Promise((r) => setTimeout(r, 20));
      line = stack.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.requestId === 'gone-1');
    }
    expect(line).toMatchObject({ message: 'request', method: 'POST', clientGone: true });
  });
});

test('an unexpected failure is a 500 INTERNAL_ERROR with no stack, logged with its stack', async () => {
  const config = parseConfig({
    auth: { apiKeys: [{ name: 'k', key: 'internal-key-1' }] },
    backends: { s: { vendor: 'huawei-secmaster', baseUrl: 'http://127.0.0.1:1', projectId: 'p', workspaceId: 'w', auth: { type: 'token', token: 't' } } },
  }, {});
  const gateway = new Gateway(createBackends(config.backends));
  gateway.supportedActions = () => {
    throw new TypeError('boom at SecretPlace');
  };
  const logs: string[] = [];
  const stream = new PassThrough();
  stream.on('data', (c: Buffer) => logs.push(c.toString()));
  const store = new SqliteStore(':memory:');
  await store.init();
  const server = http.createServer(createGatewayApp({ config, gateway, store, logger: createLogger('info', stream) }));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/backends`, { headers: { 'X-API-Key': 'internal-key-1' } });
  const body = (await res.json()) as { code: string };
  server.close();
  expect(res.status).toBe(500);
  expect(body.code).toBe('INTERNAL_ERROR');
  expect(JSON.stringify(body)).not.toMatch(/boom|SecretPlace|TypeError/);
  expect(logs.join('')).toMatch(/boom at SecretPlace/);
});

describe('facade: edge cases found by the black-box review', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());
  const ACTIONS = '/v1/backends/secmaster/tasks/3e4c170e-7cc9-11f0-9216-fa163e209978/actions';

  test('an empty body is 400, not 415', async () => {
    const res = await stack.request('POST', ACTIONS, { headers: { 'Content-Type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('INVALID_REQUEST');
  });

  test('a body whose Content-Encoding lies is 400, never a 500', async () => {
    const res = await stack.request('POST', ACTIONS, { body: '{"action":"approve"}', headers: { 'Content-Encoding': 'gzip' } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('INVALID_REQUEST');
  });

  test('a non-Bearer Authorization header leaves X-API-Key to authenticate', async () => {
    const res = await stack.request('GET', '/v1/backends', { headers: { Authorization: 'Basic dXNlcjpwYXNz' } });
    expect(res.status).toBe(200);
  });

  test('dry-run lists a body for every call, empty where the vendor call has none', async () => {
    const res = await stack.request('POST', '/v1/backends/ibm/tasks/_TKI:a01b0170.3c1d2e4f.5a6b7c8d.90000001/actions?dryRun=true', { body: { action: 'claim' } });
    expect(res.body.vendorRequests).toEqual([expect.objectContaining({ method: 'PUT', body: '' })]);
  });
});

test('the action route answers the vendor object in the task only with ?include=raw', async () => {
  const stack = await startStack();
  try {
    const plain = await stack.request('POST', '/v1/backends/oracle/tasks/200041/actions', { body: { action: 'claim' } });
    expect(plain.body.task.raw).toBeUndefined();
    const raw = await stack.request('POST', '/v1/backends/oracle/tasks/200041/actions?include=raw', { body: { action: 'release' } });
    expect(raw.status).toBe(200);
    expect(raw.body.task.raw).toMatchObject({ kind: 'task', metadata: { number: 200041 } });
    expect((await stack.request('POST', '/v1/backends/oracle/tasks/200041/actions?include=all', { body: { action: 'claim' } })).status).toBe(400);
  } finally {
    await stack.close();
  }
});
