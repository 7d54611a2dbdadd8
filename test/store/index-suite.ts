// One suite of the task index every store driver must pass: upserts, inbox filters and order, changes, sync state, leases.
import type { Task } from '../../src/core/task';
import type { IndexQuery } from '../../src/store/index-store';
import type { Store } from '../../src/store/store';
import { taskDigest } from '../../src/sync/diff';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

export function task(id: string, over: Partial<Task> = {}): Task {
  return {
    id, backend: 'oracle', vendor: 'oracle-bpm', name: `Task ${id}`, status: 'open', vendorStatus: 'ASSIGNED',
    createdAt: at(0), updatedAt: at(0), comments: [], attachments: [], properties: {}, ...over,
  };
}

export function indexSuite(open: () => Promise<Store>): void {
  let store: Store;
  beforeEach(async () => {
    store = await open();
  });
  afterEach(() => store.close());

  const put = (...tasks: Task[]) => store.writeIndex({
    backend: tasks[0].backend, upserts: tasks.map((t) => ({ task: t, digest: taskDigest(t), listed: true })), deletes: [], changes: [],
  });
  const query = (over: Partial<IndexQuery> = {}): IndexQuery => ({
    backends: ['oracle', 'k2'], statuses: ['open', 'claimed'], sort: '-createdAt', limit: 100, ...over,
  });
  const ids = async (over: Partial<IndexQuery> = {}) => (await store.queryIndex(query(over))).items.map((t) => `${t.backend}/${t.id}`);

  test('an indexed task reads back without raw; an upsert replaces it; digests and listed flags read back', async () => {
    await put(task('1', { raw: { secret: 'vendor object' }, assignee: 'alice', dueAt: at(5) }));
    const [item] = (await store.queryIndex(query())).items;
    expect(item).toEqual(task('1', { assignee: 'alice', dueAt: at(5) }));
    await store.writeIndex({ backend: 'oracle', upserts: [{ task: task('1', { status: 'claimed' }), digest: 'd2', listed: false }], deletes: [], changes: [] });
    expect(await store.indexDigests('oracle')).toEqual([{ taskId: '1', digest: 'd2', status: 'claimed', listed: false, updatedMs: T0 }]);
    expect((await store.indexedTasks('oracle', ['1', 'nope'])).map((t) => [t.task.status, t.listed])).toEqual([['claimed', false]]);
    await store.writeIndex({ backend: 'oracle', upserts: [], deletes: ['1'], changes: [] });
    expect(await store.indexDigests('oracle')).toEqual([]);
  });

  test('filters: backend, status, assignee, name substring (case-insensitive, % and _ literal), dueBefore, updatedSince', async () => {
    await put(
      task('a', { name: 'Approve 100% of PO_7', assignee: 'alice', dueAt: at(10), updatedAt: at(50) }),
      task('b', { name: 'approve leave', assignee: 'bob', status: 'claimed', dueAt: at(30), updatedAt: at(5) }),
      task('c', { name: 'Review', status: 'completed' }),
    );
    await put(task('k', { backend: 'k2', vendor: 'k2', name: 'APPROVE K2' }));
    expect(await ids()).toEqual(['oracle/b', 'oracle/a', 'k2/k'].sort().reverse());
    expect(await ids({ backends: ['k2'] })).toEqual(['k2/k']);
    expect(await ids({ backends: [] })).toEqual([]);
    expect(await ids({ statuses: ['completed'] })).toEqual(['oracle/c']);
    expect(await ids({ assignee: 'bob' })).toEqual(['oracle/b']);
    expect((await ids({ q: 'APPROVE' })).sort()).toEqual(['k2/k', 'oracle/a', 'oracle/b']);
    expect(await ids({ q: '100%' })).toEqual(['oracle/a']);
    expect(await ids({ q: 'o_7' })).toEqual(['oracle/a']);
    expect(await ids({ q: '0%' })).toEqual(['oracle/a']);
    expect(await ids({ q: 'p_' })).toEqual([]);
    expect(await ids({ dueBeforeMs: T0 + 30 })).toEqual(['oracle/a']);
    expect(await ids({ updatedSinceMs: T0 + 5 })).toEqual(['oracle/b', 'oracle/a']);
  });

  test('each sort is total (key, then backend, then id, in its direction); a missing key sorts last in the usual direction', async () => {
    await put(
      task('1', { createdAt: at(2), dueAt: at(1) }),
      task('2', { createdAt: at(1), dueAt: undefined, updatedAt: undefined }),
      task('3', { createdAt: undefined, dueAt: at(1), updatedAt: at(9) }),
      task('4', { createdAt: at(2), dueAt: at(3) }),
    );
    await put(task('0', { backend: 'k2', vendor: 'k2', createdAt: at(2), dueAt: at(1) }));
    expect(await ids({ sort: '-createdAt' })).toEqual(['oracle/4', 'oracle/1', 'k2/0', 'oracle/2', 'oracle/3']);
    expect(await ids({ sort: 'createdAt' })).toEqual(['oracle/3', 'oracle/2', 'k2/0', 'oracle/1', 'oracle/4']);
    expect(await ids({ sort: 'dueAt' })).toEqual(['k2/0', 'oracle/1', 'oracle/3', 'oracle/4', 'oracle/2']);
    expect(await ids({ sort: '-dueAt' })).toEqual(['oracle/2', 'oracle/4', 'oracle/3', 'oracle/1', 'k2/0']);
    expect((await ids({ sort: '-updatedAt' }))[0]).toBe('oracle/3');
    expect((await ids({ sort: '-updatedAt' })).at(-1)).toBe('oracle/2');
  });

  test('keyset pages follow one another without gap or repeat', async () => {
    const many = Array.from({ length: 23 }, (_, i) => task(String(i).padStart(2, '0'), { createdAt: at(i % 4) }));
    await put(...many);
    const seen: string[] = [];
    let after: IndexQuery['after'];
    for (let pages = 0; pages < 20; pages++) {
      const page = await store.queryIndex(query({ limit: 5, after }));
      seen.push(...page.items.map((t) => t.id));
      if (!page.next) break;
      after = page.next;
    }
    expect(seen).toHaveLength(23);
    expect(new Set(seen).size).toBe(23);
  });

  test('change records get increasing sequence numbers and read back exactly', async () => {
    const t = task('1');
    await store.writeIndex({
      backend: 'oracle', upserts: [], deletes: [], changes: [
        { time: at(1), backend: 'oracle', taskId: '1', kind: 'created', task: { ...t, raw: { dropped: true } } },
        { time: at(2), backend: 'oracle', taskId: '1', kind: 'updated', task: t, changes: ['status'], previous: { status: 'open', assignee: null } },
      ],
    });
    await store.writeIndex({
      backend: 'oracle', upserts: [], deletes: [], changes: [
        { time: at(3), backend: 'oracle', taskId: '1', kind: 'action', action: 'approve', result: 'applied', keyName: 'erp', onBehalfOf: 'alice', requestId: 'r1' },
      ],
    });
    const all = await store.listChanges(0, 10);
    expect(all.map((c) => c.kind)).toEqual(['created', 'updated', 'action']);
    expect(all[0].task).toEqual(t);
    expect(all[1]).toMatchObject({ changes: ['status'], previous: { status: 'open', assignee: null } });
    expect(all[2]).toEqual({ sequence: all[2].sequence, time: at(3), backend: 'oracle', taskId: '1', kind: 'action', action: 'approve', result: 'applied', keyName: 'erp', onBehalfOf: 'alice', requestId: 'r1' });
    expect(all[0].sequence! < all[1].sequence! && all[1].sequence! < all[2].sequence!).toBe(true);
    expect((await store.listChanges(all[0].sequence!, 10)).map((c) => c.kind)).toEqual(['updated', 'action']);
  });

  test('a large write (several multi-row statements) keeps every task and the order of its change records', async () => {
    const many = Array.from({ length: 450 }, (_, i) => task(`m${i}`));
    await store.writeIndex({
      backend: 'oracle', upserts: [...many, task('m0', { name: 'last wins' })].map((t) => ({ task: t, digest: taskDigest(t), listed: true })), deletes: [],
      changes: many.map((t) => ({ time: at(1), backend: 'oracle', taskId: t.id, kind: 'created' as const, task: t })),
    });
    expect(await store.indexDigests('oracle')).toHaveLength(450);
    expect((await store.indexedTasks('oracle', ['m0']))[0].task.name).toBe('last wins');
    expect((await store.listChanges(0, 1000)).map((c) => c.taskId)).toEqual(many.map((t) => t.id));
  });

  test('a failing write changes nothing: tasks, changes and state go in together', async () => {
    const bad = { time: 'not a time', backend: 'oracle', taskId: 'x', kind: 'created' as const };
    await expect(store.writeIndex({
      backend: 'oracle', upserts: [{ task: task('x'), digest: 'd', listed: true }], deletes: [],
      changes: [{ ...bad, time: at(1) }, { ...bad, taskId: null as unknown as string }],
      state: { backend: 'oracle', status: 'ok', cycles: 1, failures: 0, fullRequested: false },
    })).rejects.toThrow();
    expect(await store.indexDigests('oracle')).toEqual([]);
    expect(await store.listChanges(0, 10)).toEqual([]);
    expect(await store.syncStates()).toEqual([]);
  });

  test('sync state reads back; a full pass request is kept', async () => {
    await store.requestFullPass('k2');
    const state = { backend: 'oracle', status: 'error' as const, syncedMs: T0, attemptedMs: T0 + 5, errorCode: 'BACKEND_TIMEOUT', errorDetail: 'slow', cycles: 7, failures: 2, highWaterMs: T0 - 1, fullRequested: false };
    await store.writeIndex({ backend: 'oracle', upserts: [], deletes: [], changes: [], state });
    await store.requestFullPass('oracle');
    const states = (await store.syncStates()).sort((a, b) => a.backend.localeCompare(b.backend));
    expect(states).toEqual([
      { backend: 'k2', status: 'ok', cycles: 0, failures: 0, fullRequested: true },
      { ...state, fullRequested: true },
    ]);
  });

  test('a lease: one holder at a time; renewed by its holder; taken once expired; released', async () => {
    expect(await store.acquireLease('oracle', 'a', T0, 1000)).toBe(true);
    expect(await store.acquireLease('oracle', 'b', T0 + 999, 1000)).toBe(false);
    expect(await store.acquireLease('k2', 'b', T0, 1000)).toBe(true);
    expect(await store.acquireLease('oracle', 'a', T0 + 900, 1000)).toBe(true);
    expect(await store.acquireLease('oracle', 'b', T0 + 1899, 1000)).toBe(false);
    expect(await store.acquireLease('oracle', 'b', T0 + 1900, 1000)).toBe(true);
    expect(await store.acquireLease('oracle', 'a', T0 + 1901, 1000)).toBe(false);
    await store.releaseLease('oracle', 'a');
    expect(await store.acquireLease('oracle', 'a', T0 + 1902, 1000)).toBe(false);
    await store.releaseLease('oracle', 'b');
    expect(await store.acquireLease('oracle', 'a', T0 + 1903, 1000)).toBe(true);
  });

  test('of simultaneous lease claims exactly one wins', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store.acquireLease('ibm', `h${i}`, T0, 1000)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });
}
