// The embedded store: SQLite through Node's built-in node:sqlite, one file under the data directory, zero setup.
import fs from 'node:fs';
import path from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { MIGRATIONS, MIGRATIONS_TABLE, migrationSql } from './migrations';
import type { Statement } from './index-sql';
import { INSERT_AUDIT, SQLITE_PARAM } from './sql';
import { SqlStore, auditParams } from './sql-store';
import type { AuditRecord } from './store';

type Param = string | number | null;

/** One write waiting for the next group commit: its statements, run inside the shared transaction. */
interface PendingWrite {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export class SqliteStore extends SqlStore {
  readonly type = 'sqlite' as const;
  protected readonly param = SQLITE_PARAM;
  private readonly db: DatabaseSync;
  /** Prepared once per SQL text: preparing is a large part of a small statement's cost. */
  private readonly statements = new Map<string, StatementSync>();
  /** Writes waiting for the next group commit (see groupCommit). */
  private pending: PendingWrite[] = [];

  /** `file` is a path (its directory is created) or `:memory:`. */
  constructor(readonly file: string) {
    super();
    if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    this.db = new DatabaseSync(file);
    // WAL lets readers and the writer overlap; FULL syncs the log at every commit, so a commit that returned is
    // on disk. The cost of that sync is shared by group commit (groupCommit): audit records and index writes.
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON');
  }

  async init(): Promise<void> {
    this.migrate();
  }

  /** Synchronous, so an app can get a ready in-memory store without awaiting. */
  migrate(): void {
    this.transaction(() => {
      this.db.exec(MIGRATIONS_TABLE);
      const done = new Set(this.db.prepare('SELECT version FROM taskgate_schema_migrations').all().map((r) => Number(r.version)));
      for (const migration of MIGRATIONS) {
        if (done.has(migration.version)) continue;
        for (const sql of migrationSql(migration, 'sqlite')) this.db.exec(sql);
        this.db.prepare('INSERT INTO taskgate_schema_migrations (version, applied_ms) VALUES (?, ?)').run(migration.version, Date.now());
      }
    });
  }

  private statement(sql: string): StatementSync {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** A write, group-committed (idempotency claims and completions share the sync with the audit records). */
  protected run(sql: string, params: Param[]): Promise<number> {
    return this.groupCommit(() => Number(this.statement(sql).run(...params).changes));
  }

  protected async all<T>(sql: string, params: Param[]): Promise<T[]> {
    return this.statement(sql).all(...params) as T[];
  }

  /** An index write (a sync cycle's or an action's): committed with whatever else this turn writes. */
  protected runAll(statements: Statement[]): Promise<void> {
    // Inside one transaction, and SQLite has one writer at a time: change records commit in sequence order.
    return this.groupCommit(() => {
      for (const { sql, params } of statements) this.statement(sql).run(...params);
    });
  }

  override recordAudit(record: AuditRecord): Promise<void> {
    let params: Param[];
    try {
      params = auditParams(record);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.groupCommit(() => {
      this.statement(INSERT_AUDIT(this.param)).run(...params);
    });
  }

  /**
   * Group commit: every write that arrives in the same event-loop turn (audit records, index writes and their change
   * records) runs in one transaction, so they share one sync of the log. Each promise resolves only once its write
   * is committed; if the shared transaction fails, each write is retried in a transaction of its own, so one bad
   * write fails only its own request.
   */
  private groupCommit<T>(run: () => T): Promise<T> {
    if (!this.db.isOpen) return Promise.reject(new Error('The store is closed'));
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ run, resolve: resolve as (value: unknown) => void, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    try {
      let results: unknown[] = [];
      this.transaction(() => {
        results = batch.map((item) => item.run());
      });
      batch.forEach((item, i) => item.resolve(results[i]));
    } catch (error) {
      if (batch.length === 1 || !this.db.isOpen) return batch.forEach((item) => item.reject(error));
      for (const item of batch) {
        try {
          let result: unknown;
          this.transaction(() => {
            result = item.run();
          });
          item.resolve(result);
        } catch (own) {
          item.reject(own);
        }
      }
    }
  }

  private transaction(work: () => void): void {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      work();
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    // Records already handed to recordAudit are committed (or fail) before the file is closed.
    if (this.db.isOpen) this.flush();
    if (this.db.isOpen) this.db.close();
  }
}
