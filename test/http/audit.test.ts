// The audit trail (contract section 8): every action attempt recorded before the answer, read back by keys with the audit scope.
import type http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteStore } from '../../src/store/sqlite-store';
import { SECMASTER_TASK, SECMASTER_TASK_2, startGated, vendorActions, type Gated } from '../helpers/gated';

const ACTIONS = `/v1/backends/secmaster/tasks/${SECMASTER_TASK}/actions`;
const ACTIONS_2 = `/v1/backends/secmaster/tasks/${SECMASTER_TASK_2}/actions`;

describe('audit', () => {
  let gw: Gated;
  beforeEach(async () => {
    gw = await startGated();
  });
  afterEach(() => gw.close());

  test('an action attempt is recorded with who, for whom, what, the outcome and the vendor status', async () => {
    const res = await gw.request('POST', ACTIONS, {
      body: { action: 'approve', comment: 'Verified' }, headers: { 'X-On-Behalf-Of': 'alice@example.com', 'X-Request-Id': 'req-audit-1' },
    });
    expect(res.status).toBe(200);
    const audit = await gw.request('GET', '/v1/audit');
    expect(audit.status).toBe(200);
    expect(audit.body.items).toEqual([{
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), requestId: 'req-audit-1', keyName: 'sandbox', onBehalfOf: 'alice@example.com',
      backend: 'secmaster', taskId: SECMASTER_TASK, action: 'approve', parameters: { comment: 'Verified' }, result: 'applied', vendorStatus: 200, via: 'rest',
      durationMs: expect.any(Number),
    }]);
    expect(audit.body.nextCursor).toBeUndefined();
  });

  test('refusals are recorded too: the vendor\'s, the capability check\'s and a bad body\'s; dry-runs are not', async () => {
    await gw.request('POST', ACTIONS, { body: { action: 'approve' } });
    await gw.request('POST', ACTIONS, { body: { action: 'approve' } }); // the vendor refuses: already finished
    await gw.request('POST', ACTIONS, { body: { action: 'claim' } });
    await gw.request('POST', ACTIONS, { body: { action: 'approve', bogus: true } });
    await gw.request('POST', `${ACTIONS}?dryRun=true`, { body: { action: 'approve' } });
    const { body } = await gw.request('GET', '/v1/audit');
    expect(body.items.map((i: any) => [i.action, i.result ?? i.errorCode, i.vendorStatus])).toEqual([
      ['approve', 'INVALID_REQUEST', undefined],
      ['claim', 'UNSUPPORTED_ACTION', undefined],
      ['approve', 'BACKEND_REJECTED', 400],
      ['approve', 'applied', 200],
    ]);
    expect(body.items[0].parameters).toEqual({ bogus: true });
  });

  test('credentials never reach the audit trail', async () => {
    await gw.request('POST', ACTIONS, {
      body: { action: 'approve', comment: 'token sandbox-secmaster-token and key sandbox-key-123' }, headers: { 'X-On-Behalf-Of': 'sandbox-key-123' },
    });
    const { body } = await gw.request('GET', '/v1/audit');
    expect(JSON.stringify(body)).not.toMatch(/sandbox-secmaster-token|sandbox-key-123/);
    expect(body.items[0].parameters.comment).toBe('token *** and key ***');
  });

  test('filters, newest first, and a cursor through every page', async () => {
    await gw.request('POST', ACTIONS, { body: { action: 'add_comment', comment: 'one' } });
    await gw.request('POST', ACTIONS_2, { body: { action: 'add_comment', comment: 'two' } });
    await gw.request('POST', ACTIONS, { body: { action: 'add_comment', comment: 'three' } });
    const comments = (items: any[]) => items.map((i) => i.parameters.comment);
    expect(comments((await gw.request('GET', '/v1/audit')).body.items)).toEqual(['three', 'two', 'one']);
    expect(comments((await gw.request('GET', `/v1/audit?taskId=${SECMASTER_TASK}&backend=secmaster`)).body.items)).toEqual(['three', 'one']);
    const first = await gw.request('GET', '/v1/audit?limit=2');
    expect(comments(first.body.items)).toEqual(['three', 'two']);
    const second = await gw.request('GET', `/v1/audit?limit=2&cursor=${first.body.nextCursor}`);
    expect(comments(second.body.items)).toEqual(['one']);
    expect(second.body.nextCursor).toBeUndefined();
    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await gw.request('GET', `/v1/audit?from=${future}`)).body.items).toEqual([]);
    expect((await gw.request('GET', `/v1/audit?to=${future}`)).body.items).toHaveLength(3);
  });

  test('403 without the audit scope; 400 for a bad query', async () => {
    const forbidden = await gw.request('GET', '/v1/audit', { key: 'soc-bot-key-456' });
    expect(forbidden).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    for (const q of ['limit=0', 'limit=501', 'from=yesterday', 'colour=red', 'cursor=not*a*cursor', 'cursor=bm9wZQ']) {
      const res = await gw.request('GET', `/v1/audit?${q}`);
      expect([q, res.status, res.body.code]).toEqual([q, 400, 'INVALID_REQUEST']);
    }
  });
});

test('a crash between the vendor answer and the response still leaves the audit row', async () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-crash-')), 'audit.db');
  // The response write fails: the connection is torn down instead of answering, as if the process died there.
  const crashOnWrite = (app: http.RequestListener): http.RequestListener => (req, res) => {
    res.write = () => {
      res.destroy();
      return false;
    };
    res.end = (() => {
      res.destroy();
      return res;
    }) as typeof res.end;
    app(req, res);
  };
  const gw = await startGated({ store: new SqliteStore(file), wrap: crashOnWrite });
  try {
    await expect(gw.request('POST', ACTIONS, { body: { action: 'approve' }, headers: { 'X-Request-Id': 'crashed-1' } })).rejects.toThrow();
    expect(vendorActions(gw.emulator)).toBe(1);
  } finally {
    await gw.close();
  }
  // Read the file afresh, as the restarted gateway would.
  const reopened = new SqliteStore(file);
  await reopened.init();
  const { items } = await reopened.queryAudit({ limit: 10 });
  await reopened.close();
  expect(items).toEqual([expect.objectContaining({ requestId: 'crashed-1', action: 'approve', result: 'applied', vendorStatus: 200 })]);
});

test('when the audit row cannot be written the answer is a 500 that says the action may have been applied', async () => {
  const store = new SqliteStore(':memory:');
  store.recordAudit = async () => {
    throw new Error('disk full');
  };
  const gw = await startGated({ store });
  try {
    const res = await gw.request('POST', ACTIONS, { body: { action: 'approve' }, headers: { 'Idempotency-Key': 'audit-fails' } });
    expect(res.status).toBe(500);
    expect(res.body).toMatchObject({ code: 'INTERNAL_ERROR', detail: expect.stringMatching(/audit trail could not be written; the action was applied/) });
    expect(JSON.stringify(res.body)).not.toMatch(/disk full/);
    expect(gw.logs.map((l) => JSON.parse(l))).toContainEqual(expect.objectContaining({ message: 'audit write failed', error: 'disk full' }));
    // The outcome is still kept for the key, so a retry does not apply it twice.
    const stored = await store.claimIdempotencyKey({ scope: 'sandbox', key: 'audit-fails', fingerprint: 'other', nowMs: Date.now(), ttlMs: 1000 });
    expect(stored.outcome).toBe('mismatch');
    const retry = await gw.request('POST', ACTIONS, { body: { action: 'approve' }, headers: { 'Idempotency-Key': 'audit-fails' } });
    expect(retry.status).toBe(500); // the replay cannot be audited either
    expect(vendorActions(gw.emulator)).toBe(1);
  } finally {
    await gw.close();
  }
});
