// Two gateways on one PostgreSQL store: one lease per backend (one syncs at a time; a dead holder's lease lapses), one inbox.
import { PostgresStore } from '../../src/store/postgres-store';
import { IndexService } from '../../src/sync/index-service';
import { SyncScheduler, SYNC_DEFAULTS } from '../../src/sync/scheduler';
import { describePostgres, dropSchemas, freshSchema, POSTGRES_URL } from '../helpers/postgres';
import { FakeVendor } from './fake-vendor';

describePostgres('two gateways on one PostgreSQL store', () => {
  afterAll(() => dropSchemas());

  test('of two gateways syncing at once one cycle runs; the other serves the same inbox; a dead holder is replaced after its lease', async () => {
    const schema = freshSchema();
    const stores = [new PostgresStore({ url: POSTGRES_URL, schema }), new PostgresStore({ url: POSTGRES_URL, schema })];
    await Promise.all(stores.map((s) => s.init()));
    let clock = Date.parse('2026-03-01T00:00:00.000Z');
    const now = () => clock;
    const vendor = new FakeVendor('o', 'oracle-bpm', 30);
    const config = { ...SYNC_DEFAULTS, intervalMs: 1000, backends: ['*'] };
    const [a, b] = stores.map((store, i) => new SyncScheduler({ gateway: vendor, store, config, holder: `gw${i}`, leaseTtlMs: 10_000, now }));
    const inboxes = stores.map((store) => new IndexService({ store, backends: vendor.list(), config, now }));
    try {
      const results = await Promise.all([a.runOnce('o'), b.runOnce('o')]);
      expect(results.filter((r) => r?.ok)).toHaveLength(1);
      expect(results.filter((r) => r === undefined)).toHaveLength(1);
      expect(vendor.listCalls).toHaveLength(1);
      const [one, two] = await Promise.all(inboxes.map((i) => i.query(['o'], { limit: 100 })));
      expect(one.items).toHaveLength(30);
      expect(two).toEqual(one);
      expect(two.backends).toEqual([{ name: 'o', vendor: 'oracle-bpm', status: 'ok', syncedAt: new Date(clock).toISOString() }]);

      const holder = results[0] ? a : b;
      const other = holder === a ? b : a;
      // The holder dies (no stop(), no renewal): the other waits out the lease, then syncs.
      clock += 9_999;
      expect(await other.runOnce('o')).toBeUndefined();
      clock += 1;
      expect(await other.runOnce('o')).toMatchObject({ ok: true });
      expect(await holder.runOnce('o')).toBeUndefined();
    } finally {
      await a.stop();
      await b.stop();
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});
