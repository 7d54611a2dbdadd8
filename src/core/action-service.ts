// The action service: one action end to end, whatever door it came through (REST, batch, MCP): scope, validation,
// Idempotency-Key claim or replay, gateway.perform, the audit record committed, the answer decided.
import { hash } from 'node:crypto';
import type { ActionStore, AuditRecord, StoredResponse, Via } from './action-records';
import { isActionName, type ActionCommand, type ActionName, type ActionParameters } from './actions';
import { GatewayError, problemOf, type ErrorContext } from './errors';
import { redact, type CallTrace, type DryRunResponse, type Gateway } from './gateway';
import { withoutRaw, type Task } from './task';

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** A key still `running` after this long belongs to an attempt that was cut off (a crash): its outcome is unknown. */
export const INTERRUPTED_AFTER_MS = 15 * 60 * 1000;
/** The audit trail keeps at most this much of a request's parameters (contract section 8, Bounds on input). */
export const AUDIT_PARAMETERS_MAX_BYTES = 4096;
/** Deepest JSON accepted in an action body (contract section 8). */
export const MAX_JSON_DEPTH = 64;
const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,255}$/;
const ON_BEHALF_OF = /^[^\u0000-\u001f\u007f]{1,256}$/;
const TASK_ID = /^[^\u0000-\u001f\u007f]{1,256}$/;

/** Who is calling: an API key's name, the backends it may use and its scopes. */
export interface Caller {
  name: string;
  backends: string[];
  scopes: string[];
}

export function mayUseBackend(caller: Caller, backend: string): boolean {
  return caller.backends.includes('*') || caller.backends.includes(backend);
}

/** One action as a door hands it over: the body as sent, `{ action, ...parameters }`. */
export interface ActionInput {
  requestId: string;
  caller: Caller;
  backend: string;
  taskId: string;
  body: unknown;
  via: Via;
  /** The action route's query: part of the Idempotency-Key fingerprint. */
  query?: Record<string, unknown>;
  idempotencyKey?: string;
  onBehalfOf?: string;
  /** The vendor's own object in the returned task (`?include=raw`). */
  includeRaw?: boolean;
  /** Filled in with what the vendor answered, for the request log line. */
  trace?: CallTrace;
}

/** An answer, fully decided and serialized: what is sent, stored for replay and audited. */
export interface ActionOutcome extends StoredResponse {
  headers: Record<string, string>;
  result?: string;
  errorCode?: string;
}

/** What the service tells the rest of the gateway (metrics, the task index, change events). */
export interface ActionObserver {
  idempotency?(outcome: 'executed' | 'replayed' | 'reused' | 'in_progress'): void;
  auditWrite?<T>(store: string, write: () => Promise<T>): Promise<T>;
  /** An action was performed and audited (not a replay, not refused before the vendor). */
  performed?(record: AuditRecord, task: Task | undefined): void | Promise<void>;
}

export interface ActionServiceDeps {
  gateway: Gateway;
  store: ActionStore;
  /** Validates an action body: its action and parameters, schema defaults applied; throws 400. */
  validate(body: unknown): { action: ActionName; params: ActionParameters };
  /** Every configured credential (API keys, vendor secrets): removed from audited parameters. */
  secrets(): string[];
  logger: { error(message: string, meta: Record<string, unknown>): void };
  observer?: ActionObserver;
  now?: () => number;
}

export class ActionService {
  private readonly now: () => number;
  private readonly observer: ActionObserver;

  constructor(private readonly deps: ActionServiceDeps) {
    this.now = deps.now ?? Date.now;
    this.observer = deps.observer ?? {};
  }

  /** Validates and translates without sending: what would be sent, credentials masked. Throws GatewayError. */
  dryRun(input: ActionInput): DryRunResponse {
    const cmd = this.command(input);
    try {
      return this.deps.gateway.dryRun(cmd);
    } catch (error) {
      throw error instanceof GatewayError ? error.withContext({ backend: cmd.backend, taskId: cmd.taskId, action: cmd.action }) : error;
    }
  }

  /** Performs one action and audits it. Never throws: every failure is an outcome holding its problem. */
  async perform(input: ActionInput): Promise<ActionOutcome> {
    const started = this.now();
    const hr = process.hrtime.bigint();
    const trace = input.trace ?? {};
    let outcome: ActionOutcome;
    let replayed = false;
    let claimed: { key: string } | undefined;
    let task: Task | undefined;
    let mayHaveActed = false;
    try {
      const cmd = this.command(input);
      if (input.idempotencyKey === undefined) {
        ({ outcome, task, mayHaveActed } = await this.execute(cmd, input, trace));
      } else {
        const claim = await this.deps.store.claimIdempotencyKey({
          scope: input.caller.name, key: input.idempotencyKey, nowMs: started, ttlMs: IDEMPOTENCY_TTL_MS,
          fingerprint: fingerprint(input.backend, input.taskId, input.query ?? {}, input.body),
        });
        this.observer.idempotency?.(({ claimed: 'executed', replay: 'replayed', mismatch: 'reused', in_progress: 'in_progress' } as const)[claim.outcome]);
        if (claim.outcome === 'replay') {
          outcome = { ...claim.response, headers: { ...claim.response.headers }, ...summary(claim.response) };
          replayed = true;
        } else if (claim.outcome === 'mismatch') {
          throw new GatewayError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used with another request (backend, task id, query or body); use a new key');
        } else if (claim.outcome === 'in_progress') {
          // Never CONFLICT: that is the vendor's word about the task (contract section 8).
          const interrupted = started - claim.startedMs > INTERRUPTED_AFTER_MS;
          throw interrupted
            ? new GatewayError('IDEMPOTENCY_KEY_IN_USE', 'The first request with this Idempotency-Key was cut off and its outcome is unknown; read the task, then use a new key',
              { retryAfter: Math.max(1, Math.ceil((claim.startedMs + IDEMPOTENCY_TTL_MS - started) / 1000)) })
            : new GatewayError('IDEMPOTENCY_KEY_IN_USE', 'A request with this Idempotency-Key is still running; retry after it has finished', { retryAfter: 1 });
        } else {
          claimed = { key: input.idempotencyKey };
          ({ outcome, task, mayHaveActed } = await this.execute(cmd, input, trace));
        }
      }
    } catch (error) {
      outcome = this.problem(error, input.requestId, { backend: input.backend || undefined, taskId: input.taskId || undefined, action: canonicalActionOf(input.body) });
    }

    const record = this.record(input, outcome, started, hr, replayed ? { replayed } : { vendorStatus: trace.vendorStatus });
    const { store } = this.deps;
    // Started together, so a store that group-commits syncs them once: the audit record, the key's answer, the index.
    const audited = this.observer.auditWrite ? this.observer.auditWrite(store.type, () => store.recordAudit(record)) : store.recordAudit(record);
    // Once the vendor may have acted, the answer is kept and replayed whatever it was; otherwise the key is given back.
    // A key that cannot be written stays `running`: a duplicate gets 409 IDEMPOTENCY_KEY_IN_USE, never a second send.
    const kept = !claimed ? undefined : (mayHaveActed ? store.completeIdempotencyKey(input.caller.name, claimed.key, outcome) : store.releaseIdempotencyKey(input.caller.name, claimed.key))
      .catch((error: unknown) => this.deps.logger.error('the Idempotency-Key record could not be written', { requestId: input.requestId, error: error instanceof Error ? error.message : String(error) }));
    const indexed = !replayed && mayHaveActed ? this.notify(record, task) : undefined;
    try {
      await audited;
    } catch (error) {
      outcome = this.auditFailure(error, input.requestId, outcome);
    }
    await kept;
    await indexed;
    if (replayed) outcome.headers['Idempotent-Replayed'] = 'true';
    return outcome;
  }

  /** The door's input checked and turned into a command: scope, backend, task id, bounds, the action's schema. */
  private command(input: ActionInput): ActionCommand {
    if (input.backend === '') throw new GatewayError('INVALID_REQUEST', 'The request needs `backend` (a backend name)');
    if (!mayUseBackend(input.caller, input.backend)) {
      throw new GatewayError('FORBIDDEN', `This API key may not use backend '${input.backend.slice(0, 64)}'`, { backend: input.backend.slice(0, 64) });
    }
    this.deps.gateway.backend(input.backend);
    if (!TASK_ID.test(input.taskId)) throw new GatewayError('INVALID_REQUEST', 'The task id must be 1-256 printable characters');
    if (input.onBehalfOf !== undefined && !ON_BEHALF_OF.test(input.onBehalfOf)) {
      throw new GatewayError('INVALID_REQUEST', 'X-On-Behalf-Of must be 1 to 256 characters without control characters');
    }
    if (input.idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(input.idempotencyKey)) {
      throw new GatewayError('INVALID_REQUEST', 'Idempotency-Key must be 1 to 255 printable ASCII characters');
    }
    assertBoundedJson(input.body);
    const { action, params } = this.deps.validate(input.body);
    return { ...params, backend: input.backend, taskId: input.taskId, action };
  }

  /** Performs a validated command; the answer (success or problem) and whether the vendor may have acted. */
  private async execute(cmd: ActionCommand, input: ActionInput, trace: CallTrace): Promise<{ outcome: ActionOutcome; mayHaveActed: boolean; task?: Task }> {
    let result: Awaited<ReturnType<Gateway['perform']>>;
    try {
      result = await this.deps.gateway.perform(cmd, trace);
    } catch (error) {
      const mayHaveActed = error instanceof GatewayError && error.mayHaveActed;
      return { outcome: this.problem(error, input.requestId, { backend: cmd.backend, taskId: cmd.taskId, action: cmd.action }), mayHaveActed };
    }
    const task = result.task;
    // The vendor's own object only with ?include=raw (contract section 6).
    if (task && !input.includeRaw) result = { ...result, task: withoutRaw(task) };
    return {
      outcome: { status: 200, contentType: 'application/json; charset=utf-8', body: JSON.stringify(result), headers: {}, result: result.result },
      mayHaveActed: true,
      task,
    };
  }

  private problem(error: unknown, requestId: string, context: ErrorContext): ActionOutcome {
    const known = this.known(error, requestId);
    for (const [key, value] of Object.entries(context) as [keyof ErrorContext, unknown][]) {
      if (value !== undefined && known.context[key] === undefined) (known.context as Record<string, unknown>)[key] = value;
    }
    const headers: Record<string, string> = {};
    if (known.context.retryAfter !== undefined) headers['Retry-After'] = String(known.context.retryAfter);
    return { status: known.status, contentType: 'application/problem+json', body: JSON.stringify(problemOf(known, requestId)), headers, errorCode: known.code };
  }

  /** A GatewayError as it may be shown; a bug's stack goes to the log and the client learns only the request id. */
  private known(error: unknown, requestId: string): GatewayError {
    if (error instanceof GatewayError && !(error.code === 'INTERNAL_ERROR' && error.cause !== undefined)) return error;
    const bug = error instanceof GatewayError ? error.cause : error;
    this.deps.logger.error('unhandled error', { requestId, error: bug instanceof Error ? bug.stack : String(bug) });
    return new GatewayError('INTERNAL_ERROR', `An internal error occurred; quote request id ${requestId}`);
  }

  private record(input: ActionInput, outcome: ActionOutcome, started: number, hr: bigint, extra: { replayed?: boolean; vendorStatus?: number }): AuditRecord {
    const body = input.body && typeof input.body === 'object' && !Array.isArray(input.body) ? (input.body as Record<string, unknown>) : {};
    const { action: _action, ...parameters } = body;
    const secrets = this.deps.secrets();
    const bounded = boundParameters(parameters, secrets);
    const record: AuditRecord = {
      time: new Date(started).toISOString(),
      requestId: input.requestId,
      keyName: input.caller.name,
      backend: input.backend.slice(0, 64),
      taskId: input.taskId.slice(0, 256),
      action: actionOf(input.body) ?? '',
      parameters: bounded.parameters,
      durationMs: Number((process.hrtime.bigint() - hr) / 1000n) / 1000,
      via: input.via,
    };
    if (bounded.truncated) record.parametersTruncated = true;
    if (input.onBehalfOf !== undefined) record.onBehalfOf = redact(input.onBehalfOf.slice(0, 256), secrets);
    if (outcome.result !== undefined) record.result = outcome.result;
    if (outcome.errorCode !== undefined) record.errorCode = outcome.errorCode;
    if (extra.vendorStatus !== undefined) record.vendorStatus = extra.vendorStatus;
    if (extra.replayed) record.replayed = true;
    return record;
  }

  private async notify(record: AuditRecord, task: Task | undefined): Promise<void> {
    try {
      await this.observer.performed?.(record, task);
    } catch (error) {
      this.deps.logger.error('recording a performed action failed', { requestId: record.requestId, error: error instanceof Error ? error.message : String(error) });
    }
  }

  private auditFailure(error: unknown, requestId: string, outcome: ActionOutcome): ActionOutcome {
    this.deps.logger.error('audit write failed', { requestId, answer: outcome.status, error: error instanceof Error ? error.message : String(error) });
    const failure = new GatewayError('INTERNAL_ERROR',
      `The audit trail could not be written; the action ${outcome.status < 400 ? 'was' : 'may have been'} applied (answer ${outcome.status}). Quote request id ${requestId}`);
    return { status: 500, contentType: 'application/problem+json', body: JSON.stringify(problemOf(failure, requestId)), headers: {}, errorCode: 'INTERNAL_ERROR' };
  }
}

/** The request's identity for Idempotency-Key: backend, task id, query and body, key order ignored. */
export function fingerprint(backend: string, taskId: string, query: unknown, body: unknown): string {
  return hash('sha256', JSON.stringify([backend, taskId, canonical(query), canonical(body)]), 'hex');
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
  }
  return value;
}

/**
 * JSON nested deeper than MAX_JSON_DEPTH, or holding a string (or a key) that is not well-formed Unicode, is a 400
 * (contract section 8). Iterative: a hostile body cannot overflow the stack here.
 */
export function assertBoundedJson(value: unknown, maxDepth = MAX_JSON_DEPTH): void {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current === 'string') {
      if (!current.isWellFormed()) throw new GatewayError('INVALID_REQUEST', 'The body holds a string that is not well-formed Unicode (a lone surrogate)');
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (depth > maxDepth) throw new GatewayError('INVALID_REQUEST', `The body is nested deeper than ${maxDepth} levels`);
    for (const [key, child] of Object.entries(current)) {
      if (!key.isWellFormed()) throw new GatewayError('INVALID_REQUEST', 'The body holds a key that is not well-formed Unicode (a lone surrogate)');
      stack.push([child, depth + 1]);
    }
  }
}

/**
 * The parameters as audited: credentials removed, at most AUDIT_PARAMETERS_MAX_BYTES of JSON. Entries are kept in
 * order while they fit; a string that does not fit is cut, anything else that does not fit is left out.
 */
export function boundParameters(parameters: Record<string, unknown>, secrets: string[]): { parameters: Record<string, unknown>; truncated: boolean } {
  const kept: Record<string, unknown> = {};
  let size = 2;
  let truncated = false;
  for (const [rawKey, rawValue] of Object.entries(parameters)) {
    const key = redact(rawKey.slice(0, 256), secrets);
    const value = scrub(rawValue, secrets, 0);
    const entry = Buffer.byteLength(JSON.stringify(key)) + 2 + Buffer.byteLength(JSON.stringify(value) ?? 'null');
    if (size + entry <= AUDIT_PARAMETERS_MAX_BYTES) {
      kept[key] = value;
      size += entry;
      continue;
    }
    truncated = true;
    const room = AUDIT_PARAMETERS_MAX_BYTES - size - Buffer.byteLength(JSON.stringify(key)) - 2;
    if (typeof value === 'string' && room > 16) {
      // JSON escaping can make a character longer than its UTF-8 bytes: shorten until the escaped text fits.
      let cut = cutToBytes(value, room);
      while (Buffer.byteLength(JSON.stringify(cut)) > room) cut = cutToBytes(cut, Math.floor(Buffer.byteLength(cut) * 0.8));
      kept[key] = cut;
      size += Buffer.byteLength(JSON.stringify(key)) + 2 + Buffer.byteLength(JSON.stringify(cut));
    }
  }
  return { parameters: kept, truncated };
}

/** Removes credentials from a value; below MAX_JSON_DEPTH levels nothing is kept (it was refused for that anyway). */
function scrub(value: unknown, secrets: string[], depth: number): unknown {
  if (typeof value === 'string') return redact(value.isWellFormed() ? value : value.toWellFormed(), secrets);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_JSON_DEPTH) return '[nested too deep]';
  if (Array.isArray(value)) return value.slice(0, 1000).map((v) => scrub(v, secrets, depth + 1));
  return Object.fromEntries(Object.entries(value).slice(0, 1000).map(([k, v]) => [redact(k.toWellFormed(), secrets), scrub(v, secrets, depth + 1)]));
}

function cutToBytes(text: string, maxBytes: number): string {
  let cut = text.slice(0, maxBytes);
  while (Buffer.byteLength(cut) > maxBytes) cut = cut.slice(0, -1);
  return cut.toWellFormed();
}

/** The result or error code of a stored answer, for the audit record of its replay. */
function summary(response: StoredResponse): { result?: string; errorCode?: string } {
  try {
    const body = JSON.parse(response.body) as { result?: unknown; code?: unknown };
    if (response.status < 400 && typeof body.result === 'string') return { result: body.result };
    if (response.status >= 400 && typeof body.code === 'string') return { errorCode: body.code };
  } catch {
    // not JSON: nothing to summarize
  }
  return {};
}

function actionOf(body: unknown): string | undefined {
  const action = body && typeof body === 'object' ? (body as Record<string, unknown>).action : undefined;
  return typeof action === 'string' ? action.slice(0, 64) : undefined;
}

/** The action for a problem's `action` member: only a canonical name, never whatever the client sent. */
function canonicalActionOf(body: unknown): string | undefined {
  const action = actionOf(body);
  return isActionName(action) ? action : undefined;
}
