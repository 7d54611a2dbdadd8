// Request validation with ajv against schemas/: action bodies per action, list and get queries per adapter.
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import actionSchema from '../../schemas/action-request.schema.json';
import { ACTION_NAMES, isActionName, type ActionName, type ActionParameters } from '../core/actions';
import type { AnyAdapter } from '../core/adapter';
import { GatewayError } from '../core/errors';
import { TASK_STATUSES, type TaskListQuery, type TaskStatus } from '../core/task';

const ajv = new Ajv2020({ allErrors: true, useDefaults: true, strict: true, strictRequired: false });
addFormats(ajv, ['date-time']);
ajv.addSchema(actionSchema);

const byAction = new Map<ActionName, ValidateFunction>(
  ACTION_NAMES.map((name) => [name, ajv.compile({ $ref: `${actionSchema.$id}#/$defs/${name}` })]),
);

export interface FieldError {
  path: string;
  message: string;
}

function fieldErrors(errors: ErrorObject[] | null | undefined, action?: string): FieldError[] {
  return (errors ?? []).map((e) => {
    const params = e.params as Record<string, unknown>;
    const path = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
    if (e.keyword === 'additionalProperties') {
      const name = [path, params.additionalProperty].filter(Boolean).join('.');
      return { path: name, message: action && !path ? `is not a parameter of '${action}'` : 'is not allowed' };
    }
    if (e.keyword === 'required') return { path: [path, params.missingProperty].filter(Boolean).join('.'), message: 'is required' };
    if (e.keyword === 'not' && action === 'suspend') return { path: '', message: 'give `until` or `durationSeconds`, not both' };
    if (e.keyword === 'minProperties' && action === 'update') return { path: '', message: 'give at least one property to update' };
    return { path, message: e.message ?? e.keyword };
  });
}

function invalid(detail: string, errors: FieldError[]): GatewayError {
  const error = new GatewayError('INVALID_REQUEST', detail);
  (error.context as Record<string, unknown>).errors = errors;
  return error;
}

/** Validates an action body; returns the action and its parameters (with schema defaults applied). */
export function validateActionBody(body: unknown): { action: ActionName; params: ActionParameters } {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw invalid('The body must be a JSON object: { "action": "<name>", ...parameters }', []);
  }
  const action = (body as Record<string, unknown>).action;
  if (action === undefined) throw invalid('The body has no `action`', [{ path: 'action', message: 'is required' }]);
  if (!isActionName(action)) {
    throw invalid(`Unknown action ${JSON.stringify(action).slice(0, 80)}; known actions: ${ACTION_NAMES.join(', ')}`, [
      { path: 'action', message: 'is not a canonical action' },
    ]);
  }
  const validate = byAction.get(action)!;
  if (!validate(body)) {
    const errors = fieldErrors(validate.errors, action);
    throw invalid(`Invalid parameters for '${action}': ${errors.map((e) => `${e.path || '(body)'} ${e.message}`).join('; ')}`, errors);
  }
  const { action: _omit, ...params } = body as Record<string, unknown>;
  return { action, params: params as ActionParameters };
}

type Query = Record<string, unknown>;

function single(query: Query, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(`Query parameter '${name}' must be given once, as a plain value`, [{ path: name, message: 'must be a string' }]);
  return value;
}

function rejectUnknown(query: Query, allowed: string[]): void {
  const unknown = Object.keys(query).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    throw invalid(`Unknown query parameter(s): ${unknown.map((k) => k.slice(0, 64)).join(', ')}; allowed: ${allowed.join(', ')}`,
      unknown.map((k) => ({ path: k.slice(0, 64), message: 'is not allowed' })));
  }
}

function integer(query: Query, name: string, min: number, max: number, fallback: number): number {
  const raw = single(query, name);
  if (raw === undefined) return fallback;
  if (!/^\d{1,7}$/.test(raw) || +raw < min || +raw > max) {
    throw invalid(`Query parameter '${name}' must be an integer from ${min} to ${max}`, [{ path: name, message: `must be ${min}-${max}` }]);
  }
  return +raw;
}

export function validateInclude(query: Query): boolean {
  const include = single(query, 'include');
  if (include !== undefined && include !== 'raw') throw invalid("Query parameter 'include' accepts only 'raw'", [{ path: 'include', message: "must be 'raw'" }]);
  return include === 'raw';
}

export function validateGetQuery(query: Query): { includeRaw: boolean } {
  rejectUnknown(query, ['include']);
  return { includeRaw: validateInclude(query) };
}

export function validateDryRun(query: Query): boolean {
  rejectUnknown(query, ['dryRun']);
  return dryRunOf(query);
}

/** The action route's query: `dryRun`, and `include=raw` for the vendor's object in the returned task. */
export function validateActionQuery(query: Query): { dryRun: boolean; includeRaw: boolean } {
  rejectUnknown(query, ['dryRun', 'include']);
  return { dryRun: dryRunOf(query), includeRaw: validateInclude(query) };
}

function dryRunOf(query: Query): boolean {
  const dryRun = single(query, 'dryRun');
  if (dryRun !== undefined && dryRun !== 'true' && dryRun !== 'false') {
    throw invalid("Query parameter 'dryRun' must be true or false", [{ path: 'dryRun', message: 'must be true or false' }]);
  }
  return dryRun === 'true';
}

/** The list query: limit, offset, status, include and the vendor filters the adapter declared. */
export function validateListQuery(query: Query, adapter: AnyAdapter, backend: string): { query: TaskListQuery; includeRaw: boolean } {
  const filterNames = Object.keys(adapter.listFilters);
  rejectUnknown(query, ['limit', 'offset', 'status', 'include', ...filterNames]);
  const limit = integer(query, 'limit', 1, 100, 20);
  const offset = integer(query, 'offset', 0, 1_000_000, 0);
  const status = single(query, 'status');
  if (status !== undefined) {
    if (!(TASK_STATUSES as readonly string[]).includes(status)) {
      throw invalid(`Query parameter 'status' must be one of ${TASK_STATUSES.join(', ')}`, [{ path: 'status', message: 'is not a canonical status' }]);
    }
    if (!adapter.listStatuses.includes(status)) {
      const can = adapter.listStatuses.length ? `it can filter by ${adapter.listStatuses.join(', ')} only` : 'it cannot filter by status';
      throw invalid(`Backend '${backend}' (${adapter.vendor}) cannot filter tasks by status '${status}': ${can}`, [{ path: 'status', message: 'is not supported by this backend' }]);
    }
  }
  const filters: Record<string, string> = {};
  for (const [name, rule] of Object.entries(adapter.listFilters)) {
    const value = single(query, name);
    if (value === undefined) continue;
    const ok = value.length <= (rule.maxLength ?? 256) && (!rule.enum || rule.enum.includes(value)) && (!rule.pattern || new RegExp(rule.pattern).test(value));
    if (!ok) {
      const expected = rule.enum ? `one of ${rule.enum.join(', ')}` : `at most ${rule.maxLength ?? 256} characters`;
      throw invalid(`Query parameter '${name}' must be ${expected}`, [{ path: name, message: `must be ${expected}` }]);
    }
    filters[name] = value;
  }
  return { query: { limit, offset, status: status as TaskStatus | undefined, filters }, includeRaw: validateInclude(query) };
}
