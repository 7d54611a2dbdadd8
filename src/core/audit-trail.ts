// Reading the audit trail (contract section 8): the `audit` scope, the caller's backends only, newest first, by cursor.
import { decodeCursor, encodeCursor, type AuditReader, type AuditRecord } from './action-records';
import type { Caller } from './action-service';
import { GatewayError } from './errors';

/** A validated query of GET /v1/audit. */
export interface AuditRequest {
  backend?: string;
  taskId?: string;
  /** RFC 3339, inclusive. */
  from?: string;
  /** RFC 3339, exclusive. */
  to?: string;
  limit: number;
  cursor?: string;
}

export class AuditTrail {
  constructor(private readonly store: AuditReader) {}

  async read(caller: Caller, q: AuditRequest): Promise<{ items: AuditRecord[]; nextCursor?: string }> {
    if (!caller.scopes.includes('audit')) throw new GatewayError('FORBIDDEN', 'Reading the audit trail needs an API key with the `audit` scope');
    const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
    if (q.cursor !== undefined && !after) throw new GatewayError('INVALID_REQUEST', 'The cursor is not one this gateway gave out');
    const mayRead = caller.backends.includes('*') ? undefined : caller.backends;
    if (q.backend !== undefined && mayRead && !mayRead.includes(q.backend)) {
      throw new GatewayError('FORBIDDEN', `This API key may not use backend '${q.backend}'`, { backend: q.backend });
    }
    const page = await this.store.queryAudit({
      backend: q.backend, taskId: q.taskId, limit: q.limit, after, backends: mayRead,
      fromMs: q.from === undefined ? undefined : Date.parse(q.from),
      toMs: q.to === undefined ? undefined : Date.parse(q.to),
    });
    return page.next ? { items: page.items, nextCursor: encodeCursor(page.next) } : { items: page.items };
  }
}
