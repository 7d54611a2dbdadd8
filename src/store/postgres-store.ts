// The shared store: PostgreSQL through pg, for several gateway instances sharing one audit trail and idempotency store.
import { Pool } from 'pg';
import { MIGRATIONS, MIGRATIONS_TABLE, migrationSql } from './migrations';
import type { Statement } from './index-sql';
import { POSTGRES_PARAM } from './sql';
import { SqlStore } from './sql-store';

type Param = string | number | null;

export interface PostgresStoreOptions {
  url: string;
  /** The schema holding taskgate's tables (created when missing). Default `public`. */
  schema?: string;
  /** Called with errors of idle pooled connections (which would otherwise crash the process). */
  onError?: (error: Error) => void;
}

export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export class PostgresStore extends SqlStore {
  readonly type = 'postgres' as const;
  protected readonly param = POSTGRES_PARAM;
  /** Each statement is a round trip: index writes go 200 rows at a time (under 65,535 parameters). */
  protected override readonly rowsPerStatement = 200;
  private readonly pool: Pool;
  private readonly schema: string;

  constructor(options: PostgresStoreOptions) {
    super();
    this.schema = options.schema ?? 'public';
    if (!SCHEMA_NAME.test(this.schema)) throw new Error(`store.schema must match ${SCHEMA_NAME}`);
    this.pool = new Pool({
      connectionString: options.url,
      max: 10,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30_000,
      options: `-c search_path=${this.schema}`,
    });
    this.pool.on('error', (error) => options.onError?.(error));
  }

  async init(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // Several instances may start together: one migrates, the others wait and then find nothing to do.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`taskgate-migrations:${this.schema}`]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
      await client.query(MIGRATIONS_TABLE);
      const { rows } = await client.query<{ version: number }>('SELECT version FROM taskgate_schema_migrations');
      const done = new Set(rows.map((r) => Number(r.version)));
      for (const migration of MIGRATIONS) {
        if (done.has(migration.version)) continue;
        for (const sql of migrationSql(migration, 'postgres')) await client.query(sql);
        await client.query('INSERT INTO taskgate_schema_migrations (version, applied_ms) VALUES ($1, $2)', [migration.version, Date.now()]);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  protected async run(sql: string, params: Param[]): Promise<number> {
    return (await this.pool.query(sql, params)).rowCount ?? 0;
  }

  protected async all<T>(sql: string, params: Param[]): Promise<T[]> {
    return (await this.pool.query(sql, params)).rows as T[];
  }

  protected async runAll(statements: Statement[], addsChanges: boolean): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // Change records commit one transaction at a time, so their sequence numbers become visible in order:
      // a reader that has seen sequence n never later finds a smaller one appear.
      if (addsChanges) {
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`taskgate-changes:${this.schema}`]);
      }
      for (const { sql, params } of statements) await client.query(sql, params);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** The pool, for other state every instance must share (the rate limiter's buckets). */
  sharedPool(): Pool {
    return this.pool;
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
