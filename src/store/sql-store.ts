// The store logic both SQL drivers share (audit, idempotency claims, task index); a driver only runs statements and migrations.
import {
  CLAIM_INSERT, CLAIM_READ, CLAIM_TAKEOVER, COMPLETE, INSERT_AUDIT, PURGE, RELEASE, auditPageSql,
  type IdempotencyRow, type Placeholder,
} from './sql';
import {
  fromAuditRow, toAuditRow,
  type AuditPage, type AuditQuery, type AuditRecord, type AuditRow, type IdempotencyClaim, type IdempotencyClaimInput, type Store, type StoredResponse,
} from './store';
import {
  ACQUIRE_LEASE, RELEASE_LEASE, REQUEST_FULL_PASS, SELECT_DIGESTS, SELECT_STATES, deleteTask, fromChangeRow, fromStateRow, inboxPageSql,
  insertChanges, listChangesSql, selectTasks, upsertState, upsertTasks,
  type ChangeRow, type DigestRow, type StateRow, type Statement,
} from './index-sql';
import type {
  ChangeRecord, IndexPage, IndexQuery, IndexStore, IndexWrite, IndexedDigest, IndexedTask, SyncState,
} from './index-store';
import type { Task, TaskStatus } from '../core/task';

type Param = string | number | null;

export abstract class SqlStore implements Store, IndexStore {
  abstract readonly type: 'sqlite' | 'postgres';
  protected abstract readonly param: Placeholder;
  /** Runs a statement; returns the number of rows it changed. */
  protected abstract run(sql: string, params: Param[]): Promise<number>;
  protected abstract all<T>(sql: string, params: Param[]): Promise<T[]>;
  /** Runs the statements in one transaction: all of them or none. `addsChanges`: it inserts change records. */
  protected abstract runAll(statements: Statement[], addsChanges: boolean): Promise<void>;
  /** Rows per multi-row statement: 1 where a statement costs no round trip (SQLite), more where it does. */
  protected readonly rowsPerStatement: number = 1;
  abstract init(): Promise<void>;
  abstract ping(): Promise<void>;
  abstract close(): Promise<void>;

  /** One statement for store code kept in its own file (the events outbox, src/store/outbox-store.ts). */
  execute(sql: string, params: Param[]): Promise<number> {
    return this.run(sql, params);
  }

  select<T>(sql: string, params: Param[]): Promise<T[]> {
    return this.all<T>(sql, params);
  }

  async recordAudit(record: AuditRecord): Promise<void> {
    await this.run(INSERT_AUDIT(this.param), auditParams(record));
  }

  async queryAudit(query: AuditQuery): Promise<AuditPage> {
    const { sql, params } = auditPageSql(query, this.param);
    const rows = await this.all<AuditRow>(sql, params);
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(fromAuditRow),
      next: rows.length > query.limit && last ? { timeMs: Number(last.time_ms), id: Number(last.id) } : undefined,
    };
  }

  async claimIdempotencyKey({ scope, key, fingerprint, nowMs, ttlMs }: IdempotencyClaimInput): Promise<IdempotencyClaim> {
    const p = this.param;
    const params = [scope, key, fingerprint, nowMs, nowMs + ttlMs];
    // A record can vanish between the steps (purged, or released by its owner): then try again.
    for (let attempt = 0; attempt < 5; attempt++) {
      if ((await this.run(CLAIM_INSERT(p), params)) === 1) return { outcome: 'claimed' };
      if ((await this.run(CLAIM_TAKEOVER(p), params)) === 1) return { outcome: 'claimed' };
      const [row] = await this.all<IdempotencyRow>(CLAIM_READ(p), [scope, key]);
      if (!row) continue;
      if (row.fingerprint !== fingerprint) return { outcome: 'mismatch' };
      if (row.state !== 'done') return { outcome: 'in_progress', startedMs: Number(row.started_ms) };
      const response: StoredResponse = { status: Number(row.status), contentType: row.content_type ?? 'application/json', body: row.body ?? '' };
      if (row.headers) response.headers = JSON.parse(row.headers) as Record<string, string>;
      return { outcome: 'replay', response };
    }
    throw new Error('idempotency record kept changing under the claim');
  }

  async completeIdempotencyKey(scope: string, key: string, response: StoredResponse): Promise<void> {
    const headers = response.headers && Object.keys(response.headers).length ? JSON.stringify(response.headers) : null;
    await this.run(COMPLETE(this.param), [scope, key, response.status, response.contentType, response.body, headers]);
  }

  async releaseIdempotencyKey(scope: string, key: string): Promise<void> {
    await this.run(RELEASE(this.param), [scope, key]);
  }

  purgeExpired(nowMs: number): Promise<number> {
    return this.run(PURGE(this.param), [nowMs]);
  }

  async indexDigests(backend: string): Promise<IndexedDigest[]> {
    const rows = await this.all<DigestRow>(SELECT_DIGESTS(this.param), [backend]);
    return rows.map((row) => {
      const digest: IndexedDigest = { taskId: row.task_id, digest: row.digest, status: row.status as TaskStatus, listed: row.listed === 1 || row.listed === true };
      if (row.updated_ms !== null) digest.updatedMs = Number(row.updated_ms);
      return digest;
    });
  }

  async indexedTasks(backend: string, taskIds: string[]): Promise<IndexedTask[]> {
    const found: IndexedTask[] = [];
    // In slices: SQLite allows 32,766 parameters, PostgreSQL 65,535.
    for (let i = 0; i < taskIds.length; i += 1000) {
      const { sql, params } = selectTasks(this.param, backend, taskIds.slice(i, i + 1000));
      const rows = await this.all<{ task: string; listed: number | boolean }>(sql, params);
      for (const row of rows) found.push({ task: JSON.parse(row.task) as Task, listed: row.listed === 1 || row.listed === true });
    }
    return found;
  }

  async writeIndex(write: IndexWrite, nowMs = Date.now()): Promise<void> {
    const p = this.param;
    // The last upsert of a task wins (one statement may not change a row twice).
    const upserts = [...new Map(write.upserts.map((u) => [`${u.task.backend}\u0000${u.task.id}`, u])).values()];
    const statements: Statement[] = [
      ...chunks(upserts, this.rowsPerStatement).map((rows) => upsertTasks(p, rows, nowMs)),
      ...write.deletes.map((id) => deleteTask(p, write.backend, id)),
      ...chunks(write.changes, this.rowsPerStatement).map((rows) => insertChanges(p, rows)),
    ];
    if (write.state) statements.push(upsertState(p, write.state));
    if (statements.length > 0) await this.runAll(statements, write.changes.length > 0);
  }

  async queryIndex(query: IndexQuery): Promise<IndexPage> {
    const { sql, params } = inboxPageSql(query, this.param, this.type);
    const rows = await this.all<{ task: string; sort_key: number | string }>(sql, params);
    const page = rows.slice(0, query.limit);
    const items = page.map((row) => JSON.parse(row.task) as Task);
    const last = items[items.length - 1];
    return {
      items,
      next: rows.length > query.limit && last ? { key: Number(page[page.length - 1].sort_key), backend: last.backend, taskId: last.id } : undefined,
    };
  }

  async listChanges(afterSequence: number, limit: number): Promise<ChangeRecord[]> {
    return (await this.all<ChangeRow>(listChangesSql(this.param), [afterSequence, limit])).map(fromChangeRow);
  }

  async syncStates(): Promise<SyncState[]> {
    return (await this.all<StateRow>(SELECT_STATES, [])).map(fromStateRow);
  }

  async requestFullPass(backend: string): Promise<void> {
    await this.run(REQUEST_FULL_PASS(this.param), [backend]);
  }

  async acquireLease(backend: string, holder: string, nowMs: number, ttlMs: number): Promise<boolean> {
    return (await this.run(ACQUIRE_LEASE(this.param), [backend, holder, nowMs + ttlMs, nowMs])) === 1;
  }

  async releaseLease(backend: string, holder: string): Promise<void> {
    await this.run(RELEASE_LEASE(this.param), [backend, holder]);
  }
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The INSERT_AUDIT parameters of one record, in column order. */
export function auditParams(record: AuditRecord): Param[] {
  const row = toAuditRow(record);
  return [
    row.time_ms, row.request_id, row.key_name, row.on_behalf_of, row.backend, row.task_id, row.action,
    row.parameters, row.result, row.error_code, row.vendor_status, row.duration_ms, row.replayed, row.batch, row.via, row.parameters_truncated,
  ];
}
