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
  /**
   * The first failed sync, kept: after a failed fsync the kernel may have dropped the unsynced pages and
   * report success next time, so no later write can be called durable. The store stays failed (ping too, so
   * /readyz says so) until the process restarts and SQLite recovers the WAL.
   */
  private syncFailure?: Error;
  /** Set by close(): no new sync starts; `idle` is called when the last one ends. */
  private closing = false;
  private idle?: () => void;

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
    if (this.syncFailure) return Promise.reject(this.syncFailure);
    if (this.closing) return Promise.reject(new Error('The store is closed'));
    return new Promise((resolve, reject) => {
      this.awaitingSync.push({ resolve, reject });
      if (!this.syncing) this.sync();
    });
  }

  private sync(): void {
    const waiters = this.awaitingSync;
    this.awaitingSync = [];
    this.syncing = true;
    const done = (error: Error | null) => {
      this.syncing = false;
      if (error) this.syncFailure ??= new Error(`The audit store could not sync its log to disk: ${error.message}`, { cause: error });
      for (const waiter of waiters) {
        if (this.syncFailure) waiter.reject(this.syncFailure);
        else waiter.resolve();
      }
      if (this.awaitingSync.length > 0) this.sync();
      else this.idle?.();
    };
    try {
      // Opened once: SQLite keeps the same WAL file (rewound after checkpoints) while this connection is open.
      // (Checking it on every sync with fstat cost ~30 µs per commit here, for a case that does not occur.)
      // location() is the real path, symlinks resolved, which is where SQLite puts the WAL.
      this.walFd ??= fs.openSync(`${this.db.location() ?? this.file}-wal`, 'r');
    } catch (error) {
      return done(error as Error);
    }
    fs.fdatasync(this.walFd, done);
  }

  /** Reads wait for the syncs in progress: nothing is decided on a row a power cut could still take back. */
  protected async all<T>(sql: string, params: Param[]): Promise<T[]> {
    if (this.syncing || this.awaitingSync.length > 0) await this.durable();
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
    let insert: StatementSync;
    let committed: PendingAudit[];
    try {
      insert = this.statement(INSERT_AUDIT(this.param));
      this.transaction(() => {
        for (const item of batch) insert.run(...item.params);
      });
      committed = batch;
    } catch (error) {
      if (batch.length === 1 || !this.db.isOpen) return batch.forEach((item) => item.reject(error));
      committed = [];
      for (const item of batch) {
        try {
          this.transaction(() => this.statement(INSERT_AUDIT(this.param)).run(...item.params));
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
    if (this.syncFailure) throw this.syncFailure;
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    // Records already handed to recordAudit are committed and synced (or fail) before the file is closed;
    // a write that comes later fails rather than start a sync on a closed file.
    if (this.db.isOpen) this.flushAudit();
    this.closing = true;
    if (this.syncing) await new Promise<void>((resolve) => (this.idle = resolve));
    if (this.walFd !== undefined) fs.closeSync(this.walFd);
    this.walFd = undefined;
    if (this.db.isOpen) this.db.close();
  }
}
