// The store's schema as numbered migrations, one SQL list per dialect; applied in order at startup, each once.

export interface Migration {
  version: number;
  description: string;
  sqlite: string[];
  postgres: string[];
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    description: 'audit trail and idempotency records',
    sqlite: [
      `CREATE TABLE taskgate_audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        time_ms INTEGER NOT NULL,
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
        duration_ms REAL NOT NULL,
        replayed INTEGER NOT NULL DEFAULT 0,
        batch INTEGER NOT NULL DEFAULT 0
      )`,
      'CREATE INDEX taskgate_audit_time ON taskgate_audit (time_ms DESC, id DESC)',
      'CREATE INDEX taskgate_audit_task ON taskgate_audit (backend, task_id, time_ms DESC, id DESC)',
      `CREATE TABLE taskgate_idempotency (
        scope TEXT NOT NULL,
        key TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        state TEXT NOT NULL,
        started_ms INTEGER NOT NULL,
        expires_ms INTEGER NOT NULL,
        status INTEGER,
        content_type TEXT,
        body TEXT,
        headers TEXT,
        PRIMARY KEY (scope, key)
      )`,
      'CREATE INDEX taskgate_idempotency_expires ON taskgate_idempotency (expires_ms)',
    ],
    postgres: [
      `CREATE TABLE taskgate_audit (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        time_ms BIGINT NOT NULL,
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
        duration_ms DOUBLE PRECISION NOT NULL,
        replayed SMALLINT NOT NULL DEFAULT 0,
        batch SMALLINT NOT NULL DEFAULT 0
      )`,
      'CREATE INDEX taskgate_audit_time ON taskgate_audit (time_ms DESC, id DESC)',
      'CREATE INDEX taskgate_audit_task ON taskgate_audit (backend, task_id, time_ms DESC, id DESC)',
      `CREATE TABLE taskgate_idempotency (
        scope TEXT NOT NULL,
        key TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        state TEXT NOT NULL,
        started_ms BIGINT NOT NULL,
        expires_ms BIGINT NOT NULL,
        status INTEGER,
        content_type TEXT,
        body TEXT,
        headers TEXT,
        PRIMARY KEY (scope, key)
      )`,
      'CREATE INDEX taskgate_idempotency_expires ON taskgate_idempotency (expires_ms)',
    ],
  },
];

export const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS taskgate_schema_migrations (version INTEGER PRIMARY KEY, applied_ms BIGINT NOT NULL)`;
