// Idempotency-Key on the action route (contract sections 4 and 8): replay, reuse, in-flight duplicates, what is stored.
import { GatewayError } from '../../src/core/errors';
import { fingerprint, IDEMPOTENCY_TTL_MS } from '../../src/core/action-service';
import { deferred, SECMASTER_TASK, SECMASTER_TASK_2, startGated, vendorActions, type Gated } from '../helpers/gated';

const ACTIONS = `/v1/backends/secmaster/tasks/${SECMASTER_TASK}/actions`;
const ACTIONS_2 = `/v1/backends/secmaster/tasks/${SECMASTER_TASK_2}/actions`;
const key = (k: string) => ({ 'Idempotency-Key': k });

let gw: Gated;
beforeEach(async () => {
  gw = await startGated();
});
afterEach(() => gw.close());

test('the same key and body replays the first answer, marked, without a second vendor call', async () => {
  const first = await gw.request('POST', ACTIONS, { body: { action: 'approve', comment: 'ok' }, headers: key('approve-1') });
  expect(first.status).toBe(200);
  expect(first.headers.get('idempotent-replayed')).toBeNull();
  const calls = vendorActions(gw.emulator);
  expect(calls).toBe(2); // ADD_COMMENT then CONTINUE
  // Same body with its keys in another order: the same request.
  const again = await gw.request('POST', ACTIONS, { body: { comment: 'ok', action: 'approve' }, headers: key('approve-1') });
  expect(again.status).toBe(200);
  expect(again.headers.get('idempotent-replayed')).toBe('true');
  expect(again.body).toEqual(first.body);
  expect(vendorActions(gw.emulator)).toBe(calls);
  // Both attempts are audited; the replay says so and has no vendor status of its own.
  const audit = (await gw.request('GET', '/v1/audit')).body.items;
  expect(audit.map((i: any) => [i.result, i.replayed, i.vendorStatus])).toEqual([['applied', true, undefined], ['applied', undefined, 200]]);
});

test('the same key with another body (or another task) is 422 IDEMPOTENCY_KEY_REUSED, and nothing is sent', async () => {
  await gw.request('POST', ACTIONS, { body: { action: 'approve' }, headers: key('k-reuse') });
  const calls = vendorActions(gw.emulator);
  const other = await gw.request('POST', ACTIONS, { body: { action: 'reject' }, headers: key('k-reuse') });
  expect(other.status).toBe(422);
  expect(other.body).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', status: 422 });
  const otherTask = await gw.request('POST', ACTIONS_2, { body: { action: 'approve' }, headers: key('k-reuse') });
  expect(otherTask.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
  expect(vendorActions(gw.emulator)).toBe(calls);
});

test('keys are scoped to the API key that sent them', async () => {
  await gw.request('POST', ACTIONS, { body: { action: 'approve' }, headers: key('shared-name') });
  const calls = vendorActions(gw.emulator);
  // Another caller's identical key is its own: it reaches the vendor (which refuses, the task being finished).
  const other = await gw.request('POST', ACTIONS, { body: { action: 'approve' }, headers: key('shared-name'), key: 'soc-bot-key-456' });
  expect(other.headers.get('idempotent-replayed')).toBeNull();
  expect(other.body.code).toBe('BACKEND_REJECTED');
  expect(vendorActions(gw.emulator)).toBe(calls + 1);
});

test('a duplicate while the first is still running is 409 IDEMPOTENCY_KEY_IN_USE with Retry-After, never CONFLICT; afterwards it replays', async () => {
  const hold = deferred();
  const reached = deferred();
  gw.intercept = async (_req, pass) => {
    reached.resolve();
    await hold.promise;
    return pass();
  };
  const first = gw.request('POST', ACTIONS_2, { body: { action: 'terminate' }, headers: key('slow') });
  await reached.promise;
  const duplicate = await gw.request('POST', ACTIONS_2, { body: { action: 'terminate' }, headers: key('slow') });
  expect(duplicate.status).toBe(409);
  expect(duplicate.body).toMatchObject({ code: 'IDEMPOTENCY_KEY_IN_USE', detail: expect.stringMatching(/still running/) });
  expect(duplicate.headers.get('retry-after')).toBe('1');
  hold.resolve();
  expect((await first).status).toBe(200);
  const later = await gw.request('POST', ACTIONS_2, { body: { action: 'terminate' }, headers: key('slow') });
  expect(later.status).toBe(200);
  expect(later.headers.get('idempotent-replayed')).toBe('true');
  expect(vendorActions(gw.emulator)).toBe(1);
});

test('once the vendor call started, any answer is stored: a vendor refusal and a 504 replay as they were', async () => {
  await gw.request('POST', ACTIONS, { body: { action: 'approve' } });
  const refused = await gw.request('POST', ACTIONS, { body: { action: 'approve' }, headers: key('refused') });
  expect(refused.body.code).toBe('BACKEND_REJECTED');
  const calls = vendorActions(gw.emulator);
  const replay = await gw.request('POST', ACTIONS, { body: { action: 'approve' }, headers: key('refused') });
  expect(replay).toMatchObject({ status: 422, body: refused.body });
  expect(replay.headers.get('idempotent-replayed')).toBe('true');
  expect(vendorActions(gw.emulator)).toBe(calls);

  let sent = 0;
  gw.intercept = async () => {
    sent += 1;
    throw new GatewayError('BACKEND_TIMEOUT', 'The vendor did not answer within 10 ms');
  };
  const timeout = await gw.request('POST', ACTIONS_2, { body: { action: 'terminate' }, headers: key('timeout') });
  expect(timeout.status).toBe(504);
  const timeoutReplay = await gw.request('POST', ACTIONS_2, { body: { action: 'terminate' }, headers: key('timeout') });
  expect(timeoutReplay.status).toBe(504);
  expect(timeoutReplay.headers.get('idempotent-replayed')).toBe('true');
  expect(sent).toBe(1);
});

test('answers decided before any vendor call are not stored: the key can be used again', async () => {
  const invalid = await gw.request('POST', ACTIONS_2, { body: { action: 'approve', bogus: 1 }, headers: key('early') });
  expect(invalid.status).toBe(400);
  const unsupported = await gw.request('POST', ACTIONS_2, { body: { action: 'claim' }, headers: key('early-2') });
  expect(unsupported.status).toBe(422);
  const again = await gw.request('POST', ACTIONS_2, { body: { action: 'claim' }, headers: key('early-2') });
  expect(again.headers.get('idempotent-replayed')).toBeNull();
  // A vendor that cannot be reached (nothing was sent, as the transport marks a refused connection) is not stored either.
  gw.intercept = async () => {
    throw new GatewayError('BACKEND_UNAVAILABLE', 'The vendor cannot be reached (ECONNREFUSED)').unsent();
  };
  expect((await gw.request('POST', ACTIONS_2, { body: { action: 'approve' }, headers: key('early') })).status).toBe(503);
  gw.intercept = (_req, pass) => pass();
  const applied = await gw.request('POST', ACTIONS_2, { body: { action: 'approve' }, headers: key('early') });
  expect(applied.status).toBe(200);
  expect(applied.headers.get('idempotent-replayed')).toBeNull();
});

test('an Idempotency-Key must be 1-255 printable ASCII characters', async () => {
  for (const bad of ['x'.repeat(256), 'naïve']) {
    const res = await gw.request('POST', ACTIONS, { body: { action: 'approve' }, headers: key(bad) });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('INVALID_REQUEST');
  }
  expect(vendorActions(gw.emulator)).toBe(0);
  expect((await gw.request('POST', ACTIONS, { body: { action: 'approve' }, headers: key('x'.repeat(255)) })).status).toBe(200);
});

test('dry-run ignores the key and sends nothing', async () => {
  const dry = await gw.request('POST', `${ACTIONS}?dryRun=true`, { body: { action: 'approve' }, headers: key('dry') });
  expect(dry.body.dryRun).toBe(true);
  expect((await gw.request('POST', ACTIONS, { body: { action: 'approve' }, headers: key('dry') })).headers.get('idempotent-replayed')).toBeNull();
});

test('a key whose first request was cut off by a crash is 409 IDEMPOTENCY_KEY_IN_USE saying the outcome is unknown', async () => {
  const body = { action: 'terminate' };
  // What a crash leaves behind: a claim never completed, started 16 minutes ago by this caller.
  const startedMs = Date.now() - 16 * 60_000;
  const claim = await gw.store.claimIdempotencyKey({
    scope: 'sandbox', key: 'crashed', fingerprint: fingerprint('secmaster', SECMASTER_TASK_2, {}, body), nowMs: startedMs, ttlMs: IDEMPOTENCY_TTL_MS,
  });
  expect(claim.outcome).toBe('claimed');
  const calls = vendorActions(gw.emulator);
  const res = await gw.request('POST', ACTIONS_2, { body, headers: key('crashed') });
  expect(res.status).toBe(409);
  expect(res.body).toMatchObject({ code: 'IDEMPOTENCY_KEY_IN_USE', detail: expect.stringMatching(/outcome is unknown/) });
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(3600);
  expect(vendorActions(gw.emulator)).toBe(calls);
});
