// The five MCP tools (contract section 11): what each does for a caller, through the same gateway, action service,
// scope and rate limit as the REST routes; every answer is structured content plus a short text, a refusal a problem.
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { mayUseBackend, type ActionInput, type ActionOutcome, type ActionService, type Caller } from '../core/action-service';
import { GatewayError, problemOf, type Problem } from '../core/errors';
import type { Gateway } from '../core/gateway';
import type { Task } from '../core/task';
import { manifest, present } from '../http/backend-routes';
import { toGatewayError } from '../http/problem';
import type { InboxPage, InboxQuery, InboxSearch } from './inbox';
import { ENVELOPE, TOOL_SCHEMAS, type JsonSchema } from './tool-schemas';

export type ToolName = keyof typeof TOOL_SCHEMAS;

/** What a tool call answers, as the SDK's CallToolResult takes it. */
export interface ToolResult {
  [key: string]: unknown;
  content: { type: 'text'; text: string }[];
  structuredContent: Record<string, unknown>;
  isError?: true;
  _meta?: Record<string, unknown>;
}

/** _meta key on an answer that is an Idempotency-Key replay (the REST route's `Idempotent-Replayed: true`). */
export const REPLAYED_META = 'taskgate.dev/idempotentReplayed';

export interface McpToolDeps {
  gateway: Gateway;
  actions: ActionService;
  /** The inbox over the task index (GET /v1/tasks' query, checked as that route checks it). */
  inbox: InboxQuery;
  /** The per-key rate limit, one token per tool call: throws 429 RATE_LIMITED (with retryAfter) when exhausted. */
  rateLimit(keyName: string): void | Promise<void>;
  logger: { error(message: string, meta: Record<string, unknown>): void };
}

/** Who calls, and the request facts the REST route would take from headers. */
export interface ToolCallContext {
  caller: Caller;
  requestId: string;
  onBehalfOf?: string;
}

interface ToolDefinition {
  name: ToolName;
  title: string;
  description: string;
  inputSchema: JsonSchema;
  outputSchema: JsonSchema;
  annotations: { title: string; readOnlyHint: boolean; destructiveHint?: boolean; idempotentHint?: boolean; openWorldHint: boolean };
}

const READ_ONLY = { readOnlyHint: true, openWorldHint: true } as const;

/** The tools as tools/list answers them. */
export const TOOLS: ToolDefinition[] = [
  {
    name: 'list_backends', title: 'List backends',
    description: 'The task systems (backends) this API key may use: name, vendor and the canonical actions each supports.',
    ...TOOL_SCHEMAS.list_backends, annotations: { title: 'List backends', ...READ_ONLY },
  },
  {
    name: 'describe_backend', title: 'Describe a backend',
    description: "One backend's capability manifest: every canonical action, whether it is supported and the vendor action it becomes.",
    ...TOOL_SCHEMAS.describe_backend, annotations: { title: 'Describe a backend', ...READ_ONLY },
  },
  {
    name: 'search_tasks', title: 'Search the inbox',
    description: 'The inbox: indexed human tasks of every backend this key may use, newest first, filtered by backend, status, assignee or a part of the name; page on with nextCursor.',
    ...TOOL_SCHEMAS.search_tasks, annotations: { title: 'Search the inbox', ...READ_ONLY },
  },
  {
    name: 'get_task', title: 'Get a task',
    description: 'One task as the vendor has it now, in the canonical shape: status, assignee, dates, comments, attachments, properties.',
    ...TOOL_SCHEMAS.get_task, annotations: { title: 'Get a task', ...READ_ONLY },
  },
  {
    name: 'perform_action', title: 'Perform an action on a task',
    description: 'Performs one canonical action (approve, reject, claim, reassign, add_comment...) on a task in its vendor system. '
      + 'This changes real work: prefer dryRun first, and pass an idempotencyKey so that a retry is never applied twice. '
      + 'Each action takes only its own parameters (see describe_backend for what the backend supports).',
    ...TOOL_SCHEMAS.perform_action,
    annotations: { title: 'Perform an action on a task', readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  },
];

const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true, useDefaults: true });
addFormats(ajv, ['date-time']);
/** perform_action's envelope only: the action body is validated by the action service, exactly as on the REST route. */
const envelopeSchema = {
  type: 'object',
  properties: Object.fromEntries(ENVELOPE.map((name) => [name, (TOOL_SCHEMAS.perform_action.inputSchema.properties as JsonSchema)[name]])),
};
const validators: Record<ToolName, ValidateFunction> = {
  list_backends: ajv.compile(TOOL_SCHEMAS.list_backends.inputSchema),
  describe_backend: ajv.compile(TOOL_SCHEMAS.describe_backend.inputSchema),
  search_tasks: ajv.compile(TOOL_SCHEMAS.search_tasks.inputSchema),
  get_task: ajv.compile(TOOL_SCHEMAS.get_task.inputSchema),
  perform_action: ajv.compile(envelopeSchema),
};

const isToolName = (name: string): name is ToolName => Object.hasOwn(TOOL_SCHEMAS, name);

export class McpTools {
  constructor(private readonly deps: McpToolDeps) {}

  /** The tools, as tools/list answers them. */
  list(): ToolDefinition[] {
    return TOOLS;
  }

  /** Runs one tool call. Never throws: a refusal (or a bug) is a result with `isError` holding the problem. */
  async call(name: string, args: Record<string, unknown> | undefined, ctx: ToolCallContext): Promise<ToolResult> {
    try {
      if (!isToolName(name)) throw new GatewayError('INVALID_REQUEST', `No tool is named '${name.slice(0, 64)}'; tools: ${this.list().map((t) => t.name).join(', ')}`);
      // As on /v1: the key first (the door did it), then one token, then anything about the call.
      await this.deps.rateLimit(ctx.caller.name);
      const input = { ...(args ?? {}) };
      const validate = validators[name];
      if (!validate(input)) {
        const errors = (validate.errors ?? []).map((e) => {
          const { additionalProperty, missingProperty } = e.params as { additionalProperty?: string; missingProperty?: string };
          return {
            path: [e.instancePath.replace(/^\//, '').replace(/\//g, '.'), additionalProperty ?? missingProperty].filter(Boolean).join('.'),
            message: e.keyword === 'additionalProperties' ? 'is not an argument of this tool' : e.keyword === 'required' ? 'is required' : e.message ?? e.keyword,
          };
        });
        const error = new GatewayError('INVALID_REQUEST', `Invalid arguments for ${name}: ${errors.map((e) => `${e.path || '(arguments)'} ${e.message}`).join('; ')}`);
        (error.context as Record<string, unknown>).errors = errors;
        throw error;
      }
      return await this[name](input, ctx);
    } catch (error) {
      return this.refusal(error, ctx.requestId);
    }
  }

  private list_backends(_args: Record<string, unknown>, { caller }: ToolCallContext): ToolResult {
    const items = this.deps.gateway.list().filter((b) => mayUseBackend(caller, b.name))
      .map((b) => ({ name: b.name, vendor: b.vendor, actions: this.deps.gateway.supportedActions(b) }));
    const text = items.length === 0
      ? 'This key may use no backend.'
      : `${items.length} backend(s):\n${items.map((b) => `- ${b.name} (${b.vendor}): ${b.actions.join(', ')}`).join('\n')}`;
    return answer({ items }, text);
  }

  private describe_backend(args: Record<string, unknown>, { caller }: ToolCallContext): ToolResult {
    const backend = this.admit(caller, args.backend as string);
    const shown = manifest(this.deps.gateway, backend);
    const supported = Object.entries(shown.actions).filter(([, a]) => a.supported).map(([name, a]) => `${name} (${a.vendorAction})`);
    return answer(shown, `${shown.name} (${shown.vendor}) supports ${supported.length} action(s): ${supported.join(', ') || 'none'}.`);
  }

  private async search_tasks(args: Record<string, unknown>, { caller }: ToolCallContext): Promise<ToolResult> {
    const search = args as InboxSearch;
    // The key's scope first, whatever the inbox behind the port does (403 whether or not the backend exists).
    for (const name of search.backend?.split(',') ?? []) this.scope(caller, name);
    const page: InboxPage = await this.deps.inbox.query(caller, search);
    const lines = page.items.map((t) => `- ${taskLine(t)}`);
    const notes = page.backends.filter((b) => b.status !== 'ok').map((b) => `${b.name}: ${b.status}${b.error ? ` (${b.error.code})` : ''}`);
    const text = [
      `${page.items.length} task(s)${page.nextCursor ? ', more with cursor' : ''}.`,
      ...lines,
      ...(notes.length ? [`Backends not fully current: ${notes.join('; ')}`] : []),
    ].join('\n');
    return answer(page as unknown as Record<string, unknown>, text);
  }

  private async get_task(args: Record<string, unknown>, { caller }: ToolCallContext): Promise<ToolResult> {
    const backend = this.admit(caller, args.backend as string).name;
    const taskId = args.taskId as string;
    if (/[\u0000-\u001f\u007f]/.test(taskId)) throw new GatewayError('INVALID_REQUEST', 'The task id must be 1-256 printable characters');
    let task: Task;
    try {
      task = present(await this.deps.gateway.getTask(backend, taskId), false);
    } catch (error) {
      throw error instanceof GatewayError ? error.withContext({ backend, taskId }) : error;
    }
    return answer(task as unknown as Record<string, unknown>, taskLine(task));
  }

  private async perform_action(args: Record<string, unknown>, ctx: ToolCallContext): Promise<ToolResult> {
    const { backend, taskId, dryRun, idempotencyKey, ...body } = args;
    const input: ActionInput = {
      requestId: ctx.requestId, caller: ctx.caller, via: 'mcp', body, query: {},
      backend: typeof backend === 'string' ? backend : '', taskId: typeof taskId === 'string' ? taskId : '',
      idempotencyKey: idempotencyKey as string | undefined, onBehalfOf: ctx.onBehalfOf,
    };
    const action = String(body.action);
    if (dryRun === true) {
      const planned = this.deps.actions.dryRun(input);
      const calls = planned.vendorRequests.map((r) => `- ${r.method} ${r.url}`).join('\n');
      return answer(planned as unknown as Record<string, unknown>, `Dry run of ${action} on ${input.backend}/${input.taskId}: nothing sent; it would send:\n${calls}`);
    }
    return this.fromOutcome(await this.deps.actions.perform(input), `${action} on ${input.backend}/${input.taskId}`);
  }

  /** The action service's decided answer (the REST route's body) as a tool result. */
  private fromOutcome(outcome: ActionOutcome, what: string): ToolResult {
    const body = JSON.parse(outcome.body) as Record<string, unknown>;
    const replayed = outcome.headers['Idempotent-Replayed'] === 'true';
    const meta = replayed ? { _meta: { [REPLAYED_META]: true } } : {};
    const again = replayed ? ' (the first answer to this idempotencyKey, replayed: nothing was sent again)' : '';
    if (outcome.status >= 400) {
      const retryAfter = outcome.headers['Retry-After'];
      return { ...refused(retryAfter === undefined ? body : { ...body, retryAfter: Number(retryAfter) }, again), ...meta };
    }
    const warnings = (body.warnings as string[] | undefined) ?? [];
    const task = body.task as Task | undefined;
    const text = `${what}: ${String(body.result)}${again}.${task ? ` Now: ${task.status}.` : ''}${warnings.length ? `\nWarnings: ${warnings.join('; ')}` : ''}`;
    return { ...answer(body, text), ...meta };
  }

  /** The key's scope (403, whether or not the backend exists), then existence (404): the REST order of checks. */
  private admit(caller: Caller, name: string) {
    this.scope(caller, name);
    return this.deps.gateway.backend(name);
  }

  private scope(caller: Caller, name: string): void {
    if (!mayUseBackend(caller, name)) throw new GatewayError('FORBIDDEN', `This API key may not use backend '${name.slice(0, 64)}'`, { backend: name.slice(0, 64) });
  }

  private refusal(error: unknown, requestId: string): ToolResult {
    const known = toGatewayError(error, requestId, (id, bug) => this.deps.logger.error('unhandled error', { requestId: id, error: bug instanceof Error ? bug.stack : String(bug) }));
    const problem = problemOf(known, requestId);
    // No Retry-After header here: the problem says it.
    if (known.context.retryAfter !== undefined) problem.retryAfter = known.context.retryAfter;
    return refused(problem, '');
  }
}

function answer(structuredContent: Record<string, unknown>, text: string): ToolResult {
  // The JSON as a second text block: clients that read only `content` still get the whole answer (MCP's advice).
  return { content: [{ type: 'text', text }, { type: 'text', text: JSON.stringify(structuredContent) }], structuredContent };
}

function refused(problem: Problem | Record<string, unknown>, note: string): ToolResult {
  const p = problem as Problem;
  const text = `Refused${note}: ${p.status} ${p.code}: ${p.detail}${p.retryAfter !== undefined ? ` (retry after ${String(p.retryAfter)} s)` : ''}`;
  return { isError: true, content: [{ type: 'text', text }, { type: 'text', text: JSON.stringify(problem) }], structuredContent: problem };
}

function taskLine(t: Task): string {
  return `${t.backend}/${t.id} "${t.name}" ${t.status}${t.assignee ? `, assignee ${t.assignee}` : ''}${t.dueAt ? `, due ${t.dueAt}` : ''}`;
}
