// The webhook worker on SQLite: relay to the outbox, signed CloudEvents POSTs, filters, the retry schedule on fake timers.
import { DEFAULT_RETRY_SCHEDULE, DeliveryWorker, nextAttemptMs, type Sender } from '../../src/events/delivery-worker';
import { EventService } from '../../src/events/event-service';
import { WebhookSender } from '../../src/events/webhook-sender';
import type { WebhookConfig } from '../../src/config/load';
import { OutboxStore } from '../../src/store/outbox-store';
import { SqliteStore } from '../../src/store/sqlite-store';
import { change, commit, receiver, SECRET } from './helpers';

const hook = (name: string, url: string, over: Partial<WebhookConfig> = {}): WebhookConfig => ({ name, url, secret: SECRET, backends: ['*'], ...over });

function memoryStore(): SqliteStore {
  const store = new SqliteStore(':memory:');
  store.migrate();
  return store;
}

test('each committed change becomes one signed CloudEvent POST to each webhook it matches; the outbox says delivered', async () => {
  const store = memoryStore();
  const all = await receiver();
  const actionsOfK2 = await receiver();
  const worker = new DeliveryWorker({
    outbox: new OutboxStore(store),
    webhooks: [hook('all', all.url), hook('k2-actions', actionsOfK2.url, { types: ['taskgate.action.'], backends: ['k2'] })],
  });
  try {
    await commit(store, change('t1'), change('t1', { kind: 'updated', changes: ['status'], previous: { status: 'open' } }));
    await commit(store, change('t9', { backend: 'k2', kind: 'action', action: 'approve', result: 'completed', keyName: 'erp', requestId: 'r1', task: undefined }));
    await commit(store, change('t8', { backend: 'k2', kind: 'removed' }));
    await worker.runOnce();
    await worker.idle();
    expect(all.received).toHaveLength(4);
    const events = all.received.map((r) => r.event!);
    expect(events.map((e) => [e.type, e.subject, e.data.sequence])).toEqual([
      ['taskgate.task.created', 't1', 1], ['taskgate.task.updated', 't1', 2], ['taskgate.action.performed', 't9', 3], ['taskgate.task.removed', 't8', 4],
    ]);
    const first = JSON.parse(all.received[0].body);
    expect(first).toMatchObject({ specversion: '1.0', source: 'taskgate/oracle', datacontenttype: 'application/json', data: { backend: 'oracle', taskId: 't1', sequence: 1, task: { id: 't1' } } });
    expect(first.id).toMatch(/^evt_[0-9a-f]{12}_1$/);
    expect(all.received[0].headers['content-type']).toBe('application/cloudevents+json');
    expect(all.received[0].headers['webhook-id']).toBe(first.id);
    expect(JSON.parse(all.received[1].body).data).toMatchObject({ changes: ['status'], previous: { status: 'open' } });
    expect(JSON.parse(all.received[2].body).data).toEqual({ backend: 'k2', taskId: 't9', sequence: 3, action: 'approve', result: 'completed', keyName: 'erp', requestId: 'r1' });
    expect(actionsOfK2.received.map((r) => r.event!.data.sequence)).toEqual([3]);
    const page = await new OutboxStore(store).deliveries({ webhook: 'all', limit: 10 });
    expect(page.items.map((d) => [d.sequence, d.status, d.attempts, d.lastStatus])).toEqual([[4, 'delivered', 1, 204], [3, 'delivered', 1, 204], [2, 'delivered', 1, 204], [1, 'delivered', 1, 204]]);
  } finally {
    await worker.stop();
    await Promise.all([all.close(), actionsOfK2.close(), store.close()]);
  }
});

test('a redirect is not followed and a silent receiver times out: both are failed attempts, retried', async () => {
  const target = await receiver();
  const redirecting = await receiver(() => 302);
  const silent = await receiver(() => 'hang');
  const sender = new WebhookSender(200);
  try {
    const body = '{}';
    const headers = { 'webhook-id': 'evt_1' };
    expect(await sender.send(redirecting.url, { headers, body })).toEqual({ ok: false, status: 302, error: 'redirect (302) not followed' });
    expect(await sender.send(silent.url, { headers, body })).toEqual({ ok: false, error: 'timeout: no answer in time' });
    expect(await sender.send('http://127.0.0.1:1/hook', { headers, body })).toEqual({ ok: false, error: 'ECONNREFUSED' });
    expect(target.received).toHaveLength(0);
  } finally {
    sender.close();
    await Promise.all([target.close(), redirecting.close(), silent.close()]);
  }
});

test('nextAttemptMs: the standard schedule, then none', () => {
  expect(DEFAULT_RETRY_SCHEDULE.map((_, i) => nextAttemptMs(DEFAULT_RETRY_SCHEDULE, i + 1, 0))).toEqual([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
  expect(nextAttemptMs(DEFAULT_RETRY_SCHEDULE, 8, 0)).toBeUndefined();
  expect(nextAttemptMs([], 1, 0)).toBeUndefined();
});

describe('the retry schedule on fake timers', () => {
  const T0 = Date.parse('2026-05-01T00:00:00.000Z');
  // setImmediate stays real: the SQLite store group-commits each write on the next turn.
  beforeEach(() => jest.useFakeTimers({ now: T0, doNotFake: ['setImmediate'] }));
  afterEach(() => jest.useRealTimers());

  /** Advances the fake clock, then lets the store's group commits (real setImmediate turns) and what follows run. */
  async function tick(ms: number) {
    await jest.advanceTimersByTimeAsync(ms);
    for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
  }

  /** A receiver that never answers 2xx (or does from attempt `okFrom` on), recording when each attempt came. */
  function failingSender(okFrom = Infinity) {
    const attempts: { at: number; id: string; timestamp: string }[] = [];
    const sender: Sender = {
      send: async (_url, request) => {
        attempts.push({ at: Date.now(), id: request.headers['webhook-id'], timestamp: request.headers['webhook-timestamp'] });
        return attempts.length >= okFrom ? { ok: true, status: 200 } : { ok: false, status: 503, error: 'HTTP 503' };
      },
    };
    return { sender, attempts };
  }

  test('retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h with the same webhook-id, then failed; a manual retry starts over', async () => {
    const store = memoryStore();
    const { sender, attempts } = failingSender();
    const events = new EventService({ store, config: { retentionHours: 168, retrySchedule: DEFAULT_RETRY_SCHEDULE, webhooks: [hook('erp', 'http://erp.invalid/hook')] }, sender, pollMs: 86_400_000 });
    try {
      await commit(store, change('t1'));
      events.start();
      await tick(0);
      expect(attempts).toHaveLength(1);
      let elapsed = 0;
      for (const [i, delay] of DEFAULT_RETRY_SCHEDULE.entries()) {
        await tick(delay - 1);
        expect(attempts).toHaveLength(i + 1);
        await tick(1);
        expect(attempts).toHaveLength(i + 2);
        elapsed += delay;
        expect(attempts[i + 1].at).toBe(T0 + elapsed);
      }
      expect(new Set(attempts.map((a) => a.id)).size).toBe(1);
      expect(attempts.map((a) => Number(a.timestamp))).toEqual(attempts.map((a) => Math.floor(a.at / 1000)));
      const [failed] = (await events.deliveries('erp', { limit: 5 })).items;
      expect(failed).toMatchObject({ status: 'failed', attempts: 8, lastStatus: 503, lastError: 'HTTP 503' });
      await tick(48 * 3_600_000);
      expect(attempts).toHaveLength(8);

      expect(await events.retry('erp', Number(failed.id))).toBe('retried');
      expect(await events.retry('erp', Number(failed.id))).toBe('not_failed');
      expect(await events.retry('erp', 999)).toBe('not_found');
      await tick(0);
      expect(attempts).toHaveLength(9);
      expect(attempts[8].id).toBe(attempts[0].id);
      await tick(5_000);
      expect(attempts).toHaveLength(10);
      expect((await events.delivery('erp', Number(failed.id)))).toMatchObject({ status: 'pending', attempts: 2 });
    } finally {
      await events.stop();
      await store.close();
    }
  });

  test('events.retrySchedule replaces the schedule; a 2xx on a retry delivers it', async () => {
    const store = memoryStore();
    const { sender, attempts } = failingSender(3);
    const events = new EventService({ store, config: { retentionHours: 168, retrySchedule: [1000, 60_000], webhooks: [hook('erp', 'http://erp.invalid/hook')] }, sender, pollMs: 86_400_000 });
    try {
      await commit(store, change('t1'));
      events.start();
      await tick(0);
      await tick(1000);
      await tick(59_999);
      expect(attempts.map((a) => a.at - T0)).toEqual([0, 1000]);
      await tick(1);
      expect(attempts.map((a) => a.at - T0)).toEqual([0, 1000, 61_000]);
      expect((await events.deliveries('erp', { limit: 5 })).items[0]).toMatchObject({ status: 'delivered', attempts: 3, lastStatus: 200, lastError: 'HTTP 503' });
      const [state] = await events.webhookStates();
      expect(state).toMatchObject({ name: 'erp', url: 'http://erp.invalid/hook', counts: { pending: 0, delivered: 1, failed: 0 }, lastError: { status: 503, error: 'HTTP 503' } });
      expect(JSON.stringify(state)).not.toContain(SECRET.slice(6));
    } finally {
      await events.stop();
      await store.close();
    }
  });
});
