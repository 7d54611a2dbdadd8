// SQL of the task index both store drivers share: upserts, change records, sync state, leases, the inbox page.
import { withoutRaw, type Task, type TaskStatus } from '../core/task';
import type { ChangeRecord, IndexQuery, InboxSort, SyncState } from './index-store';
import type { Placeholder } from './sql';

type Param = string | number | null;
export interface Statement {
  sql: string;
  params: Param[];
}

/** Sentinels for a missing sort key: beyond every real time (JavaScript dates end at +-8.64e15 ms). */
const BEFORE_ALL = -8_640_000_000_000_001;
const AFTER_ALL = 8_640_000_000_000_001;

const SORT_COLUMN: Record<string, 'created_key' | 'updated_key' | 'due_key'> = { createdAt: 'created_key', updatedAt: 'updated_key', dueAt: 'due_key' };

/**
 * A task's sort key: its time in epoch ms; a missing one sorts last in the usual direction of its field
 * (newest first for createdAt and updatedAt, soonest first for dueAt), so first in the other direction.
 */
export function sortKey(task: Task, field: 'createdAt' | 'updatedAt' | 'dueAt'): number {
  const value = task[field];
  const ms = value === undefined ? NaN : Date.parse(value);
  if (!Number.isNaN(ms)) return ms;
  return field === 'dueAt' ? AFTER_ALL : BEFORE_ALL;
}

export function sortField(sort: InboxSort): 'createdAt' | 'updatedAt' | 'dueAt' {
  return sort.replace(/^-/, '') as 'createdAt' | 'updatedAt' | 'dueAt';
}

const ms = (value: string | undefined): number | null => {
  if (value === undefined) return null;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? null : parsed;
};

const placeholders = (p: Placeholder, rows: number, columns: number) =>
  Array.from({ length: rows }, (_, r) => `(${Array.from({ length: columns }, (_, c) => p(r * columns + c + 1)).join(', ')})`).join(', ');

/** One statement upserting several tasks (distinct ids: a statement may not change one row twice). */
export function upsertTasks(p: Placeholder, rows: { task: Task; digest: string; listed: boolean }[], nowMs: number): Statement {
  return {
    sql: `INSERT INTO taskgate_tasks (backend, task_id, status, assignee, name_lower, updated_ms, due_ms, created_key, updated_key, due_key, listed, digest, task, indexed_ms)
      VALUES ${placeholders(p, rows.length, 14)}
      ON CONFLICT (backend, task_id) DO UPDATE SET status = excluded.status, assignee = excluded.assignee, name_lower = excluded.name_lower,
        updated_ms = excluded.updated_ms, due_ms = excluded.due_ms, created_key = excluded.created_key, updated_key = excluded.updated_key,
        due_key = excluded.due_key, listed = excluded.listed, digest = excluded.digest, task = excluded.task, indexed_ms = excluded.indexed_ms`,
    params: rows.flatMap(({ task, digest, listed }) => {
      const stored = withoutRaw(task);
      return [
        task.backend, task.id, task.status, task.assignee ?? null, task.name.toLowerCase(), ms(task.updatedAt), ms(task.dueAt),
        sortKey(task, 'createdAt'), sortKey(task, 'updatedAt'), sortKey(task, 'dueAt'), listed ? 1 : 0, digest, JSON.stringify(stored), nowMs,
      ];
    }),
  };
}

export const deleteTask = (p: Placeholder, backend: string, taskId: string): Statement => ({
  sql: `DELETE FROM taskgate_tasks WHERE backend = ${p(1)} AND task_id = ${p(2)}`,
  params: [backend, taskId],
});

/** One statement inserting several change records; their sequence numbers follow the given order. */
export function insertChanges(p: Placeholder, changes: ChangeRecord[]): Statement {
  const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));
  return {
    sql: `INSERT INTO taskgate_changes (time_ms, backend, task_id, kind, task, changes, previous, action, result, error_code, key_name, on_behalf_of, request_id)
      VALUES ${placeholders(p, changes.length, 13)}`,
    params: changes.flatMap((change) => {
      const task = change.task ? withoutRaw(change.task) : undefined;
      return [
        Date.parse(change.time), change.backend, change.taskId, change.kind, json(task), json(change.changes), json(change.previous),
        change.action ?? null, change.result ?? null, change.errorCode ?? null, change.keyName ?? null, change.onBehalfOf ?? null, change.requestId ?? null,
      ];
    }),
  };
}

export interface ChangeRow {
  sequence: number | string;
  time_ms: number | string;
  backend: string;
  task_id: string;
  kind: string;
  task: string | null;
  changes: string | null;
  previous: string | null;
  action: string | null;
  result: string | null;
  error_code: string | null;
  key_name: string | null;
  on_behalf_of: string | null;
  request_id: string | null;
}

export const listChangesSql = (p: Placeholder) =>
  `SELECT sequence, time_ms, backend, task_id, kind, task, changes, previous, action, result, error_code, key_name, on_behalf_of, request_id
   FROM taskgate_changes WHERE sequence > ${p(1)} ORDER BY sequence LIMIT ${p(2)}`;

export function fromChangeRow(row: ChangeRow): ChangeRecord {
  const record: ChangeRecord = {
    sequence: Number(row.sequence), time: new Date(Number(row.time_ms)).toISOString(), backend: row.backend, taskId: row.task_id,
    kind: row.kind as ChangeRecord['kind'],
  };
  if (row.task !== null) record.task = JSON.parse(row.task) as Task;
  if (row.changes !== null) record.changes = JSON.parse(row.changes) as string[];
  if (row.previous !== null) record.previous = JSON.parse(row.previous) as Record<string, unknown>;
  if (row.action !== null) record.action = row.action;
  if (row.result !== null) record.result = row.result;
  if (row.error_code !== null) record.errorCode = row.error_code;
  if (row.key_name !== null) record.keyName = row.key_name;
  if (row.on_behalf_of !== null) record.onBehalfOf = row.on_behalf_of;
  if (row.request_id !== null) record.requestId = row.request_id;
  return record;
}

export function upsertState(p: Placeholder, state: SyncState): Statement {
  return {
    sql: `INSERT INTO taskgate_sync_state (backend, status, synced_ms, attempted_ms, error_code, error_detail, cycles, failures, high_water_ms, full_requested)
      VALUES (${Array.from({ length: 10 }, (_, i) => p(i + 1)).join(', ')})
      ON CONFLICT (backend) DO UPDATE SET status = excluded.status, synced_ms = excluded.synced_ms, attempted_ms = excluded.attempted_ms,
        error_code = excluded.error_code, error_detail = excluded.error_detail, cycles = excluded.cycles, failures = excluded.failures,
        high_water_ms = excluded.high_water_ms, full_requested = excluded.full_requested`,
    params: [
      state.backend, state.status, state.syncedMs ?? null, state.attemptedMs ?? null, state.errorCode ?? null, state.errorDetail ?? null,
      state.cycles, state.failures, state.highWaterMs ?? null, state.fullRequested ? 1 : 0,
    ],
  };
}

export interface StateRow {
  backend: string;
  status: string;
  synced_ms: number | string | null;
  attempted_ms: number | string | null;
  error_code: string | null;
  error_detail: string | null;
  cycles: number | string;
  failures: number | string;
  high_water_ms: number | string | null;
  full_requested: number | boolean;
}

export const SELECT_STATES = 'SELECT backend, status, synced_ms, attempted_ms, error_code, error_detail, cycles, failures, high_water_ms, full_requested FROM taskgate_sync_state';

export function fromStateRow(row: StateRow): SyncState {
  const state: SyncState = {
    backend: row.backend, status: row.status as SyncState['status'], cycles: Number(row.cycles), failures: Number(row.failures),
    fullRequested: row.full_requested === 1 || row.full_requested === true,
  };
  if (row.synced_ms !== null) state.syncedMs = Number(row.synced_ms);
  if (row.attempted_ms !== null) state.attemptedMs = Number(row.attempted_ms);
  if (row.error_code !== null) state.errorCode = row.error_code;
  if (row.error_detail !== null) state.errorDetail = row.error_detail;
  if (row.high_water_ms !== null) state.highWaterMs = Number(row.high_water_ms);
  return state;
}

/** Asks for a full pass; a backend never synced gets a state row that says so (`ok`, no syncedMs). */
export const REQUEST_FULL_PASS = (p: Placeholder) =>
  `INSERT INTO taskgate_sync_state (backend, status, full_requested) VALUES (${p(1)}, 'ok', 1)
   ON CONFLICT (backend) DO UPDATE SET full_requested = 1`;

/** Takes a free or expired lease, or renews one's own; changes no row while another holder's lease runs. */
export const ACQUIRE_LEASE = (p: Placeholder) =>
  `INSERT INTO taskgate_sync_leases (backend, holder, expires_ms) VALUES (${p(1)}, ${p(2)}, ${p(3)})
   ON CONFLICT (backend) DO UPDATE SET holder = excluded.holder, expires_ms = excluded.expires_ms
   WHERE taskgate_sync_leases.holder = excluded.holder OR taskgate_sync_leases.expires_ms <= ${p(4)}`;

export const RELEASE_LEASE = (p: Placeholder) => `DELETE FROM taskgate_sync_leases WHERE backend = ${p(1)} AND holder = ${p(2)}`;

export const SELECT_DIGESTS = (p: Placeholder) =>
  `SELECT task_id, digest, status, listed, updated_ms FROM taskgate_tasks WHERE backend = ${p(1)}`;

export interface DigestRow {
  task_id: string;
  digest: string;
  status: string;
  listed: number | boolean;
  updated_ms: number | string | null;
}

export function selectTasks(p: Placeholder, backend: string, taskIds: string[]): Statement {
  return {
    sql: `SELECT task, listed FROM taskgate_tasks WHERE backend = ${p(1)} AND task_id IN (${taskIds.map((_, i) => p(i + 2)).join(', ')})`,
    params: [backend, ...taskIds],
  };
}

/**
 * One inbox page, one row more than asked (to know whether there is a next one). The order is the sort key,
 * then backend, then task id, all in the sort's direction: a total order that one index scan can follow.
 */
export function inboxPageSql(query: IndexQuery, p: Placeholder, dialect: 'sqlite' | 'postgres'): Statement {
  // Why: SQLite's planner, without statistics, picks the status index and sorts every match (10 ms at 20,000
  // tasks); walking the sort key's index and filtering as it goes stops after one page (0.05 ms). A unary `+`
  // keeps a column's index out of the plan. PostgreSQL plans from its statistics and needs no hint.
  const plain = (column: string) => (dialect === 'sqlite' ? `+${column}` : column);
  const params: Param[] = [];
  const add = (value: Param) => {
    params.push(value);
    return p(params.length);
  };
  const where: string[] = [];
  where.push(query.backends.length ? `${plain('backend')} IN (${query.backends.map((b) => add(b)).join(', ')})` : '1 = 0');
  where.push(query.statuses.length ? `${plain('status')} IN (${query.statuses.map((s: TaskStatus) => add(s)).join(', ')})` : '1 = 0');
  if (query.assignee !== undefined) where.push(`assignee = ${add(query.assignee)}`);
  if (query.q !== undefined) where.push(`name_lower LIKE ${add(`%${query.q.toLowerCase().replace(/[\\%_]/g, '\\$&')}%`)} ESCAPE '\\'`);
  // On the sort-key columns, so a page sorted by the same field seeks its index range instead of scanning to it:
  // a missing dueAt's key sorts after every time and a missing updatedAt's before, so neither ever matches.
  if (query.dueBeforeMs !== undefined) where.push(`due_key < ${add(query.dueBeforeMs)}`);
  if (query.updatedSinceMs !== undefined) where.push(`updated_key >= ${add(query.updatedSinceMs)}`);
  const column = SORT_COLUMN[sortField(query.sort)];
  const descending = query.sort.startsWith('-');
  if (query.after) {
    const { key, backend, taskId } = query.after;
    where.push(`(${column}, backend, task_id) ${descending ? '<' : '>'} (${add(key)}, ${add(backend)}, ${add(taskId)})`);
  }
  const dir = descending ? 'DESC' : 'ASC';
  return {
    sql: `SELECT task, ${column} AS sort_key FROM taskgate_tasks WHERE ${where.join(' AND ')}
      ORDER BY ${column} ${dir}, backend ${dir}, task_id ${dir} LIMIT ${add(query.limit + 1)}`,
    params,
  };
}
