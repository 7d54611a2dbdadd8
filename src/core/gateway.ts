// The gateway: backend lookup, capability check, translate, send, parse; the one place an action is performed.
import type { ActionCommand, ActionName } from './actions';
import { ACTION_NAMES } from './actions';
import type { AnyAdapter, VendorCall, VendorRequest, VendorResponse } from './adapter';
import { GatewayError } from './errors';
import type { CircuitView, DescribedRequest, OutboundAuth, Transport } from './ports';
import type { Task, TaskListQuery, TaskPage } from './task';

export interface Backend {
  name: string;
  vendor: string;
  adapter: AnyAdapter;
  options: unknown;
  transport: Transport;
  /** Its credentials: `secrets()` are scrubbed from anything a vendor echoes back. */
  auth: OutboundAuth;
  /** The backend's circuit breaker, read-only: /readyz shows it, /metrics can gauge it. Absent: no breaker. */
  circuit?: CircuitView;
}

export interface ActionResponse {
  backend: string;
  taskId: string;
  action: ActionName;
  result: 'applied' | 'accepted';
  task?: Task;
  warnings: string[];
  vendor: { status: number };
}

export interface DryRunResponse {
  dryRun: true;
  vendorRequests: DescribedRequest[];
  /** The warnings the live action would give (contract section 4). */
  warnings: string[];
}

/** What the gateway observed while serving one request, for the request log line. */
export interface CallTrace {
  vendorStatus?: number;
}

export class Gateway {
  private readonly backends: Map<string, Backend>;

  constructor(backends: Backend[]) {
    this.backends = new Map(backends.map((b) => [b.name, b]));
  }

  list(): Backend[] {
    return [...this.backends.values()];
  }

  backend(name: string): Backend {
    const backend = this.backends.get(name);
    if (!backend) throw new GatewayError('BACKEND_NOT_FOUND', `No backend is named '${name.slice(0, 64)}'`, { backend: name.slice(0, 64) });
    return backend;
  }

  /** The static manifest, narrowed by the adapter's optional per-backend `supports` hook. */
  isSupported(backend: Backend, action: ActionName): boolean {
    const { adapter, options } = backend;
    return Boolean(adapter.actions[action]) && (adapter.supports?.(action, options) ?? true);
  }

  supportedActions(backend: Backend): ActionName[] {
    return ACTION_NAMES.filter((a) => this.isSupported(backend, a));
  }

  /** Translates a command, or throws 422 UNSUPPORTED_ACTION before anything is sent. */
  plan(cmd: ActionCommand): { backend: Backend; calls: VendorCall[] } {
    const backend = this.backend(cmd.backend);
    if (!this.isSupported(backend, cmd.action)) {
      throw new GatewayError('UNSUPPORTED_ACTION', `Backend '${backend.name}' (${backend.vendor}) cannot do '${cmd.action}'`, {
        supportedActions: this.supportedActions(backend),
      });
    }
    return { backend, calls: backend.adapter.translate(cmd, backend.options) };
  }

  dryRun(cmd: ActionCommand): DryRunResponse {
    const { backend, calls } = this.plan(cmd);
    const warnings = [...backend.adapter.warnings(cmd, backend.options)];
    return { dryRun: true, vendorRequests: calls.map((c) => backend.transport.describe(c.request)), warnings };
  }

  /**
   * Performs the action's vendor calls in order. A failure is a GatewayError whose `mayHaveActed` says whether a
   * vendor call may have reached the vendor (an answer came, or the outcome is unknown).
   */
  async perform(cmd: ActionCommand, trace: CallTrace = {}): Promise<ActionResponse> {
    const { backend, calls } = this.plan(cmd);
    const { adapter, options } = backend;
    const warnings = [...adapter.warnings(cmd, options)];
    const applied: ActionName[] = [];
    let last: { status: number; task?: Task; result: 'applied' | 'accepted' } | undefined;
    let mayHaveActed = false;
    try {
      for (const call of calls) {
        const res = await this.send(backend, call.request, trace).catch((error: unknown) => {
          mayHaveActed ||= !certainlyNotSent(error);
          throw error;
        });
        mayHaveActed = true;
        const outcome = scrubbed(backend, () => adapter.parse(res, call, cmd, options));
        applied.push(call.step);
        warnings.push(...(outcome.warnings ?? []));
        last = { status: res.status, task: outcome.task, result: outcome.result };
      }
    } catch (caught) {
      const error = caught instanceof GatewayError ? caught : new GatewayError('INTERNAL_ERROR', 'The action failed unexpectedly', {}, { cause: caught });
      error.mayHaveActed = mayHaveActed;
      // A multi-call action stops at the first refusal; the client learns exactly what was already applied.
      if (applied.length > 0) error.context.applied = [...applied];
      // A vendor refusal tells the client what this backend can do (contract section 7).
      if (error.code === 'UNSUPPORTED_ACTION') error.context.supportedActions ??= this.supportedActions(backend);
      throw error;
    }
    if (!last) throw new Error(`adapter ${adapter.vendor} translated '${cmd.action}' to no vendor call`);

    let task = last.task;
    if (!task && adapter.rereadAfterAction) {
      try {
        task = await this.getTask(cmd.backend, cmd.taskId);
      } catch (error) {
        const why = error instanceof GatewayError ? error.code : 'an unexpected error';
        warnings.push(`The action was applied but re-reading the task failed (${why})`);
      }
    }
    const response: ActionResponse = {
      backend: backend.name, taskId: cmd.taskId, action: cmd.action, result: last.result, warnings, vendor: { status: last.status },
    };
    if (task) response.task = task;
    return response;
  }

  async getTask(backendName: string, taskId: string, trace: CallTrace = {}): Promise<Task> {
    const backend = this.backend(backendName);
    const { adapter, options } = backend;
    try {
      const res = await this.send(backend, adapter.getTaskRequest(taskId, options), trace);
      return scrubbed(backend, () => adapter.parseTask(res, taskId, options));
    } catch (error) {
      if (!(error instanceof GatewayError && error.code === 'TASK_NOT_FOUND' && adapter.searchTask)) throw error;
      // The vendor's get-one call said 404, which may only mean it has no such call: look through the list.
      const found = await this.search(backend, taskId, trace).catch(() => undefined);
      if (found) return found;
      throw error;
    }
  }

  async listTasks(backendName: string, query: TaskListQuery, trace: CallTrace = {}): Promise<TaskPage> {
    const backend = this.backend(backendName);
    const { adapter, options } = backend;
    let page: TaskPage;
    try {
      const res = await this.send(backend, adapter.listTasksRequest(query, options), trace);
      page = scrubbed(backend, () => adapter.parseTaskList(res, options));
    } catch (error) {
      // A 404 on a list is a missing route at the vendor, not a missing task.
      if (!(error instanceof GatewayError && error.code === 'TASK_NOT_FOUND')) throw error;
      throw new GatewayError('BACKEND_ERROR', 'The vendor has no task list at the expected address (it answered 404)', error.context);
    }
    // Vendors that ignore a filter or the page size must not widen the answer the client asked for.
    const items = page.items.filter((t) => !query.status || t.status === query.status).slice(0, query.limit);
    return { ...page, items };
  }

  private async search(backend: Backend, taskId: string, trace: CallTrace): Promise<Task | undefined> {
    const pages = backend.adapter.searchTask!(taskId, backend.options);
    for (let next = pages.next(); !next.done; ) {
      const page = await this.listTasks(backend.name, next.value, trace);
      const task = page.items.find((t) => t.id === taskId);
      if (task) return task;
      next = pages.next(page);
    }
    return undefined;
  }

  /** Sends one request; a token the vendor calls expired is refreshed and the request sent once more. */
  private async send(backend: Backend, request: VendorRequest, trace: CallTrace): Promise<VendorResponse> {
    let res = await backend.transport.send(request);
    if (backend.adapter.isAuthExpired?.(res) && (await backend.auth.refresh())) {
      // Safe to resend: the vendor refused before doing anything (contract section 8, Retries).
      res = await backend.transport.send(request);
    }
    trace.vendorStatus = res.status;
    return res;
  }
}

/** A failure that leaves no doubt that nothing reached the vendor (the layer that refused says so). */
function certainlyNotSent(error: unknown): boolean {
  return error instanceof GatewayError && error.notSent;
}

/** Runs a parse step and removes any configured credential a vendor echoed into an error message. */
function scrubbed<T>(backend: Backend, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof GatewayError) {
      const vendor = error.context.vendor;
      const secrets = backend.auth.secrets();
      if (vendor?.message) vendor.message = redact(vendor.message, secrets);
      const clean = redact(error.message, secrets);
      if (clean !== error.message) return rethrow(new GatewayError(error.code, clean, error.context));
    }
    throw error;
  }
}

function rethrow(error: GatewayError): never {
  throw error;
}

export function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join('***');
  return out;
}
