// The embedded store: SQLite through Node's built-in node:sqlite, one file under the data directory, zero setup.
import fs from 'node:fs';
import path from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { MIGRATIONS, MIGRATIONS_TABLE } from './migrations';
import { INSERT_AUDIT, SQLITE_PARAM } from './sql';
import { SqlStore, auditParams } from './sql-store';
import type { AuditRecord } from './store';

type Param = string | number | null;

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface PendingAudit extends Waiter {
  params: Param[];
}

export class SqliteStore extends SqlStore {
  readonly type = 'sqlite' as const;
  protected readonly param = SQLITE_PARAM;
  private readonly db: DatabaseSync;
  /** Prepared once per SQL text: preparing is a large part of a small statement's cost. */
  private readonly statements = new Map<string, StatementSync>();
  /** Audit records waiting for the next group commit (see recordAudit). */
  private pendingAudit: PendingAudit[] = [];
  /** The write-ahead log, opened on the first sync: fdatasync'd off the event loop (see `durable`). */
  private walFd?: number;
  /** False where SQLite syncs its own commits (no WAL: a filesystem without it, or `:memory:`). */
  private readonly syncsWal: boolean;
  private syncing = false;
  /** Committed writes waiting for the next WAL sync. */
  private awaitingSync: Waiter[] = [];

  /** `file` is a path (its directory is created) or `:memory:`. */
  constructor(readonly file: string) {
    super();
    if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    this.db = new DatabaseSync(file);
    // WAL lets readers and the writer overlap. Every commit is made durable before it is reported, as FULL
    // would, but by `durable()`: FULL's fsync of the WAL after each commit would block the event loop, so
    // SQLite is told NORMAL (it still syncs at checkpoints) and the WAL is fdatasync'd on libuv's pool.
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON');
    // A filesystem without WAL support keeps the rollback journal: then SQLite must sync each commit itself.
    const mode = (this.db.prepare('PRAGMA journal_mode').get() as { journal_mode?: string } | undefined)?.journal_mode;
    this.syncsWal = file !== ':memory:' && mode === 'wal';
    if (file !== ':memory:' && !this.syncsWal) this.db.exec('PRAGMA synchronous = FULL');
  }

  async init(): Promise<void> {
    this.migrate();
  }

  /** Synchronous, so an app can get a ready in-memory store without awaiting. */
  migrate(): void {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      this.db.exec(MIGRATIONS_TABLE);
      const done = new Set(this.db.prepare('SELECT version FROM taskgate_schema_migrations').all().map((r) => Number(r.version)));
      for (const migration of MIGRATIONS) {
        if (done.has(migration.version)) continue;
        for (const sql of migration.sqlite) this.db.exec(sql);
        this.db.prepare('INSERT INTO taskgate_schema_migrations (version, applied_ms) VALUES (?, ?)').run(migration.version, Date.now());
      }
      this.db.exec('COMMIT');
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
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
    const changes = Number(this.statement(sql).run(...params).changes);
    if (changes > 0) await this.durable();
    return changes;
  }

  /**
   * Resolves once everything committed so far is on disk: one fdatasync of the WAL (what synchronous = FULL
   * does after each commit), on libuv's thread pool so the event loop goes on meanwhile. Commits made while a
   * sync runs wait for the next one, so each sync covers every commit before it: group commit at any rate.
   */
  private durable(): Promise<void> {
    if (!this.syncsWal) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.awaitingSync.push({ resolve, reject });
      if (!this.syncing) this.sync();
    });
  }

  private sync(): void {
    const waiters = this.awaitingSync;
    this.awaitingSync = [];
    this.syncing = true;
    const done = (error: unknown) => {
      this.syncing = false;
      for (const waiter of waiters) {
        if (error) waiter.reject(error);
        else waiter.resolve();
      }
      if (this.awaitingSync.length > 0) this.sync();
    };
    try {
      // Opened once: SQLite keeps the same WAL file (rewound after checkpoints) while this connection is open.
      // (Checking it on every sync with fstat cost ~30 µs per commit here, for a case that does not occur.)
      this.walFd ??= fs.openSync(`${this.file}-wal`, 'r');
    } catch (error) {
      return done(error);
    }
    fs.fdatasync(this.walFd, done);
  }

  protected async all<T>(sql: string, params: Param[]): Promise<T[]> {
    return this.statement(sql).all(...params) as T[];
  }

  /**
   * Group commit: the records of every attempt that finishes in the same event-loop turn are inserted in one
   * transaction, and share a WAL sync with every other commit before it (see `durable`). Each promise resolves
   * only once its row is committed and on disk; if the shared transaction fails, every row is retried in a
   * transaction of its own, so one bad row fails only its own request.
   */
  override recordAudit(record: AuditRecord): Promise<void> {
    let params: Param[];
    try {
      params = auditParams(record);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      this.pendingAudit.push({ params, resolve, reject });
      if (this.pendingAudit.length === 1) setImmediate(() => this.flushAudit());
    });
  }

  private flushAudit(): void {
    const batch = this.pendingAudit;
    this.pendingAudit = [];
    if (batch.length === 0) return;
    const insert = this.statement(INSERT_AUDIT(this.param));
    let committed: PendingAudit[];
    try {
      this.transaction(() => {
        for (const item of batch) insert.run(...item.params);
      });
      committed = batch;
    } catch (error) {
      if (batch.length === 1) return batch[0].reject(error);
      committed = [];
      for (const item of batch) {
        try {
          this.transaction(() => insert.run(...item.params));
          committed.push(item);
        } catch (own) {
          item.reject(own);
        }
      }
    }
    if (committed.length > 0) {
      this.durable().then(() => committed.forEach((item) => item.resolve()), (error: unknown) => committed.forEach((item) => item.reject(error)));
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
    // Records already handed to recordAudit are committed and synced (or fail) before the file is closed.
    if (this.db.isOpen) this.flushAudit();
    // Queued behind every sync already asked for, so once it is done they all are.
    await this.durable().catch(() => undefined);
    if (this.walFd !== undefined) fs.closeSync(this.walFd);
    this.walFd = undefined;
    if (this.db.isOpen) this.db.close();
  }
}
