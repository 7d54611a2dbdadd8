// On a PostgreSQL store every instance draws from one token bucket per key (contract section 8); a failing database
// falls back to this instance's own buckets.
import { Pool } from 'pg';
import { GatewayError } from '../../src/core/errors';
import type { ApiKeyConfig } from '../../src/config/load';
import { PostgresRateLimiter, RATE_LIMIT_TABLE } from '../../src/http/rate-limit';
import { describePostgres, dropSchemas, freshSchema, POSTGRES_URL } from '../helpers/postgres';
import { startStack, type Stack } from '../helpers/stack';

const key = (name: string, perMinute?: number): ApiKeyConfig => ({ name, key: `${name}-key-123456`, backends: ['*'], scopes: [], ...(perMinute ? { rateLimit: { perMinute } } : {}) });

/** Outcome of one take: 'ok', or the Retry-After of its 429. */
const outcome = (take: Promise<void>) => take.then(() => 'ok', (error: GatewayError) => {
  expect(error.code).toBe('RATE_LIMITED');
  return error.context.retryAfter as number;
});

describePostgres('two gateways on one PostgreSQL store', () => {
  const stacks: Stack[] = [];
  beforeAll(async () => {
    const schema = freshSchema();
    for (let i = 0; i < 2; i++) {
      stacks.push(await startStack((config) => {
        config.store = { type: 'postgres', url: POSTGRES_URL, schema };
        config.auth.apiKeys.find((k) => k.name === 'soc-bot')!.rateLimit = { perMinute: 5 };
      }));
    }
  }, 30_000);
  afterAll(async () => {
    for (const stack of stacks) await stack.close();
    await dropSchemas();
  });

  test('a key limited to 5 a minute gets exactly 5 of 8 requests alternating between them; the rest 429 with Retry-After', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await stacks[i % 2]!.request('GET', '/v1/backends', { key: 'soc-bot-key-456' });
      statuses.push(res.status);
      // One token every 12 s: the next one is 12 s away at most.
      if (res.status === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      if (res.status === 429) expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(12);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    // A key without a limit is unaffected on either.
    for (const stack of stacks) expect((await stack.request('GET', '/v1/backends')).status).toBe(200);
  });
});

describePostgres('the PostgreSQL bucket', () => {
  let pools: Pool[];
  beforeAll(() => {
    const schema = freshSchema();
    const options = `-c search_path=${schema}`;
    pools = [new Pool({ connectionString: POSTGRES_URL, options, max: 5 }), new Pool({ connectionString: POSTGRES_URL, options, max: 5 })];
    return pools[0]!.query(`CREATE SCHEMA "${schema}"`);
  });
  afterAll(async () => {
    for (const pool of pools) await pool.end();
    await dropSchemas();
  });

  test('concurrent takes from two limiters never grant more than the bucket holds; keys are separate', async () => {
    const keys = [key('a', 10), key('b', 3), key('free')];
    const limiters = pools.map((pool) => new PostgresRateLimiter(pool, keys));
    const takes = await Promise.all(Array.from({ length: 24 }, (_, i) => outcome(limiters[i % 2]!.take('a'))));
    expect(takes.filter((t) => t === 'ok')).toHaveLength(10);
    // 10 a minute: one token every 6 s.
    for (const t of takes.filter((t) => t !== 'ok')) expect([1, 2, 3, 4, 5, 6]).toContain(t);
    const b: unknown[] = [];
    for (const i of [0, 1, 0, 1]) b.push(await outcome(limiters[i]!.take('b')));
    // 3 a minute: one token every 20 s.
    expect(b).toEqual(['ok', 'ok', 'ok', 20]);
    for (let i = 0; i < 20; i++) await limiters[i % 2]!.take('free');
    const { rows } = await pools[0]!.query(`SELECT key_name FROM ${RATE_LIMIT_TABLE} ORDER BY key_name`);
    expect(rows.map((r) => r.key_name)).toEqual(['a', 'b']);
  });

  test('the bucket refills continuously: a token taken back in time is there again', async () => {
    const limiter = new PostgresRateLimiter(pools[0]!, [key('c', 60)]);
    for (let i = 0; i < 60; i++) await limiter.take('c');
    expect(await outcome(limiter.take('c'))).toBe(1);
    // Emptied half a minute ago, as the database's clock sees it: 30 tokens came back since.
    await pools[1]!.query(`UPDATE ${RATE_LIMIT_TABLE} SET tokens = 0, at_ms = EXTRACT(EPOCH FROM clock_timestamp()) * 1000 - 30000 WHERE key_name = 'c'`);
    const takes = await Promise.all(Array.from({ length: 32 }, () => outcome(limiter.take('c'))));
    expect(takes.filter((t) => t === 'ok').length).toBeGreaterThanOrEqual(30);
    expect(takes.filter((t) => t === 'ok').length).toBeLessThanOrEqual(31);
  });
});

test('while the database fails, each instance limits on its own, and says so', async () => {
  const errors: string[] = [];
  const broken = { query: async () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432')) };
  const limiter = new PostgresRateLimiter(broken, [key('a', 2)], (error) => errors.push(error.message));
  expect(await Promise.all([1, 2, 3].map(() => outcome(limiter.take('a'))))).toEqual(['ok', 'ok', expect.any(Number)]);
  expect(errors).toHaveLength(3);
  expect(errors[0]).toMatch(/ECONNREFUSED/);
  // Keys without a limit never reach the database.
  await limiter.take('unlimited');
  expect(errors).toHaveLength(3);
});
