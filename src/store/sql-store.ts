// The store logic both SQL drivers share (audit, idempotency claims); a driver only runs statements and migrations.
import {
  CLAIM_INSERT, CLAIM_READ, CLAIM_TAKEOVER, COMPLETE, INSERT_AUDIT, PURGE, RELEASE, auditPageSql,
  type IdempotencyRow, type Placeholder,
} from './sql';
import {
  fromAuditRow, toAuditRow,
  type AuditPage, type AuditQuery, type AuditRecord, type AuditRow, type IdempotencyClaim, type IdempotencyClaimInput, type Store, type StoredResponse,
} from './store';

type Param = string | number | null;

export abstract class SqlStore implements Store {
  abstract readonly type: 'sqlite' | 'postgres';
  protected abstract readonly param: Placeholder;
  /** Runs a statement; returns the number of rows it changed. */
  protected abstract run(sql: string, params: Param[]): Promise<number>;
  protected abstract all<T>(sql: string, params: Param[]): Promise<T[]>;
  abstract init(): Promise<void>;
  abstract ping(): Promise<void>;
  abstract close(): Promise<void>;

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
}

/** The INSERT_AUDIT parameters of one record, in column order. */
export function auditParams(record: AuditRecord): Param[] {
  const row = toAuditRow(record);
  return [
    row.time_ms, row.request_id, row.key_name, row.on_behalf_of, row.backend, row.task_id, row.action,
    row.parameters, row.result, row.error_code, row.vendor_status, row.duration_ms, row.replayed, row.batch,
  ];
}
