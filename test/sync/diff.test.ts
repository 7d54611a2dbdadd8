// The sync's diff: created, updated (field names and previous values), closed, left the list, removed; raw ignored.
import type { Task } from '../../src/core/task';
import type { IndexedDigest, IndexedTask } from '../../src/store/index-store';
import { compareTasks, diff, needsPrevious, resolveLeft, taskDigest } from '../../src/sync/diff';
import { task } from '../store/index-suite';

const TIME = '2026-02-01T00:00:00.000Z';

/** The index as the store would give it: digests of all, full tasks of those the diff asks for. */
function indexOf(entries: { task: Task; listed?: boolean }[]) {
  const index = new Map<string, IndexedDigest>(entries.map(({ task: t, listed = true }) => [t.id, { taskId: t.id, digest: taskDigest(t), status: t.status, listed }]));
  const tasks = new Map<string, IndexedTask>(entries.map(({ task: t, listed = true }) => [t.id, { task: t, listed }]));
  return { index, tasks };
}

function run(before: { task: Task; listed?: boolean }[], fresh: Task[], full = true) {
  const { index, tasks } = indexOf(before);
  const wanted = new Set(needsPrevious(index, fresh));
  const previous = new Map([...tasks].filter(([id]) => wanted.has(id) || !fresh.some((t) => t.id === id)));
  return diff({ backend: 'oracle', index, previous, fresh, full, time: TIME });
}

test('a new task is created; an unchanged one writes nothing, whatever its raw object or key order says', () => {
  const kept = task('1', { properties: { a: '1', b: '2' } });
  const out = run([{ task: kept }], [{ ...task('1', { properties: { b: '2', a: '1' } }), raw: { changed: true } }, task('2', { raw: { x: 1 } })]);
  expect(out.upserts).toEqual([{ task: task('2'), digest: taskDigest(task('2')), listed: true }]);
  expect(out.changes).toEqual([{ time: TIME, backend: 'oracle', taskId: '2', kind: 'created', task: task('2') }]);
  expect(out.left).toEqual([]);
});

test('a changed task is updated with the names and previous values of the fields that changed', () => {
  const before = task('1', { assignee: 'alice', priority: 3 });
  const after = task('1', { assignee: undefined, priority: 3, status: 'claimed', comments: [{ id: 'c', text: 'hi' }] });
  const out = run([{ task: before }], [after]);
  expect(out.changes).toEqual([{
    time: TIME, backend: 'oracle', taskId: '1', kind: 'updated', task: after,
    changes: ['status', 'assignee', 'comments'], previous: { status: 'open', assignee: 'alice', comments: [] },
  }]);
  expect(out.upserts.map((u) => u.listed)).toEqual([true]);
});

test('a status that becomes final is a close; a final status changing again is an update', () => {
  expect(run([{ task: task('1') }], [task('1', { status: 'completed' })]).changes[0]).toMatchObject({ kind: 'closed', changes: ['status'], previous: { status: 'open' } });
  expect(run([{ task: task('1', { status: 'completed' }) }], [task('1', { status: 'canceled' })]).changes[0].kind).toBe('updated');
});

test('a listed task absent from a full listing has left it; a partial listing says nothing about absence', () => {
  const before = [{ task: task('1') }, { task: task('2') }, { task: task('3'), listed: false }];
  expect(run(before, [task('1')]).left).toEqual(['2']);
  expect(run(before, [task('1')], false).left).toEqual([]);
});

test('a task that had left the list and is listed again is marked listed, without a change record', () => {
  const out = run([{ task: task('1'), listed: false }], [task('1')]);
  expect(out.upserts).toEqual([{ task: task('1'), digest: taskDigest(task('1')), listed: true }]);
  expect(out.changes).toEqual([]);
});

test('a task listed twice (the list moved while it was paged) counts once', () => {
  const out = run([], [task('1'), task('1', { name: 'later copy' })]);
  expect(out.changes).toHaveLength(1);
  expect(out.upserts[0].task.name).toBe('Task 1');
});

test('re-reads of tasks that left: a final status is kept (not listed), an unknown task is removed, a failed read changes nothing', () => {
  const previous = new Map<string, IndexedTask>(['1', '2', '3'].map((id) => [id, { task: task(id), listed: true }]));
  const out = resolveLeft('oracle', previous, [
    { taskId: '1', task: { ...task('1', { status: 'completed' }), raw: {} } },
    { taskId: '2', gone: true },
    { taskId: '3', failed: true },
  ], TIME);
  expect(out.upserts).toEqual([{ task: task('1', { status: 'completed' }), digest: taskDigest(task('1', { status: 'completed' })), listed: false }]);
  expect(out.deletes).toEqual(['2']);
  expect(out.changes.map((c) => [c.taskId, c.kind])).toEqual([['1', 'closed'], ['2', 'removed']]);
  expect(out.changes[1].task).toEqual(task('2'));
});

test('the diff refuses to guess when the previous state of a changed task was not loaded', () => {
  const { index } = indexOf([{ task: task('1') }]);
  expect(() => diff({ backend: 'oracle', index, previous: new Map(), fresh: [task('1', { name: 'new' })], full: true, time: TIME })).toThrow('was not loaded');
});

test('compareTasks sees every canonical field but not raw', () => {
  expect(compareTasks(task('1', { raw: 1 }), task('1', { raw: 2 })).changes).toEqual([]);
  expect(compareTasks(task('1'), task('1', { allowedActions: ['approve'], dueAt: '2026-01-02T00:00:00.000Z', description: 'd' })).changes)
    .toEqual(['description', 'dueAt', 'allowedActions']);
});
