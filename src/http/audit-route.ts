// GET /v1/audit: the audit trail, newest first, filtered and paged, for keys with the `audit` scope.
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { Request, Response } from 'express';
import auditQuerySchema from '../../schemas/audit-query.schema.json';
import { GatewayError } from '../core/errors';
import { decodeCursor, encodeCursor, type Store } from '../store/store';
import type { Caller } from './api-keys';

const ajv = new Ajv2020({ strict: true, allErrors: true, useDefaults: true, coerceTypes: true });
addFormats(ajv, ['date-time']);
const validateQuery = ajv.compile(auditQuerySchema);

interface AuditQueryParams {
  backend?: string;
  taskId?: string;
  from?: string;
  to?: string;
  limit: number;
  cursor?: string;
}

export function auditHandler(store: Store) {
  return async (req: Request, res: Response): Promise<void> => {
    const caller = res.locals.caller as Caller;
    if (!caller.scopes.includes('audit')) throw new GatewayError('FORBIDDEN', 'Reading the audit trail needs an API key with the `audit` scope');
    const query = { ...(req.query as Record<string, unknown>) };
    if (!validateQuery(query)) {
      const errors = (validateQuery.errors ?? []).map((e) => {
        const params = e.params as Record<string, unknown>;
        const path = (params.additionalProperty as string | undefined) ?? e.instancePath.replace(/^\//, '');
        return { path: path.slice(0, 64), message: e.keyword === 'additionalProperties' ? 'is not allowed' : e.message ?? e.keyword };
      });
      const error = new GatewayError('INVALID_REQUEST', `Invalid audit query: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}; allowed: backend, taskId, from, to (RFC 3339), limit (1-500), cursor`);
      (error.context as Record<string, unknown>).errors = errors;
      throw error;
    }
    const q = query as unknown as AuditQueryParams;
    const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
    if (q.cursor !== undefined && !after) throw new GatewayError('INVALID_REQUEST', 'The cursor is not one this gateway gave out');
    const mayRead = caller.backends.includes('*') ? undefined : caller.backends;
    if (q.backend !== undefined && mayRead && !mayRead.includes(q.backend)) {
      throw new GatewayError('FORBIDDEN', `This API key may not use backend '${q.backend}'`, { backend: q.backend });
    }
    const page = await store.queryAudit({
      backend: q.backend, taskId: q.taskId, limit: q.limit, after, backends: mayRead,
      fromMs: q.from === undefined ? undefined : Date.parse(q.from),
      toMs: q.to === undefined ? undefined : Date.parse(q.to),
    });
    const body: { items: unknown[]; nextCursor?: string } = { items: page.items };
    if (page.next) body.nextCursor = encodeCursor(page.next);
    res.json(body);
  };
}
