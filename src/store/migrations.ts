// The store's schema as numbered migrations, written once for both dialects; applied in order at startup, each once.
import { randomBytes } from 'node:crypto';

export type Dialect = 'sqlite' | 'postgres';

/** The few column types the dialects spell differently; everything else in a migration is shared SQL. */
interface Types {
  /** An auto-increasing 64-bit row id, the table's primary key. */
  id: string;
  /** Epoch milliseconds and other 64-bit integers. */
  bigint: string;
  double: string;
  /** A 0/1 flag. */
  flag: string;
}

const TYPES: Record<Dialect, Types> = {
  sqlite: { id: 'INTEGER PRIMARY KEY AUTOINCREMENT', bigint: 'INTEGER', double: 'REAL', flag: 'INTEGER' },
  postgres: { id: 'BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY', bigint: 'BIGINT', double: 'DOUBLE PRECISION', flag: 'SMALLINT' },
};

export interface Migration {
  version: number;
  description: string;
  /** The statements, in order, with the dialect's column types. */
  sql(t: Types, dialect: Dialect): string[];
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    description: 'audit trail and idempotency records',
    sql: (t) => [
      `CREATE TABLE taskgate_audit (
        id ${t.id},
        time_ms ${t.bigint} NOT NULL,
        request_id TEXT NOT NULL,
        key_name TEXT NOT NULL,
        on_behalf_of TEXT,
        backend TEXT NOT NULL,
        task_id TEXT NOT NULL,
        action TEXT NOT NULL,
        parameters TEXT NOT NULL,
        result TEXT,
        error_code TEXT,
        vendor_status INTEGER,
        duration_ms ${t.double} NOT NULL,
        replayed ${t.flag} NOT NULL DEFAULT 0,
        batch ${t.flag} NOT NULL DEFAULT 0
      )`,
      'CREATE INDEX taskgate_audit_time ON taskgate_audit (time_ms DESC, id DESC)',
      'CREATE INDEX taskgate_audit_task ON taskgate_audit (backend, task_id, time_ms DESC, id DESC)',
      `CREATE TABLE taskgate_idempotency (
        scope TEXT NOT NULL,
        key TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        state TEXT NOT NULL,
        started_ms ${t.bigint} NOT NULL,
        expires_ms ${t.bigint} NOT NULL,
        status INTEGER,
        content_type TEXT,
        body TEXT,
        headers TEXT,
        PRIMARY KEY (scope, key)
      )`,
      'CREATE INDEX taskgate_idempotency_expires ON taskgate_idempotency (expires_ms)',
    ],
  },
  {
    version: 2,
    description: 'task index, change records, sync state and sync leases',
    sql: (t) => [
      // The *_key columns are the sort keys, never null (see sortKey in src/store/index-sql.ts); the plain
      // *_ms columns serve the filters.
      `CREATE TABLE taskgate_tasks (
        backend TEXT NOT NULL,
        task_id TEXT NOT NULL,
        status TEXT NOT NULL,
        assignee TEXT,
        name_lower TEXT NOT NULL,
        updated_ms ${t.bigint},
        due_ms ${t.bigint},
        created_key ${t.bigint} NOT NULL,
        updated_key ${t.bigint} NOT NULL,
        due_key ${t.bigint} NOT NULL,
        listed ${t.flag} NOT NULL DEFAULT 1,
        digest TEXT NOT NULL,
        task TEXT NOT NULL,
        indexed_ms ${t.bigint} NOT NULL,
        PRIMARY KEY (backend, task_id)
      )`,
      'CREATE INDEX taskgate_tasks_created ON taskgate_tasks (created_key, backend, task_id)',
      'CREATE INDEX taskgate_tasks_updated ON taskgate_tasks (updated_key, backend, task_id)',
      'CREATE INDEX taskgate_tasks_due ON taskgate_tasks (due_key, backend, task_id)',
      'CREATE INDEX taskgate_tasks_status ON taskgate_tasks (status, created_key, backend, task_id)',
      `CREATE TABLE taskgate_changes (
        sequence ${t.id},
        time_ms ${t.bigint} NOT NULL,
        backend TEXT NOT NULL,
        task_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        task TEXT,
        changes TEXT,
        previous TEXT,
        action TEXT,
        result TEXT,
        error_code TEXT,
        key_name TEXT,
        on_behalf_of TEXT,
        request_id TEXT
      )`,
      'CREATE INDEX taskgate_changes_time ON taskgate_changes (time_ms)',
      `CREATE TABLE taskgate_sync_state (
        backend TEXT PRIMARY KEY,
        status TEXT NOT NULL,
        synced_ms ${t.bigint},
        attempted_ms ${t.bigint},
        error_code TEXT,
        error_detail TEXT,
        cycles ${t.bigint} NOT NULL DEFAULT 0,
        failures INTEGER NOT NULL DEFAULT 0,
        high_water_ms ${t.bigint},
        full_requested ${t.flag} NOT NULL DEFAULT 0
      )`,
      `CREATE TABLE taskgate_sync_leases (
        backend TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        expires_ms ${t.bigint} NOT NULL
      )`,
    ],
  },
  {
    version: 3,
    description: 'audit: the door an attempt came through (via), and whether its parameters were cut',
    sql: (t) => [
      // `batch` stays for rows written before: a row without `via` came through rest or batch as `batch` says.
      'ALTER TABLE taskgate_audit ADD COLUMN via TEXT',
      `ALTER TABLE taskgate_audit ADD COLUMN parameters_truncated ${t.flag} NOT NULL DEFAULT 0`,
    ],
  },
  {
    version: 4,
    description: 'change events: the webhook deliveries outbox and the relay position',
    sql: (t) => [
      // One row: this store's id (part of every event id) and the last change record turned into deliveries.
      `CREATE TABLE taskgate_event_state (
        id INTEGER PRIMARY KEY,
        store_id TEXT NOT NULL,
        relayed ${t.bigint} NOT NULL
      )`,
      // Change records written before this migration stay in the feed but are not pushed to webhooks: a webhook
      // receives what is committed once it exists.
      `INSERT INTO taskgate_event_state (id, store_id, relayed)
        SELECT 1, '${randomBytes(6).toString('hex')}', COALESCE(MAX(sequence), 0) FROM taskgate_changes`,
      // One row per (webhook, change record); the payload is kept so a redelivery sends the same event after
      // the change record itself is purged. No secret is ever stored.
      `CREATE TABLE taskgate_deliveries (
        id ${t.id},
        webhook TEXT NOT NULL,
        sequence ${t.bigint} NOT NULL,
        event_id TEXT NOT NULL,
        event_type TEXT NOT NULL,
        backend TEXT NOT NULL,
        task_id TEXT NOT NULL,
        payload TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_ms ${t.bigint} NOT NULL,
        lease_holder TEXT,
        lease_ms ${t.bigint},
        created_ms ${t.bigint} NOT NULL,
        last_attempt_ms ${t.bigint},
        delivered_ms ${t.bigint},
        last_status INTEGER,
        last_error TEXT,
        error_ms ${t.bigint},
        error_status INTEGER,
        UNIQUE (webhook, sequence)
      )`,
      'CREATE INDEX taskgate_deliveries_due ON taskgate_deliveries (status, next_ms)',
      'CREATE INDEX taskgate_deliveries_list ON taskgate_deliveries (webhook, status, id)',
      'CREATE INDEX taskgate_deliveries_created ON taskgate_deliveries (created_ms)',
      'CREATE INDEX taskgate_deliveries_errors ON taskgate_deliveries (webhook, error_ms)',
    ],
  },
];

/** A migration's statements in one dialect. */
export function migrationSql(migration: Migration, dialect: Dialect): string[] {
  return migration.sql(TYPES[dialect], dialect);
}

export const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS taskgate_schema_migrations (version INTEGER PRIMARY KEY, applied_ms BIGINT NOT NULL)`;
