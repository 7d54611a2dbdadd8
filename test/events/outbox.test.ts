// The outbox store on SQLite: retention purge, the relay position of a store that had change records before events.
import { MIGRATIONS } from '../../src/store/migrations';
import { OutboxStore } from '../../src/store/outbox-store';
import { SqliteStore } from '../../src/store/sqlite-store';
import { DeliveryWorker } from '../../src/events/delivery-worker';
import { EventFeed } from '../../src/events/event-feed';
import { PostgresStore } from '../../src/store/postgres-store';
import type { SqlStore } from '../../src/store/sql-store';
import { describePostgres, dropSchemas, freshSchema, POSTGRES_URL } from '../helpers/postgres';
import { change, commit, SECRET } from './helpers';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-06-01T00:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

async function memory(): Promise<SqlStore> {
  const store = new SqliteStore(':memory:');
  store.migrate();
  return store;
}

const purgeTest = (open: () => Promise<SqlStore>) => async () => {
  const store = await open();
  const outbox = new OutboxStore(store);
  let clock = T0 + 200 * HOUR;
  const failing = { send: async () => ({ ok: false, status: 500, error: 'HTTP 500' }) };
  const worker = new DeliveryWorker({
    outbox, sender: failing, retrySchedule: [HOUR], retentionHours: 168, now: () => clock,
    webhooks: [{ name: 'erp', url: 'http://erp.invalid/', secret: SECRET, backends: ['*'], types: ['taskgate.task.created'] }],
  });
  try {
    await commit(store, change('old-1', { time: at(0) }), change('old-2', { time: at(HOUR), kind: 'removed' }));
    await commit(store, change('new-1', { time: at(190 * HOUR), kind: 'removed' }));
    await worker.runOnce();
    await worker.idle();
    // old-1's delivery failed once and is pending; nothing else matched the webhook.
    expect((await outbox.deliveries({ webhook: 'erp', limit: 10 })).items.map((d) => [d.taskId, d.status])).toEqual([['old-1', 'pending']]);
    // The worker purged as it started: the change records of old-1 and old-2 are gone, its pending delivery is not.
    expect(await outbox.purge(clock - 168 * HOUR)).toEqual({ changes: 0, deliveries: 0 });
    const feed = new EventFeed(outbox);
    expect((await feed.page({ after: 0, limit: 10 })).items.map((e) => e.subject)).toEqual(['new-1']);
    // The pending delivery still goes out with its event, though the change record is gone.
    clock += HOUR;
    await worker.runOnce();
    await worker.idle();
    expect((await outbox.deliveries({ webhook: 'erp', limit: 10 })).items.map((d) => [d.taskId, d.status, d.attempts])).toEqual([['old-1', 'failed', 2]]);
    expect(await outbox.purge(clock - 168 * HOUR)).toEqual({ changes: 0, deliveries: 1 });
  } finally {
    await worker.stop();
    await store.close();
  }
};

const PURGE = 'purge: events older than the retention go once relayed; finished deliveries too; pending ones stay; the feed starts at the oldest kept';
test(PURGE, purgeTest(memory));

describePostgres('on PostgreSQL', () => {
  afterAll(() => dropSchemas());
  test(PURGE, purgeTest(async () => {
    const store = new PostgresStore({ url: POSTGRES_URL, schema: freshSchema() });
    await store.init();
    return store;
  }));
});

test('a change record not yet relayed is kept past its retention', async () => {
  const store = new SqliteStore(':memory:');
  store.migrate();
  await commit(store, change('t1', { time: at(0) }));
  expect(await new OutboxStore(store).purge(T0 + 1000 * HOUR)).toEqual({ changes: 0, deliveries: 0 });
  await store.close();
});

test('a store with change records from before events starts relaying after them (old records stay in the feed)', async () => {
  const store = new SqliteStore(':memory:');
  // Migrate to version 2 only, write, then let the events migration run.
  const events = MIGRATIONS.findIndex((m) => m.description.startsWith('change events'));
  const later = MIGRATIONS.splice(events);
  try {
    store.migrate();
    await commit(store, change('t1'), change('t2'));
  } finally {
    MIGRATIONS.push(...later);
  }
  store.migrate();
  const outbox = new OutboxStore(store);
  expect(await outbox.relayed()).toBe(2);
  expect((await new EventFeed(outbox).page({ after: 0, limit: 10 })).items).toHaveLength(2);
  await store.close();
});
