// The embedded store: SQLite through Node's built-in node:sqlite, one file under the data directory, zero setup.
import fs from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { MIGRATIONS, MIGRATIONS_TABLE } from './migrations';
import { SQLITE_PARAM } from './sql';
import { SqlStore } from './sql-store';

type Param = string | number | null;

export class SqliteStore extends SqlStore {
  readonly type = 'sqlite' as const;
  protected readonly param = SQLITE_PARAM;
  private readonly db: DatabaseSync;

  /** `file` is a path (its directory is created) or `:memory:`. */
  constructor(readonly file: string) {
    super();
    if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    this.db = new DatabaseSync(file);
    // WAL lets readers and the writer overlap; FULL syncs every commit: an audit row survives a power cut.
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON');
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

  protected async run(sql: string, params: Param[]): Promise<number> {
    return Number(this.db.prepare(sql).run(...params).changes);
  }

  protected async all<T>(sql: string, params: Param[]): Promise<T[]> {
    return this.db.prepare(sql).all(...params) as T[];
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.db.isOpen) this.db.close();
  }
}
