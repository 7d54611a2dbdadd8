// GET /v1/audit: the query validated against its schema, then read through the core's audit trail.
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { Request, Response } from 'express';
import auditQuerySchema from '../../schemas/audit-query.schema.json';
import type { Caller } from '../core/action-service';
import type { AuditRequest, AuditTrail } from '../core/audit-trail';
import { GatewayError } from '../core/errors';
import { validatedQuery } from './query-checks';

const ajv = new Ajv2020({ strict: true, allErrors: true, useDefaults: true, coerceTypes: true });
addFormats(ajv, ['date-time']);
const validateQuery = ajv.compile(auditQuerySchema);

export function auditHandler(audit: AuditTrail) {
  return async (req: Request, res: Response): Promise<void> => {
    const caller = res.locals.caller as Caller;
    // The scope is checked first: a key without it learns nothing about the query.
    if (!caller.scopes.includes('audit')) throw new GatewayError('FORBIDDEN', 'Reading the audit trail needs an API key with the `audit` scope');
    const query = validatedQuery<AuditRequest>(validateQuery, req.query as Record<string, unknown>, 'audit query', 'backend, taskId, from, to (RFC 3339), limit (1-500), cursor');
    res.json(await audit.read(caller, query));
  };
}
