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

interface PendingAudit {
  params: Param[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class SqliteStore extends SqlStore {
  readonly type = 'sqlite' as const;
  protected readonly param = SQLITE_PARAM;
  private readonly db: DatabaseSync;
  /** Prepared once per SQL text: preparing is a large part of a small statement's cost. */
  private readonly statements = new Map<string, StatementSync>();
  /** Audit records waiting for the next group commit (see recordAudit). */
  private pendingAudit: PendingAudit[] = [];

  /** `file` is a path (its directory is created) or `:memory:`. */
  constructor(readonly file: string) {
    super();
    if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    this.db = new DatabaseSync(file);
    // WAL lets readers and the writer overlap; FULL syncs the log at every commit, so a commit that returned is
    // on disk. The cost of that sync is shared by group commit (recordAudit), the hot write.
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

  protected async run(sql: string, params: Param[]): Promise<number> {
    return Number(this.statement(sql).run(...params).changes);
  }

  protected async all<T>(sql: string, params: Param[]): Promise<T[]> {
    return this.statement(sql).all(...params) as T[];
  }

  protected async runAll(statements: Statement[]): Promise<void> {
    // Synchronous from BEGIN to COMMIT: nothing else on this connection runs inside the transaction, and
    // SQLite has one writer at a time, so change records commit in sequence order.
    this.transaction(() => {
      for (const { sql, params } of statements) this.statement(sql).run(...params);
    });
  }

  /**
   * Group commit: the records of every attempt that finishes in the same event-loop turn are inserted in one
   * transaction, so they share one sync of the log. Each promise resolves only once its row is committed; if
   * the shared transaction fails, every row is retried in a transaction of its own, so one bad row fails only
   * its own request.
   */
  override recordAudit(record: AuditRecord): Promise<void> {
    let params: Param[];
    try {
      params = auditParams(record);
    } catch (error) {
      return Promise.reject(error);
    }
    if (!this.db.isOpen) return Promise.reject(new Error('The store is closed'));
    return new Promise((resolve, reject) => {
      this.pendingAudit.push({ params, resolve, reject });
      if (this.pendingAudit.length === 1) setImmediate(() => this.flushAudit());
    });
  }

  private flushAudit(): void {
    const batch = this.pendingAudit;
    this.pendingAudit = [];
    if (batch.length === 0) return;
    try {
      const insert = this.statement(INSERT_AUDIT(this.param));
      this.transaction(() => {
        for (const item of batch) insert.run(...item.params);
      });
      batch.forEach((item) => item.resolve());
    } catch (error) {
      if (batch.length === 1 || !this.db.isOpen) return batch.forEach((item) => item.reject(error));
      for (const item of batch) {
        try {
          this.transaction(() => this.statement(INSERT_AUDIT(this.param)).run(...item.params));
          item.resolve();
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
    if (this.db.isOpen) this.flushAudit();
    if (this.db.isOpen) this.db.close();
  }
}
