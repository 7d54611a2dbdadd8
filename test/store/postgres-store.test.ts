// The shared store suite over PostgreSQL, plus what only a shared server shows: instances racing on one key or one migration.
import { openStore } from '../../src/store/open';
import { PostgresStore } from '../../src/store/postgres-store';
import { describePostgres, dropSchemas, freshSchema, POSTGRES_URL } from '../helpers/postgres';
import { indexSuite } from './index-suite';
import { storeSuite } from './store-suite';

describePostgres('postgres store', () => {
  afterAll(() => dropSchemas());

  describe('shared suite', () => {
    storeSuite(() => openStore({ type: 'postgres', url: POSTGRES_URL, schema: freshSchema() }));
  });

  describe('task index', () => {
    indexSuite(() => openStore({ type: 'postgres', url: POSTGRES_URL, schema: freshSchema() }));
  });

  test('several instances starting together migrate once, and of their simultaneous claims exactly one wins', async () => {
    const schema = freshSchema();
    const stores = Array.from({ length: 4 }, () => new PostgresStore({ url: POSTGRES_URL, schema }));
    try {
      await Promise.all(stores.map((s) => s.init()));
      const input = { scope: 'erp', key: 'same-key', fingerprint: 'fp', nowMs: Date.now(), ttlMs: 60_000 };
      const results = await Promise.all(stores.flatMap((s) => [s.claimIdempotencyKey(input), s.claimIdempotencyKey(input)]));
      expect(results.filter((r) => r.outcome === 'claimed')).toHaveLength(1);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  test('an unreachable server fails startup with a clear error', async () => {
    await expect(openStore({ type: 'postgres', url: 'postgres://postgres@127.0.0.1:1/test' })).rejects.toThrow(/ECONNREFUSED|connect/);
  });
});
