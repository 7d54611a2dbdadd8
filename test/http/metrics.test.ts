// /metrics and /readyz: what an operator scrapes and probes, with bounded labels and never a credential.
import { GatewayError } from '../../src/core/errors';
import type { Backend } from '../../src/core/gateway';
import { Metrics } from '../../src/http/metrics';
import { failureRecordingTransport, type VendorFailure } from '../../src/transport/metered';
import { SqliteStore } from '../../src/store/sqlite-store';
import { SECMASTER_TASK, startGated, type Gated } from '../helpers/gated';

const ACTIONS = `/v1/backends/secmaster/tasks/${SECMASTER_TASK}/actions`;

let gw: Gated;
afterEach(() => gw.close());

const scrape = async () => {
  const res = await fetch(`${gw.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return res.text();
};

test('requests, latency, vendor calls, audit writes and idempotency are counted, by bounded labels', async () => {
  gw = await startGated();
  await gw.request('POST', ACTIONS, { body: { action: 'approve' }, headers: { 'Idempotency-Key': 'm1' } });
  await gw.request('POST', ACTIONS, { body: { action: 'approve' }, headers: { 'Idempotency-Key': 'm1' } });
  await gw.request('GET', '/v1/backends/no-such-backend-with-a-long-name/tasks');
  await gw.request('GET', '/nowhere/at/all');
  gw.intercept = async () => {
    throw new GatewayError('BACKEND_TIMEOUT', 'The vendor did not answer within 1 ms');
  };
  await gw.request('GET', `/v1/backends/secmaster/tasks/${SECMASTER_TASK}`);
  const text = await scrape();

  const value = (name: string, labels: Record<string, string>) => sample(text, name, labels);
  const action = { route: '/v1/backends/:backend/tasks/:taskId/actions', method: 'POST', backend: 'secmaster', action: 'approve', status: '200' };
  expect(value('taskgate_http_requests_total', action)).toBe(2);
  // The histogram has no action label (it would multiply a dozen bucket series by every action); the counter keeps it.
  const { action: _action, ...timed } = action;
  expect(value('taskgate_http_request_duration_seconds_count', timed)).toBe(2);
  expect(value('taskgate_http_request_duration_seconds_bucket', { ...timed, le: '+Inf' })).toBe(2);
  expect(text).not.toMatch(/^taskgate_http_request_duration_seconds_\w+\{[^}]*action=/m);
  // An unknown backend or route never becomes a label value.
  expect(value('taskgate_http_requests_total', { route: '/v1/backends/:backend/tasks', method: 'GET', backend: '', action: '', status: '404' })).toBe(1);
  expect(value('taskgate_http_requests_total', { route: 'unmatched', method: 'GET', backend: '', action: '', status: '404' })).toBe(1);
  expect(text).not.toContain('no-such-backend');
  expect(value('taskgate_http_requests_in_flight', {})).toBe(1); // this scrape itself
  expect(value('taskgate_vendor_call_duration_seconds_count', { backend: 'secmaster', outcome: '2xx' })).toBe(1);
  expect(value('taskgate_vendor_call_duration_seconds_count', { backend: 'secmaster', outcome: 'BACKEND_TIMEOUT' })).toBe(1);
  expect(value('taskgate_audit_write_duration_seconds_count', { store: 'sqlite', outcome: 'ok' })).toBe(2);
  expect(value('taskgate_idempotency_total', { outcome: 'executed' })).toBe(1);
  expect(value('taskgate_idempotency_total', { outcome: 'replayed' })).toBe(1);
  expect(text).toMatch(/# TYPE taskgate_circuit_state gauge/);
  // prom-client's defaults and the build.
  expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
  expect(text).toMatch(/^process_resident_memory_bytes \d/m);
  expect(text).toMatch(/^nodejs_heap_size_used_bytes \d/m);
  expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
  const { version } = require('../../package.json') as { version: string };
  expect(value('taskgate_build_info', { version, node_version: process.versions.node })).toBe(1);
  for (const secret of ['sandbox-key-123', 'soc-bot-key-456', 'sandbox-secmaster-token']) expect(text).not.toContain(secret);
});

/** The value of the sample with exactly these labels (in any order), or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (JSON.stringify(Object.entries(got).sort()) === JSON.stringify(Object.entries(labels).sort())) return Number(m[3]);
  }
  return undefined;
}

test('/readyz reports config, backends, store and circuits; an unusable store makes it 503', async () => {
  const store = new SqliteStore(':memory:');
  gw = await startGated({ store });
  const ready = await fetch(`${gw.url}/readyz`);
  expect(ready.status).toBe(200);
  expect(await ready.json()).toMatchObject({ status: 'ready', checks: { config: 'loaded', backends: ['secmaster'], store: { type: 'sqlite', status: 'ok' }, circuits: expect.any(Object), lastFailures: { secmaster: null } } });
  store.ping = async () => {
    throw new Error('database is locked');
  };
  const unready = await fetch(`${gw.url}/readyz`);
  expect(unready.status).toBe(503);
  const body = await unready.json();
  expect(body).toMatchObject({ status: 'unready', checks: { store: { type: 'sqlite', status: 'unavailable' } } });
  expect(JSON.stringify(body)).not.toContain('locked');
});

test('the circuit gauge reads each backend\'s breaker: 0 closed, 1 half-open, 2 open; none without a breaker', async () => {
  const states: Record<string, string> = { a: 'closed', b: 'half-open', c: 'open' };
  const backends = ['a', 'b', 'c', 'd'].map((name) => ({
    name, transport: {}, ...(states[name] ? { circuit: { state: () => states[name]! } } : {}),
  })) as unknown as Backend[];
  const metrics = new Metrics(() => backends);
  const text = await metrics.registry.metrics();
  expect(['a', 'b', 'c', 'd'].map((backend) => sample(text, 'taskgate_circuit_state', { backend }))).toEqual([0, 1, 2, undefined]);
  states.c = 'closed';
  expect(sample(await metrics.registry.metrics(), 'taskgate_circuit_state', { backend: 'c' })).toBe(0);
});

test('a vendor try that fails (no answer, a timeout, a 5xx) is recorded with its code and time; 2xx and 4xx are not', async () => {
  const failures: VendorFailure[] = [];
  let answer: () => Promise<{ status: number; headers: Record<string, string>; body: string }>;
  const transport = failureRecordingTransport({ describe: () => ({}) as never, send: () => answer() }, (f) => failures.push(f), () => 1_700_000_000_000);
  const request = { method: 'GET', path: '/x' } as never;
  answer = async () => ({ status: 200, headers: {}, body: '' });
  await transport.send(request);
  answer = async () => ({ status: 409, headers: {}, body: '' });
  await transport.send(request);
  expect(failures).toEqual([]);
  answer = async () => ({ status: 503, headers: {}, body: '' });
  expect((await transport.send(request)).status).toBe(503);
  answer = async () => {
    throw new GatewayError('BACKEND_UNAVAILABLE', 'connection refused');
  };
  await expect(transport.send(request)).rejects.toThrow('connection refused');
  expect(failures).toEqual([
    { code: 'BACKEND_ERROR', vendorStatus: 503, at: 1_700_000_000_000 },
    { code: 'BACKEND_UNAVAILABLE', at: 1_700_000_000_000 },
  ]);
  const metrics = new Metrics(() => []);
  metrics.vendorFailed('a', failures[1]!);
  expect(metrics.lastVendorFailure('a')).toEqual(failures[1]);
  expect(metrics.lastVendorFailure('b')).toBeUndefined();
  expect(sample(await metrics.registry.metrics(), 'taskgate_vendor_last_failure_timestamp_seconds', { backend: 'a' })).toBe(1_700_000_000);
});
