// One action attempt end to end: Idempotency-Key claim or replay, gateway.perform, the audit row committed, the answer.
import { hash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isActionName, type ActionCommand } from '../core/actions';
import { GatewayError, type ErrorContext } from '../core/errors';
import { redact, type CallTrace, type Gateway } from '../core/gateway';
import type { Logger } from '../log';
import type { AuditRecord, Store, StoredResponse } from '../store/store';
import type { Caller } from './api-keys';
import { header, send, type LocalsResponse } from './answer';
import type { Metrics } from './metrics';
import { toProblem } from './problem';
import { validateActionBody } from './validation';

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** A key still `running` after this long belongs to an attempt that was interrupted (a crash): its outcome is unknown. */
export const INTERRUPTED_AFTER_MS = 15 * 60 * 1000;
const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,255}$/;
const ON_BEHALF_OF = /^[^\u0000-\u001f\u007f]{1,256}$/;

/** An answer, fully decided and serialized: what is sent, stored for replay and audited. */
export interface Outcome extends StoredResponse {
  headers: Record<string, string>;
  result?: string;
  errorCode?: string;
}

/** Who asked, and when: shared by every item of a batch. */
export interface AttemptContext {
  requestId: string;
  caller: Caller;
  onBehalfOf?: string;
}

/** What an attempt reads of its request: express's Request, or the action lane's (body read, no query). */
export type ActionRequest = IncomingMessage & { body?: unknown; query?: unknown };

export function idempotencyKeyOf(req: IncomingMessage): string | undefined {
  const key = header(req, 'idempotency-key');
  if (key === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(key)) throw new GatewayError('INVALID_REQUEST', 'Idempotency-Key must be 1 to 255 printable ASCII characters');
  return key;
}

export function onBehalfOf(req: IncomingMessage): string | undefined {
  const who = header(req, 'x-on-behalf-of');
  if (who === undefined) return undefined;
  if (!ON_BEHALF_OF.test(who)) throw new GatewayError('INVALID_REQUEST', 'X-On-Behalf-Of must be 1 to 256 characters without control characters');
  return who;
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

export interface ActionAttemptsDeps {
  gateway: Gateway;
  store: Store;
  metrics: Metrics;
  logger: Logger;
  /** Every configured credential (API keys, vendor secrets): removed from audited parameters. */
  secrets: () => string[];
  now?: () => number;
}

export class ActionAttempts {
  private readonly now: () => number;

  constructor(private readonly deps: ActionAttemptsDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** POST /v1/backends/{backend}/tasks/{taskId}/actions (not dry-run): idempotency, perform, audit, answer. */
  async handle(req: ActionRequest, res: LocalsResponse, backend: string, taskId: string, trace: CallTrace, includeRaw = false): Promise<void> {
    const started = this.now();
    const hr = process.hrtime.bigint();
    const { requestId, caller } = res.locals as unknown as { requestId: string; caller: Caller };
    const body = req.body as unknown;
    let context: AttemptContext = { requestId, caller };
    let outcome: Outcome;
    let replayed = false;
    let claimed: { key: string; acted: boolean } | undefined;
    try {
      context = { requestId, caller, onBehalfOf: onBehalfOf(req) };
      const key = idempotencyKeyOf(req);
      const cmd = this.command(backend, taskId, body);
      res.locals.action = cmd.action;
      if (key === undefined) {
        ({ outcome } = await this.execute(cmd, requestId, trace, includeRaw));
      } else {
        const claim = await this.deps.store.claimIdempotencyKey({
          scope: caller.name, key, fingerprint: fingerprint(backend, taskId, req.query, body), nowMs: started, ttlMs: IDEMPOTENCY_TTL_MS,
        });
        this.deps.metrics.idempotency.inc({ outcome: { claimed: 'executed', replay: 'replayed', mismatch: 'reused', in_progress: 'in_progress' }[claim.outcome] });
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
          claimed = { key, acted: false };
          const done = await this.execute(cmd, requestId, trace, includeRaw);
          outcome = done.outcome;
          claimed.acted = done.mayHaveActed;
        }
      }
    } catch (error) {
      outcome = this.problem(error, requestId, { backend, taskId, action: canonicalActionOf(body) });
    }

    const record = this.record(context, backend, taskId, body, outcome, started, hr, { replayed, vendorStatus: replayed ? undefined : trace.vendorStatus });
    let auditError: unknown;
    try {
      await this.audit(record);
    } catch (error) {
      auditError = error;
    }
    if (claimed) {
      // Once the vendor may have acted, the answer is kept and replayed whatever it was; otherwise the key is given back.
      if (claimed.acted) await this.deps.store.completeIdempotencyKey(caller.name, claimed.key, outcome);
      else await this.deps.store.releaseIdempotencyKey(caller.name, claimed.key);
    }
    if (auditError !== undefined) throw this.auditFailure(auditError, requestId, outcome);
    if (replayed) outcome.headers['Idempotent-Replayed'] = 'true';
    send(res, outcome);
  }

  /** One batch item: validated on its own, performed, audited; never throws. */
  async batchItem(context: AttemptContext, item: unknown): Promise<unknown> {
    const started = this.now();
    const hr = process.hrtime.bigint();
    const { backend: rawBackend, taskId: rawTaskId, ...body } = (item ?? {}) as Record<string, unknown>;
    const backend = typeof rawBackend === 'string' ? rawBackend.slice(0, 64) : '';
    const taskId = typeof rawTaskId === 'string' ? rawTaskId.slice(0, 256) : '';
    const trace: CallTrace = {};
    let outcome: Outcome;
    try {
      if (typeof rawBackend !== 'string' || rawBackend === '') throw new GatewayError('INVALID_REQUEST', 'Each item needs `backend` (a backend name)');
      if (typeof rawTaskId !== 'string' || !/^[^\u0000-\u001f\u007f]{1,256}$/.test(rawTaskId)) {
        throw new GatewayError('INVALID_REQUEST', 'Each item needs `taskId`: 1-256 printable characters');
      }
      const { caller } = context;
      if (!caller.backends.includes('*') && !caller.backends.includes(rawBackend)) {
        throw new GatewayError('FORBIDDEN', `This API key may not use backend '${backend}'`);
      }
      this.deps.gateway.backend(rawBackend);
      ({ outcome } = await this.execute(this.command(rawBackend, rawTaskId, body), context.requestId, trace));
    } catch (error) {
      outcome = this.problem(error, context.requestId, { backend: backend || undefined, taskId: taskId || undefined, action: canonicalActionOf(body) });
    }
    const record = this.record(context, backend, taskId, body, outcome, started, hr, { batch: true, vendorStatus: trace.vendorStatus });
    try {
      await this.audit(record);
    } catch (error) {
      outcome = this.auditFailure(error, context.requestId, outcome).asOutcome(context.requestId);
    }
    return JSON.parse(outcome.body) as unknown;
  }

  private command(backend: string, taskId: string, body: unknown): ActionCommand {
    const { action, params } = validateActionBody(body);
    return { ...params, backend, taskId, action };
  }

  /** Performs a validated command; the answer (success or problem) and whether the vendor may have acted. */
  private async execute(cmd: ActionCommand, requestId: string, trace: CallTrace, includeRaw = false): Promise<{ outcome: Outcome; mayHaveActed: boolean }> {
    let result: Awaited<ReturnType<Gateway['perform']>>;
    try {
      result = await this.deps.gateway.perform(cmd, trace);
    } catch (error) {
      const mayHaveActed = error instanceof GatewayError && error.mayHaveActed;
      return { outcome: this.problem(error, requestId, { backend: cmd.backend, taskId: cmd.taskId, action: cmd.action }), mayHaveActed };
    }
    // The vendor's own object only with ?include=raw (contract section 6).
    if (result.task && !includeRaw) {
      const { raw: _raw, ...task } = result.task;
      result.task = task;
    }
    return {
      outcome: { status: 200, contentType: 'application/json; charset=utf-8', body: JSON.stringify(result), headers: {}, result: result.result },
      mayHaveActed: true,
    };
  }

  private problem(error: unknown, requestId: string, context: ErrorContext): Outcome {
    let known: GatewayError;
    if (error instanceof GatewayError && !(error.code === 'INTERNAL_ERROR' && error.cause !== undefined)) {
      known = error.withContext(Object.fromEntries(Object.entries(context).filter(([k, v]) => v !== undefined && error.context[k as keyof ErrorContext] === undefined)));
    } else {
      const bug = error instanceof GatewayError ? error.cause : error;
      this.deps.logger.error('unhandled error', { requestId, error: bug instanceof Error ? bug.stack : String(bug) });
      known = new GatewayError('INTERNAL_ERROR', `An internal error occurred; quote request id ${requestId}`);
    }
    const headers: Record<string, string> = {};
    if (known.context.retryAfter !== undefined) headers['Retry-After'] = String(known.context.retryAfter);
    return { status: known.status, contentType: 'application/problem+json', body: JSON.stringify(toProblem(known, requestId)), headers, errorCode: known.code };
  }

  private record(
    context: AttemptContext, backend: string, taskId: string, body: unknown, outcome: Outcome, started: number, hr: bigint,
    extra: { replayed?: boolean; batch?: boolean; vendorStatus?: number },
  ): AuditRecord {
    const { action: _action, ...parameters } = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
    const record: AuditRecord = {
      time: new Date(started).toISOString(),
      requestId: context.requestId,
      keyName: context.caller.name,
      backend,
      taskId,
      action: actionOf(body) ?? '',
      parameters: this.scrub(parameters) as Record<string, unknown>,
      durationMs: Number((process.hrtime.bigint() - hr) / 1000n) / 1000,
    };
    if (context.onBehalfOf !== undefined) record.onBehalfOf = this.scrub(context.onBehalfOf) as string;
    if (outcome.result !== undefined) record.result = outcome.result;
    if (outcome.errorCode !== undefined) record.errorCode = outcome.errorCode;
    if (extra.vendorStatus !== undefined) record.vendorStatus = extra.vendorStatus;
    if (extra.replayed) record.replayed = true;
    if (extra.batch) record.batch = true;
    return record;
  }

  /** Removes every configured credential from audited text. */
  private scrub(value: unknown): unknown {
    if (typeof value === 'string') return redact(value, this.deps.secrets());
    if (Array.isArray(value)) return value.map((v) => this.scrub(v));
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [redact(k, this.deps.secrets()), this.scrub(v)]));
    return value;
  }

  private audit(record: AuditRecord): Promise<void> {
    return this.deps.metrics.timeAuditWrite(this.deps.store.type, () => this.deps.store.recordAudit(record));
  }

  private auditFailure(error: unknown, requestId: string, outcome: Outcome): GatewayError & { asOutcome(requestId: string): Outcome } {
    this.deps.logger.error('audit write failed', { requestId, answer: outcome.status, error: error instanceof Error ? error.message : String(error) });
    const failure = new GatewayError('INTERNAL_ERROR',
      `The audit trail could not be written; the action ${outcome.status < 400 ? 'was' : 'may have been'} applied (answer ${outcome.status}). Quote request id ${requestId}`);
    return Object.assign(failure, {
      asOutcome: (id: string): Outcome => ({ status: 500, contentType: 'application/problem+json', body: JSON.stringify(toProblem(failure, id)), headers: {}, errorCode: 'INTERNAL_ERROR' }),
    });
  }
}

/** The result or error code of a stored answer, for the audit row of its replay. */
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
