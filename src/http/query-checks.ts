// The checks every query-string route shares: the backends a `backend` parameter names, then the query's schema.
import type { ValidateFunction } from 'ajv';
import { mayUseBackend, type Caller } from '../core/action-service';
import { GatewayError } from '../core/errors';

/**
 * The backends a comma-separated `backend` parameter names, checked as everywhere and before anything else of the
 * query (contract section 4, order of checks): the key's scope first (403, whether or not the backend exists), then
 * existence (404). Undefined when the parameter is absent (or not one plain value: the schema reports that).
 */
export function namedBackends(caller: Caller, raw: unknown, configured: { name: string }[]): string[] | undefined {
  if (typeof raw !== 'string' || raw === '') return undefined;
  const names = [...new Set(raw.split(','))];
  for (const name of names) {
    if (!mayUseBackend(caller, name)) throw new GatewayError('FORBIDDEN', `This API key may not use backend '${name.slice(0, 64)}'`, { backend: name.slice(0, 64) });
  }
  for (const name of names) {
    if (!configured.some((b) => b.name === name)) throw new GatewayError('BACKEND_NOT_FOUND', `No backend is named '${name.slice(0, 64)}'`, { backend: name.slice(0, 64) });
  }
  return names;
}

/** The query validated by its schema (defaults applied), or a 400 naming each bad parameter and what is allowed. */
export function validatedQuery<T>(validate: ValidateFunction, query: Record<string, unknown>, what: string, allowed: string): T {
  const copy = { ...query };
  if (validate(copy)) return copy as T;
  const errors = (validate.errors ?? []).map((e) => {
    const params = e.params as Record<string, unknown>;
    const path = (params.additionalProperty as string | undefined) ?? e.instancePath.replace(/^\//, '');
    return { path: path.slice(0, 64), message: e.keyword === 'additionalProperties' ? 'is not allowed' : e.message ?? e.keyword };
  });
  const error = new GatewayError('INVALID_REQUEST', `Invalid ${what}: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}; allowed: ${allowed}`);
  (error.context as Record<string, unknown>).errors = errors;
  throw error;
}
