// Two gateways on one PostgreSQL store: every event delivered once to a receiver answering 200, and one feed.
import { EventService } from '../../src/events/event-service';
import { PostgresStore } from '../../src/store/postgres-store';
import { describePostgres, dropSchemas, freshSchema, POSTGRES_URL } from '../helpers/postgres';
import { change, commit, receiver, SECRET } from './helpers';

describePostgres('change events on two gateways sharing PostgreSQL', () => {
  afterAll(() => dropSchemas());

  test('each event is delivered once (claims skip locked rows), whichever gateway committed it; both serve the same feed', async () => {
    const schema = freshSchema();
    const stores = [new PostgresStore({ url: POSTGRES_URL, schema }), new PostgresStore({ url: POSTGRES_URL, schema })];
    await Promise.all(stores.map((s) => s.init()));
    const hook = await receiver(() => 200);
    const config = { retentionHours: 168, retrySchedule: [1000], webhooks: [{ name: 'erp', url: hook.url, secret: SECRET, backends: ['*'] }] };
    const gateways = stores.map((store, i) => new EventService({ store, config, holder: `gw${i}`, pollMs: 20 }));
    const TOTAL = 120;
    try {
      gateways.forEach((g) => g.start());
      // Both gateways commit changes at once, in small transactions, and both relay and deliver.
      await Promise.all(stores.map(async (store, i) => {
        for (let n = 0; n < TOTAL / 2; n += 3) {
          await commit(store, ...[0, 1, 2].map((k) => change(`g${i}-${n + k}`, { backend: i ? 'k2' : 'oracle' })));
          gateways[i].changed();
        }
      }));
      await hook.until(TOTAL);
      await Promise.all(gateways.map((g) => g.worker.runOnce()));
      await Promise.all(gateways.map((g) => g.worker.idle()));
      const ids = hook.received.map((r) => r.headers['webhook-id']);
      expect(hook.received.every((r) => r.event !== undefined)).toBe(true);
      expect(new Set(ids).size).toBe(TOTAL);
      expect(ids).toHaveLength(TOTAL);
      expect(new Set(hook.received.map((r) => r.event!.data.sequence))).toEqual(new Set(Array.from({ length: TOTAL }, (_, i) => i + 1)));
      const [a, b] = await Promise.all(gateways.map((g) => g.webhookStates()));
      expect(a[0].counts).toEqual({ pending: 0, delivered: TOTAL, failed: 0 });
      expect(b).toEqual(a);
      const pages = await Promise.all(gateways.map((g) => g.feed.page({ after: 0, limit: 500 })));
      expect(pages[0].items.map((e) => e.id)).toEqual(pages[1].items.map((e) => e.id));
      expect(pages[0].items.map((e) => e.data.sequence)).toEqual(Array.from({ length: TOTAL }, (_, i) => i + 1));
    } finally {
      await Promise.all(gateways.map((g) => g.stop()));
      await hook.close();
      await Promise.all(stores.map((s) => s.close()));
    }
  }, 60_000);

  test('a claim is held for its lease: another gateway does not take it until it lapses', async () => {
    const schema = freshSchema();
    const stores = [new PostgresStore({ url: POSTGRES_URL, schema }), new PostgresStore({ url: POSTGRES_URL, schema })];
    await Promise.all(stores.map((s) => s.init()));
    const gateways = stores.map((store) => new EventService({ store, config: { retentionHours: 168, retrySchedule: [], webhooks: [{ name: 'erp', url: 'http://127.0.0.1:1/', secret: SECRET, backends: ['*'] }] } }));
    try {
      await commit(stores[0], change('t1'), change('t2'));
      await gateways[0].outbox.addDeliveries([1, 2].map((sequence) => ({
        webhook: 'erp', sequence, eventId: `evt_x_${sequence}`, eventType: 'taskgate.task.created', backend: 'oracle', taskId: `t${sequence}`, payload: '{}', createdMs: 0,
      })), 2);
      const now = Date.now();
      const [one, two] = await Promise.all([gateways[0].outbox.claim('a', ['erp'], now, 30_000, 1), gateways[1].outbox.claim('b', ['erp'], now, 30_000, 1)]);
      expect([...one, ...two]).toHaveLength(2);
      expect(new Set([...one, ...two].map((d) => d.id)).size).toBe(2);
      expect(await gateways[1].outbox.claim('b', ['erp'], now + 29_999, 30_000, 10)).toEqual([]);
      const lapsed = await gateways[1].outbox.claim('b', ['erp'], now + 30_000, 30_000, 10);
      expect(lapsed.map((d) => d.eventId).sort()).toEqual(['evt_x_1', 'evt_x_2']);
      // The first holder's late outcome is not recorded over the new claim.
      expect(await gateways[0].outbox.markDelivered(one[0].id, 'a', now + 30_001, 200)).toBe(false);
      expect(await gateways[1].outbox.markDelivered(one[0].id, 'b', now + 30_001, 200)).toBe(true);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});
