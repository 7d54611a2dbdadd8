// POST /v1/actions/batch (contract section 8): envelope 400 as a whole, each item on its own, order kept, every item audited.
import { GatewayError } from '../../src/core/errors';
import { BATCH_CONCURRENCY_PER_BACKEND } from '../../src/http/action-routes';
import { deferred, SECMASTER_TASK, SECMASTER_TASK_2, startGated, vendorActions, type Gated } from '../helpers/gated';

let gw: Gated;
beforeEach(async () => {
  gw = await startGated();
});
afterEach(() => gw.close());

const batch = (items: unknown, options: { key?: string; headers?: Record<string, string> } = {}) =>
  gw.request('POST', '/v1/actions/batch', { body: items === undefined ? {} : { items }, ...options });

test('a malformed envelope is a 400 for the whole request, and nothing is sent or audited', async () => {
  for (const body of [[], { items: [] }, { items: 'x' }, { items: [1] }, { items: [null] }, { items: [[]] }, { items: [{}], extra: 1 },
    { items: Array.from({ length: 1001 }, () => ({})) }]) {
    const res = await gw.request('POST', '/v1/actions/batch', { body });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('INVALID_REQUEST');
  }
  expect(gw.emulator.calls).toHaveLength(0);
  expect((await gw.request('GET', '/v1/audit')).body.items).toEqual([]);
});

test('each item is answered in order: successes have result, problems status and code; one failure fails no other', async () => {
  const res = await batch([
    { backend: 'secmaster', taskId: SECMASTER_TASK, action: 'approve', comment: 'batch ok' },
    { backend: 'secmaster', taskId: SECMASTER_TASK_2, action: 'approve', colour: 'red' },
    { backend: 'nope', taskId: 't', action: 'approve' },
    { backend: 'secmaster', taskId: SECMASTER_TASK_2, action: 'claim' },
    { taskId: 't', action: 'approve' },
    { backend: 'secmaster', taskId: SECMASTER_TASK_2, action: 'terminate' },
    { backend: 'secmaster', taskId: SECMASTER_TASK_2, action: 'terminate' },
  ], { headers: { 'X-On-Behalf-Of': 'bob' } });
  expect(res.status).toBe(200);
  const r = res.body.results;
  expect(r).toHaveLength(7);
  expect(r[0]).toMatchObject({ backend: 'secmaster', taskId: SECMASTER_TASK, action: 'approve', result: 'applied' });
  expect(r[1]).toMatchObject({ status: 400, code: 'INVALID_REQUEST', backend: 'secmaster', taskId: SECMASTER_TASK_2, action: 'approve' });
  expect(r[2]).toMatchObject({ status: 404, code: 'BACKEND_NOT_FOUND', backend: 'nope' });
  expect(r[3]).toMatchObject({ status: 422, code: 'UNSUPPORTED_ACTION', supportedActions: expect.arrayContaining(['approve']) });
  expect(r[4]).toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
  // The same task twice: one is applied, then the vendor refuses the other (same backend items may run concurrently).
  expect([r[5].result ?? r[5].code, r[6].result ?? r[6].code].sort()).toEqual(['BACKEND_REJECTED', 'applied']);
  for (const problem of r.slice(1, 5)) expect(problem.requestId).toBe(res.headers.get('x-request-id'));

  const audit = (await gw.request('GET', '/v1/audit?limit=100')).body.items;
  expect(audit).toHaveLength(7);
  expect(audit.every((i: any) => i.via === 'batch' && i.onBehalfOf === 'bob' && i.keyName === 'sandbox')).toBe(true);
  expect(audit.map((i: any) => i.result ?? i.errorCode).sort()).toEqual(
    ['BACKEND_NOT_FOUND', 'BACKEND_REJECTED', 'INVALID_REQUEST', 'INVALID_REQUEST', 'UNSUPPORTED_ACTION', 'applied', 'applied']);
});

test('an item for a backend the key may not use is a 403 problem in its place', async () => {
  const res = await gw.request('POST', '/v1/actions/batch', { key: 'soc-bot-key-456', body: { items: [{ backend: 'ibm', taskId: '1', action: 'claim' }] } });
  expect(res.body.results).toEqual([expect.objectContaining({ status: 403, code: 'FORBIDDEN', backend: 'ibm' })]);
});

test('1,000 items are accepted; 1,001 are not', async () => {
  const items = Array.from({ length: 1000 }, (_, i) => ({ backend: 'nope', taskId: `t${i}`, action: 'approve' }));
  const res = await batch(items);
  expect(res.status).toBe(200);
  expect(res.body.results.map((p: any) => p.taskId)).toEqual(items.map((i) => i.taskId));
  expect((await batch([...items, items[0]])).status).toBe(400);
});

test(`at most ${BATCH_CONCURRENCY_PER_BACKEND} items of one backend are in flight at once`, async () => {
  let inFlight = 0;
  let most = 0;
  const release = deferred();
  let arrived = 0;
  const full = deferred();
  gw.intercept = async () => {
    inFlight += 1;
    most = Math.max(most, inFlight);
    arrived += 1;
    if (arrived === BATCH_CONCURRENCY_PER_BACKEND) full.resolve();
    await release.promise;
    inFlight -= 1;
    throw new GatewayError('BACKEND_UNAVAILABLE', 'The vendor cannot be reached (ECONNREFUSED)');
  };
  const pending = batch(Array.from({ length: 30 }, (_, i) => ({ backend: 'secmaster', taskId: `t${i}`, action: 'approve' })));
  await full.promise;
  // Give the batch every chance to start more than it should before letting the held calls go.
  await new Promise((r) => setImmediate(r));
  expect(inFlight).toBe(BATCH_CONCURRENCY_PER_BACKEND);
  release.resolve();
  const res = await pending;
  expect(res.body.results).toHaveLength(30);
  expect(res.body.results.every((p: any) => p.code === 'BACKEND_UNAVAILABLE')).toBe(true);
  expect(most).toBe(BATCH_CONCURRENCY_PER_BACKEND);
  expect(vendorActions(gw.emulator)).toBe(0);
});

test('the batch route takes no Idempotency-Key and no dry-run (400, never silently ignored)', async () => {
  const items = [{ backend: 'secmaster', taskId: SECMASTER_TASK, action: 'approve' }];
  expect((await batch(items, { headers: { 'Idempotency-Key': 'k' } })).status).toBe(400);
  expect((await gw.request('POST', '/v1/actions/batch?dryRun=true', { body: { items } })).status).toBe(400);
  expect(vendorActions(gw.emulator)).toBe(0);
});
