// GET /v1/audit: the query validated against its schema, then read through the core's audit trail.
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { Request, Response } from 'express';
import auditQuerySchema from '../../schemas/audit-query.schema.json';
import type { Caller } from '../core/action-service';
import type { AuditRequest, AuditTrail } from '../core/audit-trail';
import { GatewayError } from '../core/errors';

const ajv = new Ajv2020({ strict: true, allErrors: true, useDefaults: true, coerceTypes: true });
addFormats(ajv, ['date-time']);
const validateQuery = ajv.compile(auditQuerySchema);

export function auditHandler(audit: AuditTrail) {
  return async (req: Request, res: Response): Promise<void> => {
    const caller = res.locals.caller as Caller;
    const query = { ...(req.query as Record<string, unknown>) };
    if (!validateQuery(query)) {
      // The scope is checked first: a key without it learns nothing about the query.
      if (!caller.scopes.includes('audit')) throw new GatewayError('FORBIDDEN', 'Reading the audit trail needs an API key with the `audit` scope');
      const errors = (validateQuery.errors ?? []).map((e) => {
        const params = e.params as Record<string, unknown>;
        const path = (params.additionalProperty as string | undefined) ?? e.instancePath.replace(/^\//, '');
        return { path: path.slice(0, 64), message: e.keyword === 'additionalProperties' ? 'is not allowed' : e.message ?? e.keyword };
      });
      const error = new GatewayError('INVALID_REQUEST', `Invalid audit query: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}; allowed: backend, taskId, from, to (RFC 3339), limit (1-500), cursor`);
      (error.context as Record<string, unknown>).errors = errors;
      throw error;
    }
    res.json(await audit.read(caller, query as unknown as AuditRequest));
  };
}
