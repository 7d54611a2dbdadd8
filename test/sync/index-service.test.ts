// IndexService: an action's result reaches the index at once with its change records; backend status ok/stale/error.
import { SqliteStore } from '../../src/store/sqlite-store';
import { IndexService } from '../../src/sync/index-service';
import { SYNC_DEFAULTS } from '../../src/sync/scheduler';
import { task } from '../store/index-suite';

let store: SqliteStore;
let clock = Date.parse('2026-03-01T00:00:00.000Z');
const service = () => new IndexService({
  store, now: () => clock, backends: [{ name: 'oracle', vendor: 'oracle-bpm' }, { name: 'k2', vendor: 'k2' }],
  config: { ...SYNC_DEFAULTS, intervalMs: 1000, backends: ['oracle'] },
});
beforeEach(() => {
  store = new SqliteStore(':memory:');
  store.migrate();
});
afterEach(() => store.close());

const who = { keyName: 'erp', requestId: 'req-1', onBehalfOf: 'alice' };

test('an action result enters the index at once: created, then updated or closed with previous values; the action is recorded', async () => {
  const index = service();
  await index.applyActionResult('oracle', task('1', { raw: { big: true } }), { taskId: '1', action: 'claim', result: 'applied', ...who });
  await index.applyActionResult('oracle', task('1', { assignee: 'alice', status: 'claimed' }));
  await index.applyActionResult('oracle', task('1', { assignee: 'alice', status: 'claimed' }));
  await index.applyActionResult('oracle', task('1', { assignee: 'alice', status: 'completed' }), { taskId: '1', action: 'approve', result: 'applied', ...who });
  const changes = await store.listChanges(0, 10);
  expect(changes.map((c) => c.kind)).toEqual(['created', 'action', 'updated', 'closed', 'action']);
  expect(changes[0].task).toEqual(task('1'));
  expect(changes[1]).toMatchObject({ action: 'claim', result: 'applied', keyName: 'erp', onBehalfOf: 'alice', requestId: 'req-1', task: task('1') });
  expect(changes[2]).toMatchObject({ changes: ['status', 'assignee'], previous: { status: 'open', assignee: null } });
  expect((await index.query(['oracle'], { statuses: ['completed'] })).items).toEqual([task('1', { assignee: 'alice', status: 'completed' })]);
});

test('a failed action is recorded without touching the index; a backend that is not indexed gets only the action record', async () => {
  const index = service();
  await index.applyActionResult('oracle', undefined, { taskId: '9', action: 'approve', errorCode: 'CONFLICT', ...who });
  await index.applyActionResult('k2', task('5', { backend: 'k2', vendor: 'k2' }), { taskId: '5', action: 'approve', result: 'applied', ...who });
  expect((await store.listChanges(0, 10)).map((c) => [c.backend, c.taskId, c.kind, c.errorCode ?? c.result])).toEqual([
    ['oracle', '9', 'action', 'CONFLICT'], ['k2', '5', 'action', 'applied'],
  ]);
  expect(await store.indexDigests('k2')).toEqual([]);
});

test('backend status: stale before the first sync, ok after, stale after three intervals, error after a failed cycle', async () => {
  const index = service();
  const status = async () => (await index.query(['oracle', 'k2'], {})).backends;
  expect(await status()).toEqual([{ name: 'k2', vendor: 'k2', status: 'not_indexed' }, { name: 'oracle', vendor: 'oracle-bpm', status: 'stale' }]);
  const synced = clock;
  await store.writeIndex({ backend: 'oracle', upserts: [], deletes: [], changes: [], state: { backend: 'oracle', status: 'ok', syncedMs: synced, cycles: 1, failures: 0, fullRequested: false } });
  clock += 3000;
  expect((await status())[1]).toEqual({ name: 'oracle', vendor: 'oracle-bpm', status: 'ok', syncedAt: new Date(synced).toISOString() });
  clock += 1;
  expect((await status())[1].status).toBe('stale');
  await store.writeIndex({ backend: 'oracle', upserts: [], deletes: [], changes: [], state: { backend: 'oracle', status: 'error', syncedMs: synced, errorCode: 'BACKEND_TIMEOUT', errorDetail: 'no answer in 5000 ms', cycles: 2, failures: 1, fullRequested: false } });
  expect((await status())[1]).toEqual({ name: 'oracle', vendor: 'oracle-bpm', status: 'error', syncedAt: new Date(synced).toISOString(), error: { code: 'BACKEND_TIMEOUT', detail: 'no answer in 5000 ms' } });
});

test('performed (the action service observer) records the audited attempt with the task it returned', async () => {
  const index = service();
  await index.performed({
    time: '2026-03-01T00:00:00.000Z', requestId: 'r9', keyName: 'erp', onBehalfOf: 'bob', backend: 'oracle', taskId: '7', action: 'claim',
    parameters: {}, result: 'applied', durationMs: 3, via: 'rest',
  }, task('7', { status: 'claimed' }));
  expect((await store.listChanges(0, 10)).map((c) => [c.kind, c.taskId, c.keyName, c.onBehalfOf, c.result])).toEqual([
    ['created', '7', undefined, undefined, undefined], ['action', '7', 'erp', 'bob', 'applied'],
  ]);
});
