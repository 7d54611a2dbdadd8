// The MCP tools' input and output JSON Schemas, generated from schemas/*.json (the ones the REST routes validate and
// answer with), each bundled into one self-contained document so the tools and the REST API cannot drift.
import actionRequestSchema from '../../schemas/action-request.schema.json';
import configSchema from '../../schemas/config.schema.json';
import inboxQuerySchema from '../../schemas/inbox-query.schema.json';
import problemSchema from '../../schemas/problem.schema.json';
import responsesSchema from '../../schemas/responses.schema.json';
import taskSchema from '../../schemas/task.schema.json';
import { SEARCH_ARGUMENTS } from './inbox';

export type JsonSchema = Record<string, unknown>;

/** The schema files a tool schema may draw on, by the file name other files `$ref` them with. */
const FILES: Record<string, JsonSchema> = {
  'action-request.schema.json': actionRequestSchema,
  'config.schema.json': configSchema,
  'inbox-query.schema.json': inboxQuerySchema,
  'problem.schema.json': problemSchema,
  'responses.schema.json': responsesSchema,
  'task.schema.json': taskSchema,
};

/** Collects every schema a tool schema refers to under its own `$defs`, `$ref`s rewritten to point there. */
class Bundle {
  readonly defs: Record<string, JsonSchema> = {};

  /** `adapt` may change a definition as it is copied in (given its file and pointer). */
  constructor(private readonly adapt: (file: string, pointer: string, def: JsonSchema) => JsonSchema = (_f, _p, def) => def) {}

  /** A `$ref` to `file` + JSON pointer, the target (and what it refers to) copied in once. */
  ref(file: string, pointer = ''): JsonSchema {
    const key = `${file.replace(/\.schema\.json$/, '')}${pointer.replace(/^\/\$defs\//, '.').replace(/\//g, '.')}`;
    if (!(key in this.defs)) {
      this.defs[key] = {}; // reserved first: a schema that refers to itself stops here
      this.defs[key] = this.adapt(file, pointer, this.copy(resolve(file, pointer), file));
    }
    return { $ref: `#/$defs/${key}` };
  }

  /** A schema of `file` with its `$ref`s bundled; `$schema`, `$id` and the file's own `$defs` left out. */
  copy(value: unknown, file: string): any {
    if (Array.isArray(value)) return value.map((v) => this.copy(v, file));
    if (!value || typeof value !== 'object') return value;
    const out: JsonSchema = {};
    for (const [key, v] of Object.entries(value)) {
      if (key === '$schema' || key === '$id' || key === '$defs') continue;
      if (key === '$ref' && typeof v === 'string') {
        const [target, pointer = ''] = v.split('#');
        Object.assign(out, this.ref(target || file, pointer));
      } else {
        out[key] = this.copy(v, file);
      }
    }
    return out;
  }

  /** A tool schema: `root` (an object schema) with the definitions it needs. */
  done(root: JsonSchema): JsonSchema {
    return Object.keys(this.defs).length > 0 ? { ...root, $defs: this.defs } : root;
  }
}

function resolve(file: string, pointer: string): unknown {
  const doc = FILES[file];
  if (!doc) throw new Error(`mcp: no schema file ${file}`);
  let node: unknown = doc;
  for (const part of pointer.split('/').filter(Boolean)) {
    node = (node as Record<string, unknown> | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    if (node === undefined) throw new Error(`mcp: ${file}#${pointer} does not exist`);
  }
  return node;
}

/** A success schema or the problem: a tool answers one or the other (a refusal is `isError` with the problem). */
function orProblem(bundle: Bundle, successes: JsonSchema[]): JsonSchema {
  return bundle.done({ type: 'object', anyOf: [...successes, bundle.ref('problem.schema.json')] });
}

/** A configured backend's name, as the config schema allows it. */
function backendName(): JsonSchema {
  const rule = resolve('config.schema.json', '/properties/backends/propertyNames') as JsonSchema;
  return { type: 'string', ...rule, description: 'A backend name, as list_backends gives it' };
}

/** A task id as the REST routes take it in their path: 1 to 256 characters. */
const TASK_ID: JsonSchema = { type: 'string', minLength: 1, maxLength: 256, description: "The vendor's task id" };

/** Idempotency-Key as the action route takes it (contract section 8): 1 to 255 printable ASCII characters. */
const IDEMPOTENCY_KEY: JsonSchema = {
  type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x20-\\x7e]+$',
  description: 'Send the same key again to get the first answer back without a second vendor call (the Idempotency-Key header of the REST route)',
};

const DRY_RUN: JsonSchema = {
  type: 'boolean', default: false,
  description: 'true: validate and translate only, send nothing, answer the vendor requests that would be sent (credentials shown as ***)',
};

/** Envelope members perform_action takes around the action body; the rest is the body of the REST action route. */
export const ENVELOPE = ['backend', 'taskId', 'dryRun', 'idempotencyKey'] as const;

/**
 * perform_action's input: the action request of the REST route (its `action`, its composition of the actions, each
 * action's definition) plus the envelope. Each action's definition is widened to admit the envelope members, and
 * every action's parameters are also listed flat (most agents read `properties` only).
 */
function performActionInput(): JsonSchema {
  const file = 'action-request.schema.json';
  const request = actionRequestSchema as unknown as { properties: { action: { enum: string[] } }; $defs: Record<string, { properties?: Record<string, unknown> }> };
  const actions = request.properties.action.enum;
  const envelope = Object.fromEntries(ENVELOPE.map((name) => [name, true]));
  const bundle = new Bundle((from, pointer, def) => {
    const action = /^\/\$defs\/(\w+)$/.exec(pointer)?.[1];
    return from === file && action !== undefined && actions.includes(action) ? widened(def as JsonSchema & { properties: JsonSchema }, envelope) : def;
  });
  const parameters: Record<string, { schemas: unknown[]; actions: string[] }> = {};
  for (const action of actions) {
    for (const [name, schema] of Object.entries(request.$defs[action]?.properties ?? {})) {
      if (name === 'action') continue;
      const copied = bundle.copy(schema, file);
      const entry = (parameters[name] ??= { schemas: [], actions: [] });
      if (!entry.schemas.some((s) => JSON.stringify(s) === JSON.stringify(copied))) entry.schemas.push(copied);
      entry.actions.push(action);
    }
  }
  const flat = Object.fromEntries(Object.entries(parameters).map(([name, { schemas, actions: usedBy }]) => [
    name,
    { ...(schemas.length === 1 ? (schemas[0] as JsonSchema) : { anyOf: schemas }), description: `A parameter of: ${usedBy.join(', ')}` },
  ]));
  const { title: _title, description: _description, properties, required, ...composition } = bundle.copy(actionRequestSchema, file) as JsonSchema & {
    properties: { action: JsonSchema }; required: string[];
  };
  return bundle.done({
    ...composition,
    type: 'object',
    required: ['backend', 'taskId', ...required],
    properties: {
      backend: backendName(),
      taskId: TASK_ID,
      action: { ...properties.action, description: 'The canonical action; describe_backend tells which ones the backend supports' },
      ...flat,
      dryRun: DRY_RUN,
      idempotencyKey: IDEMPOTENCY_KEY,
    },
  });
}

/**
 * An action's definition that also admits the envelope members. A count of members (update's `minProperties: 2`:
 * the action and at least one parameter) would count the envelope too: it becomes "one of the parameters is given".
 */
function widened(def: JsonSchema & { properties: JsonSchema }, envelope: JsonSchema): JsonSchema {
  const { minProperties, maxProperties, ...rest } = def;
  if (maxProperties !== undefined || (minProperties !== undefined && (minProperties !== 2 || rest.anyOf !== undefined))) {
    throw new Error('mcp: an action definition counts its members in a way perform_action cannot carry over; extend widened()');
  }
  const parameters = Object.keys(def.properties).filter((name) => name !== 'action');
  const atLeastOne = minProperties === undefined ? {} : { anyOf: parameters.map((name) => ({ required: [name] })) };
  return { ...rest, ...atLeastOne, properties: { ...def.properties, ...envelope } };
}

/** search_tasks' input: the members of the inbox query it takes, as GET /v1/tasks takes them. */
function searchTasksInput(): JsonSchema {
  const bundle = new Bundle();
  const properties = Object.fromEntries(SEARCH_ARGUMENTS.map((name) => [name, bundle.copy(resolve('inbox-query.schema.json', `/properties/${name}`), 'inbox-query.schema.json')]));
  return bundle.done({ type: 'object', additionalProperties: false, properties });
}

const responses = (name: string) => (bundle: Bundle) => bundle.ref('responses.schema.json', `/$defs/${name}`);

function output(...successes: ((bundle: Bundle) => JsonSchema)[]): JsonSchema {
  const bundle = new Bundle();
  return orProblem(bundle, successes.map((s) => s(bundle)));
}

export interface ToolSchemas {
  inputSchema: JsonSchema;
  outputSchema: JsonSchema;
}

/** Every tool's schemas, built once from the schema files. */
export const TOOL_SCHEMAS: Record<'list_backends' | 'describe_backend' | 'search_tasks' | 'get_task' | 'perform_action', ToolSchemas> = {
  list_backends: {
    inputSchema: { type: 'object', properties: {}, additionalProperties: false },
    outputSchema: output(responses('backendList')),
  },
  describe_backend: {
    inputSchema: { type: 'object', required: ['backend'], additionalProperties: false, properties: { backend: backendName() } },
    outputSchema: output(responses('backendManifest')),
  },
  search_tasks: {
    inputSchema: searchTasksInput(),
    outputSchema: output(responses('inboxPage')),
  },
  get_task: {
    inputSchema: { type: 'object', required: ['backend', 'taskId'], additionalProperties: false, properties: { backend: backendName(), taskId: TASK_ID } },
    outputSchema: output((bundle) => bundle.ref('task.schema.json')),
  },
  perform_action: {
    inputSchema: performActionInput(),
    outputSchema: output(responses('actionResponse'), responses('dryRunResponse')),
  },
};

