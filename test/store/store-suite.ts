// One suite every store driver must pass (SQLite and PostgreSQL alike): audit trail, paging, idempotency claims.
import type { AuditRecord, Store } from '../../src/store/store';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

export function record(over: Partial<AuditRecord> = {}): AuditRecord {
  return {
    time: at(0), requestId: 'r', keyName: 'erp', backend: 'secmaster', taskId: 't1', action: 'approve',
    parameters: { comment: 'ok' }, result: 'applied', vendorStatus: 200, durationMs: 12.5, via: 'rest', ...over,
  };
}

export function storeSuite(open: () => Promise<Store>): void {
  let store: Store;
  beforeEach(async () => {
    store = await open();
  });
  afterEach(() => store.close());

  test('init is idempotent: migrating twice changes nothing', async () => {
    await store.init();
    await store.recordAudit(record());
    await store.init();
    expect((await store.queryAudit({ limit: 10 })).items).toHaveLength(1);
  });

  test('an audit record reads back exactly, optional fields absent when not given', async () => {
    const full = record({ onBehalfOf: 'alice@example.com', errorCode: undefined, replayed: true, via: 'batch', parameters: { comment: 'x', data: { a: '1' } } });
    await store.recordAudit(full);
    const bare = record({ time: at(1), result: undefined, vendorStatus: undefined, errorCode: 'UNSUPPORTED_ACTION', action: 'claim', parameters: {} });
    await store.recordAudit(bare);
    const { items, next } = await store.queryAudit({ limit: 10 });
    expect(items).toEqual([bare, full]);
    expect(next).toBeUndefined();
  });

  test('the door (rest, batch, mcp) and a cut of the parameters read back', async () => {
    await store.recordAudit(record({ requestId: 'm', via: 'mcp', parametersTruncated: true, errorCode: 'INVALID_REQUEST', result: undefined }));
    await store.recordAudit(record({ time: at(1), requestId: 'b', via: 'batch' }));
    const { items } = await store.queryAudit({ limit: 10 });
    expect(items.map((i) => [i.requestId, i.via, i.parametersTruncated])).toEqual([['b', 'batch', undefined], ['m', 'mcp', true]]);
  });

  test('newest first, filters by backend, task and time range, restricted to allowed backends', async () => {
    for (let i = 0; i < 6; i++) {
      await store.recordAudit(record({ time: at(i * 1000), requestId: `r${i}`, backend: i % 2 ? 'ibm' : 'secmaster', taskId: i < 3 ? 't1' : 't2' }));
    }
    const ids = async (q: Parameters<Store['queryAudit']>[0]) => (await store.queryAudit(q)).items.map((i) => i.requestId);
    expect(await ids({ limit: 10 })).toEqual(['r5', 'r4', 'r3', 'r2', 'r1', 'r0']);
    expect(await ids({ limit: 10, backend: 'ibm' })).toEqual(['r5', 'r3', 'r1']);
    expect(await ids({ limit: 10, backend: 'secmaster', taskId: 't1' })).toEqual(['r2', 'r0']);
    expect(await ids({ limit: 10, fromMs: T0 + 1000, toMs: T0 + 4000 })).toEqual(['r3', 'r2', 'r1']);
    expect(await ids({ limit: 10, backends: ['ibm'] })).toEqual(['r5', 'r3', 'r1']);
    expect(await ids({ limit: 10, backends: [] })).toEqual([]);
  });

  test('paging with a position never skips or repeats, even among records of the same millisecond', async () => {
    for (let i = 0; i < 7; i++) await store.recordAudit(record({ time: at(i < 4 ? 0 : 5), requestId: `r${i}` }));
    const seen: string[] = [];
    let after;
    for (let pages = 0; pages < 10; pages++) {
      const page = await store.queryAudit({ limit: 3, after });
      seen.push(...page.items.map((i) => i.requestId));
      if (!page.next) break;
      after = page.next;
    }
    expect(seen).toEqual(['r6', 'r5', 'r4', 'r3', 'r2', 'r1', 'r0']);
  });

  describe('idempotency', () => {
    const claim = (over: Partial<Parameters<Store['claimIdempotencyKey']>[0]> = {}) =>
      store.claimIdempotencyKey({ scope: 'erp', key: 'k1', fingerprint: 'fp1', nowMs: T0, ttlMs: 1000, ...over });
    const answer = { status: 504, contentType: 'application/problem+json', body: '{"code":"BACKEND_TIMEOUT"}', headers: { 'Retry-After': '3' } };

    test('claimed, then in progress, then replayed once completed; another fingerprint is a mismatch', async () => {
      expect(await claim()).toEqual({ outcome: 'claimed' });
      expect(await claim({ nowMs: T0 + 10 })).toEqual({ outcome: 'in_progress', startedMs: T0 });
      expect(await claim({ fingerprint: 'fp2' })).toEqual({ outcome: 'mismatch' });
      await store.completeIdempotencyKey('erp', 'k1', answer);
      expect(await claim({ nowMs: T0 + 20 })).toEqual({ outcome: 'replay', response: answer });
      expect(await claim({ fingerprint: 'fp2' })).toEqual({ outcome: 'mismatch' });
    });

    test('keys are scoped to the API key that sent them', async () => {
      expect(await claim()).toEqual({ outcome: 'claimed' });
      expect(await claim({ scope: 'soc-bot', fingerprint: 'other' })).toEqual({ outcome: 'claimed' });
    });

    test('a released key can be claimed again; a completed one is not released', async () => {
      await claim();
      await store.releaseIdempotencyKey('erp', 'k1');
      expect(await claim({ fingerprint: 'fp2' })).toEqual({ outcome: 'claimed' });
      await store.completeIdempotencyKey('erp', 'k1', answer);
      await store.releaseIdempotencyKey('erp', 'k1');
      expect((await claim({ fingerprint: 'fp2' })).outcome).toBe('replay');
    });

    test('an expired record is taken over, and purged', async () => {
      await claim();
      await store.completeIdempotencyKey('erp', 'k1', answer);
      expect(await claim({ fingerprint: 'fp2', nowMs: T0 + 1000 })).toEqual({ outcome: 'claimed' });
      await claim({ key: 'k2' });
      expect(await store.purgeExpired(T0 + 999)).toBe(0);
      expect(await store.purgeExpired(T0 + 1000)).toBe(1);
      expect(await claim({ key: 'k2', fingerprint: 'new', nowMs: T0 + 1001 })).toEqual({ outcome: 'claimed' });
    });

    test('of many simultaneous claims of one key, exactly one wins', async () => {
      const results = await Promise.all(Array.from({ length: 20 }, () => claim()));
      expect(results.filter((r) => r.outcome === 'claimed')).toHaveLength(1);
      expect(results.filter((r) => r.outcome === 'in_progress')).toHaveLength(19);
    });
  });

  test('ping answers while the store is open', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });
}
