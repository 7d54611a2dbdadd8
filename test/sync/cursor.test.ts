// The inbox cursor: bound to its query, tamper-evident; paging over a changing index never skips or repeats.
import fc from 'fast-check';
import type { Task } from '../../src/core/task';
import { INBOX_SORTS, type InboxSort } from '../../src/store/index-store';
import { SqliteStore } from '../../src/store/sqlite-store';
import { decodeInboxCursor, encodeInboxCursor, type NormalizedQuery } from '../../src/sync/cursor';
import { taskDigest } from '../../src/sync/diff';
import { IndexService } from '../../src/sync/index-service';
import { SYNC_DEFAULTS } from '../../src/sync/scheduler';
import { task } from '../store/index-suite';

const query: NormalizedQuery = { backends: ['a', 'b'], statuses: ['open'], sort: '-createdAt' };
const position = { key: 1767225600000, backend: 'a', taskId: 't/1' };

test('a cursor decodes to its position only with the query it was made for', () => {
  const cursor = encodeInboxCursor(position, query);
  expect(decodeInboxCursor(cursor, query)).toEqual(position);
  expect(decodeInboxCursor(cursor, { ...query, sort: 'createdAt' })).toBeUndefined();
  expect(decodeInboxCursor(cursor, { ...query, statuses: ['claimed'] })).toBeUndefined();
  expect(decodeInboxCursor(cursor, { ...query, q: 'x' })).toBeUndefined();
  expect(decodeInboxCursor(cursor, { ...query, backends: ['a'] })).toBeUndefined();
});

test('an edited or forged cursor is refused', () => {
  const cursor = encodeInboxCursor(position, query);
  const [payload, tag] = cursor.split('.');
  const edited = Buffer.from(Buffer.from(payload, 'base64url').toString().replace('t/1', 't/2')).toString('base64url');
  expect(decodeInboxCursor(`${edited}.${tag}`, query)).toBeUndefined();
  expect(decodeInboxCursor(`${payload}.${'A'.repeat(22)}`, query)).toBeUndefined();
  expect(decodeInboxCursor('garbage', query)).toBeUndefined();
  expect(decodeInboxCursor(`${Buffer.from('{}').toString('base64url')}.${tag}`, query)).toBeUndefined();
  expect(decodeInboxCursor('', query)).toBeUndefined();
});

describe('paging over a changing index', () => {
  const times = [undefined, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.000Z', '2026-01-02T00:00:00.000Z'];
  const arbTask = (id: string) => fc.record({
    backend: fc.constantFrom('a', 'b'), created: fc.constantFrom(...times), updated: fc.constantFrom(...times), due: fc.constantFrom(...times),
  }).map(({ backend, created, updated, due }): Task => task(id, { backend, createdAt: created, updatedAt: updated, dueAt: due }));
  const arbOp = fc.oneof(
    fc.record({ op: fc.constant('insert' as const), n: fc.nat(1000) }),
    fc.record({ op: fc.constant('delete' as const), n: fc.nat(1000) }),
    fc.record({ op: fc.constant('touch' as const), n: fc.nat(1000) }),
  );

  test('every task that stays in the index (its sort key unchanged) is seen exactly once, whatever is added or removed between pages', async () => {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 0, max: 25 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => arbTask(`t${i}`)))),
      fc.array(fc.array(arbOp, { maxLength: 4 }), { maxLength: 15 }),
      fc.array(arbTask('new'), { minLength: 20, maxLength: 20 }),
      fc.constantFrom(...INBOX_SORTS),
      fc.integer({ min: 1, max: 6 }),
      async (initial, opsPerPage, spares, sort: InboxSort, limit) => {
        const store = new SqliteStore(':memory:');
        store.migrate();
        const index = new IndexService({ store, backends: [{ name: 'a', vendor: 'x' }, { name: 'b', vendor: 'y' }], config: { ...SYNC_DEFAULTS, backends: ['*'] } });
        const put = (t: Task) => store.writeIndex({ backend: t.backend, upserts: [{ task: t, digest: taskDigest(t), listed: true }], deletes: [], changes: [] });
        try {
          for (const t of initial) await put(t);
          const present = new Map(initial.map((t) => [`${t.backend}/${t.id}`, t]));
          const removed = new Set<string>();
          let spare = 0;
          const seen: string[] = [];
          let cursor: string | undefined;
          for (let page = 0; page < 100; page++) {
            const answer = await index.query(['a', 'b'], { sort, limit, cursor });
            seen.push(...answer.items.map((t) => `${t.backend}/${t.id}`));
            if (!answer.nextCursor) break;
            cursor = answer.nextCursor;
            for (const { op, n } of opsPerPage[page] ?? []) {
              const keys = [...present.keys()];
              if (op === 'insert' && spare < spares.length) {
                const t = { ...spares[spare], id: `new${spare++}` };
                await put(t);
                present.set(`${t.backend}/${t.id}`, t);
              } else if (op === 'delete' && keys.length) {
                const key = keys[n % keys.length];
                const t = present.get(key)!;
                await store.writeIndex({ backend: t.backend, upserts: [], deletes: [t.id], changes: [] });
                present.delete(key);
                removed.add(key);
              } else if (op === 'touch' && keys.length) {
                const t = present.get(keys[n % keys.length])!;
                await put({ ...t, name: `${t.name}!`, status: 'claimed' });
              }
            }
          }
          const stayed = initial.map((t) => `${t.backend}/${t.id}`).filter((k) => !removed.has(k));
          for (const key of stayed) expect(seen.filter((s) => s === key)).toHaveLength(1);
          expect(new Set(seen).size).toBe(seen.length);
        } finally {
          await store.close();
        }
      },
    ), { numRuns: 60 });
  });
});
