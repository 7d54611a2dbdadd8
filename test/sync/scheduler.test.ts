// The sync scheduler on fake timers: cycles every interval, full passes, back-off, the sync route's full pass, leases.
import { once } from 'node:events';
import { SqliteStore } from '../../src/store/sqlite-store';
import type { CycleResult } from '../../src/sync/cycle';
import { SyncScheduler, SYNC_DEFAULTS, type SyncConfig } from '../../src/sync/scheduler';
import { task } from '../store/index-suite';
import { FakeVendor } from './fake-vendor';

const INTERVAL = 1000;
let store: SqliteStore;

beforeEach(() => {
  jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'], now: Date.parse('2026-03-01T00:00:00.000Z') });
  store = new SqliteStore(':memory:');
  store.migrate();
});
afterEach(async () => {
  jest.useRealTimers();
  await store.close();
});

function scheduler(vendor: FakeVendor, config: Partial<SyncConfig> = {}, holder = 'g1') {
  const s = new SyncScheduler({ gateway: vendor, store, config: { ...SYNC_DEFAULTS, intervalMs: INTERVAL, backends: ['*'], ...config }, holder });
  const results: CycleResult[] = [];
  s.on('cycle', (r: CycleResult) => results.push(r));
  return { s, results };
}

/** Lets the store's group commits (each waits for a real setImmediate turn) and what follows them finish. */
async function settle() {
  for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Advances the fake clock by `ms` in steps, letting every cycle that became due finish before the next step. */
async function advance(ms: number) {
  await settle();
  const step = INTERVAL / 5;
  let done = 0;
  do {
    await jest.advanceTimersByTimeAsync(Math.min(step, ms - done));
    await settle();
    done += step;
  } while (done < ms);
}

test('the first cycle starts at once, then one every interval; a full pass every fullPassEvery cycles, early stops between', async () => {
  const vendor = new FakeVendor('s', 'huawei-secmaster', 250);
  const { s, results } = scheduler(vendor, { fullPassEvery: 3 });
  s.start();
  await advance(0);
  expect(results).toHaveLength(1);
  await advance(INTERVAL * 4);
  expect(results.map((r) => [r.full, r.complete, r.vendorCalls])).toEqual([
    [true, true, 3], [false, false, 1], [false, false, 1], [true, true, 3], [false, false, 1],
  ]);
  await s.stop();
  await advance(INTERVAL * 5);
  expect(results).toHaveLength(5);
});

test('a vendor without update-time order gets a full pass every cycle', async () => {
  const vendor = new FakeVendor('o', 'oracle-bpm', 150);
  const { s, results } = scheduler(vendor);
  s.start();
  await advance(INTERVAL * 2);
  expect(results.map((r) => [r.complete, r.vendorCalls])).toEqual([[true, 2], [true, 2], [true, 2]]);
  await s.stop();
});

test('failed cycles back off (2, 4, 8 intervals); the next good one returns to the interval', async () => {
  const vendor = new FakeVendor('o', 'oracle-bpm', 3);
  const { s, results } = scheduler(vendor);
  vendor.failing = true;
  s.start();
  await advance(0);
  expect(results.map((r) => r.ok)).toEqual([false]);
  await advance(2 * INTERVAL - 1);
  expect(results).toHaveLength(1);
  await advance(1);
  expect(results).toHaveLength(2);
  await advance(4 * INTERVAL - 1);
  expect(results).toHaveLength(2);
  vendor.failing = false;
  await advance(1);
  expect(results.map((r) => r.ok)).toEqual([false, false, true]);
  await advance(INTERVAL);
  expect(results).toHaveLength(4);
  expect((await store.syncStates())[0]).toMatchObject({ status: 'ok', failures: 0, cycles: 4 });
  await s.stop();
});

test('POST .../sync (trigger) runs a full pass at once, even with intervalMs 0, and nothing runs by itself', async () => {
  const vendor = new FakeVendor('s', 'huawei-secmaster', 120);
  const { s, results } = scheduler(vendor, { intervalMs: 0 });
  s.start();
  await advance(60_000);
  expect(results).toHaveLength(0);
  const ran = once(s, 'cycle');
  await s.trigger('s');
  await ran;
  expect(results.map((r) => [r.full, r.complete])).toEqual([[true, true]]);
  // The second trigger is a full pass too, though the first cycle already counted.
  vendor.put(task('new', { backend: 's', updatedAt: '2020-01-01T00:00:00.000Z' }));
  const again = once(s, 'cycle');
  await s.trigger('s');
  await again;
  expect(results[1]).toMatchObject({ full: true, complete: true, changes: 1 });
  expect((await store.syncStates())[0].fullRequested).toBe(false);
  await advance(60_000);
  expect(results).toHaveLength(2);
  await s.stop();
});

test('a trigger during a running cycle runs a full pass right after it', async () => {
  const vendor = new FakeVendor('s', 'huawei-secmaster', 5);
  const { s, results } = scheduler(vendor, { fullPassEvery: 100 });
  await s.runOnce('s');
  let release!: () => void;
  vendor.gate = new Promise((r) => (release = r));
  const first = s.runOnce('s');
  await advance(0);
  await s.trigger('s');
  const followUp = new Promise((r) => s.on('cycle', () => results.length === 3 && r(undefined)));
  release();
  await first;
  await advance(0);
  await followUp;
  expect(results.map((r) => r.full)).toEqual([true, false, true]);
  await s.stop();
});

test('only the lease holder syncs; a holder that stops renewing loses the lease once it expires; stop() hands it over', async () => {
  const vendor = new FakeVendor('o', 'oracle-bpm', 2);
  const a = new SyncScheduler({ gateway: vendor, store, config: { ...SYNC_DEFAULTS, intervalMs: INTERVAL, backends: ['o'] }, holder: 'a', leaseTtlMs: 5000 });
  const b = new SyncScheduler({ gateway: vendor, store, config: { ...SYNC_DEFAULTS, intervalMs: INTERVAL, backends: ['o'] }, holder: 'b', leaseTtlMs: 5000 });
  const skipped: string[] = [];
  b.on('skipped', ({ backend }) => skipped.push(backend));
  expect(await a.runOnce('o')).toMatchObject({ ok: true });
  expect(await b.runOnce('o')).toBeUndefined();
  expect(skipped).toEqual(['o']);
  // a "dies": no more renewals. Within the lease b still waits; after it, b takes over.
  await advance(4999);
  expect(await b.runOnce('o')).toBeUndefined();
  await advance(1);
  expect(await b.runOnce('o')).toMatchObject({ ok: true });
  expect(await a.runOnce('o')).toBeUndefined();
  await b.stop();
  expect(await a.runOnce('o')).toMatchObject({ ok: true });
  await a.stop();
});

test('K2 (no read outside the worklist): a task that left the worklist is removed without a re-read', async () => {
  const vendor = new FakeVendor('k', 'k2', 3);
  const { s } = scheduler(vendor);
  await s.runOnce('k');
  vendor.tasks.delete('t0001');
  expect(await s.runOnce('k')).toMatchObject({ ok: true, vendorCalls: 1, changes: 1 });
  expect(vendor.getCalls).toEqual([]);
  expect((await store.listChanges(3, 10)).map((c) => [c.kind, c.taskId])).toEqual([['removed', 't0001']]);
});
