// SQL both store drivers share: the audit page query and the idempotency statements, with the dialect's placeholders.
import type { AuditQuery } from './store';

export type Placeholder = (index: number) => string;
export const SQLITE_PARAM: Placeholder = (i) => `?${i}`;
export const POSTGRES_PARAM: Placeholder = (i) => `$${i}`;

const AUDIT_COLUMNS = 'id, time_ms, request_id, key_name, on_behalf_of, backend, task_id, action, parameters, result, error_code, vendor_status, duration_ms, replayed, batch, via, parameters_truncated';

export const INSERT_AUDIT = (p: Placeholder) =>
  `INSERT INTO taskgate_audit (time_ms, request_id, key_name, on_behalf_of, backend, task_id, action, parameters, result, error_code, vendor_status, duration_ms, replayed, batch, via, parameters_truncated)
   VALUES (${Array.from({ length: 16 }, (_, i) => p(i + 1)).join(', ')})`;

/** Newest first by (time, id); one row more than asked, to know whether there is a next page. */
export function auditPageSql(query: AuditQuery, p: Placeholder): { sql: string; params: (string | number)[] } {
  const where: string[] = [];
  const params: (string | number)[] = [];
  const add = (value: string | number) => {
    params.push(value);
    return p(params.length);
  };
  if (query.backend !== undefined) where.push(`backend = ${add(query.backend)}`);
  if (query.taskId !== undefined) where.push(`task_id = ${add(query.taskId)}`);
  if (query.fromMs !== undefined) where.push(`time_ms >= ${add(query.fromMs)}`);
  if (query.toMs !== undefined) where.push(`time_ms < ${add(query.toMs)}`);
  if (query.backends) {
    where.push(query.backends.length ? `backend IN (${query.backends.map((b) => add(b)).join(', ')})` : '1 = 0');
  }
  if (query.after) {
    const t1 = add(query.after.timeMs);
    const t2 = add(query.after.timeMs);
    where.push(`(time_ms < ${t1} OR (time_ms = ${t2} AND id < ${add(query.after.id)}))`);
  }
  const sql = `SELECT ${AUDIT_COLUMNS} FROM taskgate_audit${where.length ? ` WHERE ${where.join(' AND ')}` : ''}
    ORDER BY time_ms DESC, id DESC LIMIT ${add(query.limit + 1)}`;
  return { sql, params };
}

export const CLAIM_INSERT = (p: Placeholder) =>
  `INSERT INTO taskgate_idempotency (scope, key, fingerprint, state, started_ms, expires_ms)
   VALUES (${p(1)}, ${p(2)}, ${p(3)}, 'running', ${p(4)}, ${p(5)}) ON CONFLICT (scope, key) DO NOTHING`;

/** Takes over an expired record; only one of several racing claimers can match the WHERE. */
export const CLAIM_TAKEOVER = (p: Placeholder) =>
  `UPDATE taskgate_idempotency SET fingerprint = ${p(3)}, state = 'running', started_ms = ${p(4)}, expires_ms = ${p(5)},
     status = NULL, content_type = NULL, body = NULL, headers = NULL
   WHERE scope = ${p(1)} AND key = ${p(2)} AND expires_ms <= ${p(4)}`;

export const CLAIM_READ = (p: Placeholder) =>
  `SELECT fingerprint, state, started_ms, status, content_type, body, headers FROM taskgate_idempotency WHERE scope = ${p(1)} AND key = ${p(2)}`;

export const COMPLETE = (p: Placeholder) =>
  `UPDATE taskgate_idempotency SET state = 'done', status = ${p(3)}, content_type = ${p(4)}, body = ${p(5)}, headers = ${p(6)}
   WHERE scope = ${p(1)} AND key = ${p(2)} AND state = 'running'`;

export const RELEASE = (p: Placeholder) =>
  `DELETE FROM taskgate_idempotency WHERE scope = ${p(1)} AND key = ${p(2)} AND state = 'running'`;

export const PURGE = (p: Placeholder) => `DELETE FROM taskgate_idempotency WHERE expires_ms <= ${p(1)}`;

export interface IdempotencyRow {
  fingerprint: string;
  state: string;
  started_ms: number | string;
  status: number | null;
  content_type: string | null;
  body: string | null;
  headers: string | null;
}
