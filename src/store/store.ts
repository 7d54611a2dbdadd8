// The durable store behind the audit trail, Idempotency-Key records and the task index: one interface, SQLite and PostgreSQL drivers.
import type { ActionStore, AuditPage, AuditQuery, AuditRecord } from '../core/action-records';
import type { IndexStore } from './index-store';

export type { AuditPage, AuditPosition, AuditQuery, AuditRecord, IdempotencyClaim, IdempotencyClaimInput, StoredResponse, Via } from '../core/action-records';
export { decodeCursor, encodeCursor } from '../core/action-records';

export interface Store extends ActionStore, IndexStore {
  /** Creates or migrates the schema. Safe to call from several instances at once. */
  init(): Promise<void>;
  queryAudit(query: AuditQuery): Promise<AuditPage>;
  /** Deletes expired idempotency records; returns how many. */
  purgeExpired(nowMs: number): Promise<number>;
  /** Throws when the store cannot be used (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The row shape both drivers read back. */
export interface AuditRow {
  id: number | string;
  time_ms: number | string;
  request_id: string;
  key_name: string;
  on_behalf_of: string | null;
  backend: string;
  task_id: string;
  action: string;
  parameters: string;
  result: string | null;
  error_code: string | null;
  vendor_status: number | null;
  duration_ms: number;
  replayed: number | boolean;
  batch: number | boolean;
  /** Null on rows written before the column existed (then `batch` tells rest from batch). */
  via: string | null;
  parameters_truncated: number | boolean;
}

export function toAuditRow(record: AuditRecord) {
  return {
    time_ms: Date.parse(record.time),
    request_id: record.requestId,
    key_name: record.keyName,
    on_behalf_of: record.onBehalfOf ?? null,
    backend: record.backend,
    task_id: record.taskId,
    action: record.action,
    parameters: JSON.stringify(record.parameters),
    result: record.result ?? null,
    error_code: record.errorCode ?? null,
    vendor_status: record.vendorStatus ?? null,
    duration_ms: record.durationMs,
    replayed: record.replayed ? 1 : 0,
    batch: record.via === 'batch' ? 1 : 0,
    via: record.via,
    parameters_truncated: record.parametersTruncated ? 1 : 0,
  };
}

export function fromAuditRow(row: AuditRow): AuditRecord {
  const record: AuditRecord = {
    time: new Date(Number(row.time_ms)).toISOString(),
    requestId: row.request_id,
    keyName: row.key_name,
    backend: row.backend,
    taskId: row.task_id,
    action: row.action,
    parameters: JSON.parse(row.parameters) as Record<string, unknown>,
    durationMs: Number(row.duration_ms),
    via: (row.via ?? (row.batch === true || row.batch === 1 ? 'batch' : 'rest')) as AuditRecord['via'],
  };
  if (row.on_behalf_of !== null) record.onBehalfOf = row.on_behalf_of;
  if (row.result !== null) record.result = row.result;
  if (row.error_code !== null) record.errorCode = row.error_code;
  if (row.vendor_status !== null) record.vendorStatus = Number(row.vendor_status);
  if (row.replayed === true || row.replayed === 1) record.replayed = true;
  if (row.parameters_truncated === true || row.parameters_truncated === 1) record.parametersTruncated = true;
  return record;
}
