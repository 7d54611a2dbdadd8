// GET /openapi.json: the OpenAPI 3.1 document, built from the very JSON Schemas (schemas/*.json) that validate requests.
import actionRequestSchema from '../../schemas/action-request.schema.json';
import auditQuerySchema from '../../schemas/audit-query.schema.json';
import inboxQuerySchema from '../../schemas/inbox-query.schema.json';
import batchRequestSchema from '../../schemas/batch-request.schema.json';
import problemSchema from '../../schemas/problem.schema.json';
import responsesSchema from '../../schemas/responses.schema.json';
import taskSchema from '../../schemas/task.schema.json';
import { version } from '../../package.json';
// Change events (src/events): their schema files and paths.
import eventsQuerySchema from '../../schemas/events-query.schema.json';
import eventsSchema from '../../schemas/events.schema.json';
import { eventPaths } from '../events/event-openapi';
import { TASK_STATUSES } from '../core/task';
import type { Backend } from '../core/gateway';

type Json = Record<string, unknown>;

/** Each schema file, the component name it becomes, and its file name (how other files $ref it). */
export const SCHEMA_FILES = [
  { file: 'action-request.schema.json', name: 'ActionRequest', schema: actionRequestSchema },
  { file: 'task.schema.json', name: 'Task', schema: taskSchema },
  { file: 'problem.schema.json', name: 'Problem', schema: problemSchema },
  { file: 'batch-request.schema.json', name: 'BatchRequest', schema: batchRequestSchema },
  // Query parameters, not a body: each property becomes a parameter of GET /v1/audit, and no component.
  { file: 'audit-query.schema.json', name: 'AuditQuery', schema: auditQuerySchema, parameters: true },
  { file: 'inbox-query.schema.json', name: 'InboxQuery', schema: inboxQuerySchema, parameters: true },
  { file: 'responses.schema.json', name: 'Responses', schema: responsesSchema },
  { file: 'events-query.schema.json', name: 'EventsQuery', schema: eventsQuerySchema, parameters: true },
  { file: 'events.schema.json', name: 'Events', schema: eventsSchema },
] as const;

const componentRef = (name: string) => `#/components/schemas/${name}`;
const defName = (owner: string, def: string) => (owner === 'Responses' ? def[0]!.toUpperCase() + def.slice(1) : `${owner}_${def}`);

/** Rewrites a schema's `$ref`s (`#/$defs/x` and `other.schema.json[#/$defs/x]`) to component references. */
function rewrite(value: unknown, owner: string): unknown {
  if (Array.isArray(value)) return value.map((v) => rewrite(v, owner));
  if (!value || typeof value !== 'object') return value;
  const out: Json = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === '$ref' && typeof v === 'string') {
      const [file, pointer = ''] = v.split('#');
      const target = file ? SCHEMA_FILES.find((s) => s.file === file)?.name : owner;
      if (!target) throw new Error(`openapi: unknown schema file in $ref ${v}`);
      const def = /^\/\$defs\/([A-Za-z0-9_]+)$/.exec(pointer)?.[1];
      out.$ref = componentRef(def ? defName(target, def) : target);
    } else {
      out[key] = rewrite(v, owner);
    }
  }
  return out;
}

/**
 * Adds OpenAPI's discriminator (not a JSON Schema keyword, so not in the schema file ajv compiles) to a oneOf whose
 * branches are `{ $ref, required, properties }` pinning `propertyName` with a const. The pins are folded into the
 * components the branches name, leaving plain `$ref`s: the discriminator, Swagger UI and linters read the named
 * schema, not a `$ref`'s siblings. Each of those components is used by its branch alone, so the meaning is unchanged.
 */
function discriminate(components: Record<string, unknown>, name: string, propertyName: string): void {
  const schema = components[name] as Json & { oneOf?: Json[] };
  const mapping: Record<string, string> = {};
  schema.oneOf = (schema.oneOf ?? []).map((branch) => {
    const { $ref, required = [], properties = {}, ...rest } = branch as { $ref?: string; required?: string[]; properties?: Record<string, { const?: unknown }> };
    const value = properties[propertyName]?.const;
    const target = $ref?.startsWith(componentRef('')) ? components[$ref.slice(componentRef('').length)] as Json | undefined : undefined;
    if (!$ref || !target || typeof value !== 'string' || Object.keys(rest).length) {
      throw new Error(`openapi: each oneOf branch of ${name} must be { $ref, required, properties } with a const ${propertyName}`);
    }
    components[$ref.slice(componentRef('').length)] = {
      ...target,
      required: [...new Set([...((target.required as string[] | undefined) ?? []), ...required])],
      properties: { ...(target.properties as Json | undefined), ...properties },
    };
    mapping[value] = $ref;
    return { $ref };
  });
  schema.discriminator = { propertyName, mapping };
}

/** Every schema file as components: the root (unless it is only a $defs holder) and each $def. */
export function schemaComponents(): Record<string, unknown> {
  const components: Record<string, unknown> = {};
  for (const { name, schema, ...file } of SCHEMA_FILES) {
    if ('parameters' in file) continue;
    const { $schema: _s, $id: _i, $defs, ...root } = structuredClone(schema) as Json & { $defs?: Record<string, unknown> };
    if (Object.keys(root).some((k) => !['title', 'description'].includes(k))) components[name] = rewrite(root, name);
    for (const [def, sub] of Object.entries($defs ?? {})) components[defName(name, def)] = rewrite(sub, name);
  }
  discriminate(components, 'ActionRequest', 'action');
  return components;
}

const json = (schema: Json) => ({ content: { 'application/json': { schema } } });
const ref = (name: string) => ({ $ref: componentRef(name) });
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });
const ok = (name: string, description = 'OK') => ({ description, ...json(ref(name)) });

const V1_ERRORS = {
  '401': problem('UNAUTHENTICATED: no or unknown API key'),
  '429': problem('RATE_LIMITED: the key\'s rate limit is exhausted (Retry-After)'),
  default: problem('Any other error of the catalogue'),
};
const BACKEND_ERRORS = {
  ...V1_ERRORS,
  '403': problem('FORBIDDEN: the key may not use this backend'),
  '404': problem('BACKEND_NOT_FOUND (or TASK_NOT_FOUND)'),
};
const VENDOR_ERRORS = {
  '502': problem('BACKEND_AUTH_FAILED or BACKEND_ERROR'),
  '503': problem('BACKEND_UNAVAILABLE (Retry-After) or SHUTTING_DOWN'),
  '504': problem('BACKEND_TIMEOUT'),
};

// Checked on every route before anything else (app.ts), so the operational routes can answer it too.
const BAD_REQUEST = { '400': problem('INVALID_REQUEST: a URL over 4,096 characters, request headers over 16 KiB, or no Host header') };

const pathParam = (name: string, description: string, maxLength: number) => ({ name, in: 'path', required: true, description, schema: { type: 'string', minLength: 1, maxLength } });
const queryParam = (name: string, schema: unknown, description?: string) => ({ name, in: 'query', required: false, schema, ...(description ? { description } : {}) });

/** The document, for the configured backends (their vendor list filters become query parameters). */
export function buildOpenApi(backends: Backend[]): Json {
  const backendParam = pathParam('backend', 'A configured backend name', 64);
  const taskIdParam = pathParam('taskId', "The vendor's task id", 256);
  const include = queryParam('include', { const: 'raw' }, "`raw` adds the vendor's own object as `raw`");
  const filters = new Map<string, { schema: Json; vendors: string[] }>();
  for (const backend of backends) {
    for (const [name, rule] of Object.entries(backend.adapter.listFilters)) {
      const entry = filters.get(name) ?? { schema: { type: 'string', maxLength: rule.maxLength ?? 256, ...(rule.enum ? { enum: rule.enum } : {}), ...(rule.pattern ? { pattern: rule.pattern } : {}) }, vendors: [] };
      if (!entry.vendors.includes(backend.vendor)) entry.vendors.push(backend.vendor);
      filters.set(name, entry);
    }
  }
  const auditProperties = auditQuerySchema.properties as Record<string, Json>;

  return {
    openapi: '3.1.0',
    info: {
      title: 'taskgate',
      version,
      license: { name: 'Apache License 2.0', identifier: 'Apache-2.0' },
      summary: 'One REST API and one action vocabulary for human tasks in Huawei SecMaster, IBM BPM, Oracle BPM and K2',
      description: 'Every error is application/problem+json (RFC 9457). Every /v1 route needs `Authorization: Bearer <key>` or `X-API-Key: <key>`.',
    },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }, { apiKeyHeader: [] }],
    tags: [
      { name: 'backends', description: 'The configured backends this key may use, and what each one supports' },
      { name: 'tasks', description: 'Tasks of one backend, read in the canonical model' },
      { name: 'actions', description: 'Canonical actions on tasks, one at a time or in a batch' },
      { name: 'audit', description: 'The audit trail of every action attempted (scope `audit`)' },
      { name: 'mcp', description: 'The Model Context Protocol: the same keys, scopes, rate limits and audit as tools for AI agents' },
      { name: 'events', description: 'Change events: the feed, its stream and webhook delivery state (scope `events`)' },
      { name: 'operations', description: 'Liveness, readiness, metrics and this document; no key needed' },
    ],
    paths: {
      '/v1/backends': {
        get: { operationId: 'listBackends', tags: ['backends'], summary: 'The backends this key may use', responses: { '200': ok('BackendList'), ...V1_ERRORS } },
      },
      '/v1/backends/{backend}': {
        parameters: [backendParam],
        get: { operationId: 'getBackend', tags: ['backends'], summary: 'The capability manifest of one backend', responses: { '200': ok('BackendManifest'), ...BACKEND_ERRORS } },
      },
      '/v1/backends/{backend}/tasks': {
        parameters: [backendParam],
        get: {
          operationId: 'listTasks', tags: ['tasks'], summary: 'List tasks',
          parameters: [
            queryParam('limit', { type: 'integer', minimum: 1, maximum: 100, default: 20 }),
            queryParam('offset', { type: 'integer', minimum: 0, maximum: 1_000_000, default: 0 }),
            queryParam('status', { enum: [...TASK_STATUSES] }, 'Canonical status, where the vendor can filter by it (else 400)'),
            include,
            ...[...filters].map(([name, { schema, vendors }]) => queryParam(name, schema, `Vendor filter (${vendors.join(', ')} only; 400 elsewhere)`)),
          ],
          responses: { '200': ok('TaskPage'), ...BACKEND_ERRORS, ...VENDOR_ERRORS },
        },
      },
      '/v1/backends/{backend}/tasks/{taskId}': {
        parameters: [backendParam, taskIdParam],
        get: { operationId: 'getTask', tags: ['tasks'], summary: 'Read one task', parameters: [include], responses: { '200': ok('Task'), ...BACKEND_ERRORS, ...VENDOR_ERRORS } },
      },
      '/v1/backends/{backend}/tasks/{taskId}/actions': {
        parameters: [backendParam, taskIdParam],
        post: {
          operationId: 'performAction', tags: ['actions'], summary: 'Perform one canonical action',
          parameters: [
            queryParam('dryRun', { type: 'boolean', default: false }, 'Validate and translate only: nothing is sent, nothing is audited'),
            include,
            { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', pattern: '^[\\x20-\\x7e]{1,255}$' },
              description: 'Same key and request within 24 h: the first answer is replayed (header Idempotent-Replayed: true) without a vendor call' },
            { name: 'X-On-Behalf-Of', in: 'header', required: false, schema: { type: 'string', maxLength: 256 }, description: 'The person the caller acts for; recorded in the audit trail' },
          ],
          requestBody: { required: true, ...json(ref('ActionRequest')) },
          responses: {
            '200': { description: 'The action result, or with ?dryRun=true the vendor requests that would be sent', ...json({ oneOf: [ref('ActionResponse'), ref('DryRunResponse')] }) },
            '400': problem('INVALID_REQUEST'),
            ...BACKEND_ERRORS,
            '409': problem('CONFLICT: the vendor refuses because of the task\'s state, or a request with this Idempotency-Key is still running'),
            '413': problem('PAYLOAD_TOO_LARGE'),
            '415': problem('UNSUPPORTED_MEDIA_TYPE'),
            '422': problem('UNSUPPORTED_ACTION, BACKEND_REJECTED or IDEMPOTENCY_KEY_REUSED'),
            ...VENDOR_ERRORS,
          },
        },
      },
      '/v1/actions/batch': {
        post: {
          operationId: 'performBatch', tags: ['actions'], summary: 'Perform up to 1,000 actions across backends',
          description: 'Each item is `{ backend, taskId, action, ...parameters }` (see BatchRequest_item and ActionRequest); a bad item becomes a problem in its place.',
          parameters: [{ name: 'X-On-Behalf-Of', in: 'header', required: false, schema: { type: 'string', maxLength: 256 } }],
          // The envelope as validated (items are checked one by one, each failing on its own), with the items' shape.
          requestBody: { required: true, ...json({ allOf: [ref('BatchRequest'), { type: 'object', properties: { items: { type: 'array', items: ref('BatchRequest_item') } } }] }) },
          responses: { '200': ok('BatchResponse', 'One result or problem per item, in request order'), '400': problem('INVALID_REQUEST: a malformed envelope'), '413': problem('PAYLOAD_TOO_LARGE'), '415': problem('UNSUPPORTED_MEDIA_TYPE'), ...V1_ERRORS },
        },
      },
      '/v1/audit': {
        get: {
          operationId: 'listAudit', tags: ['audit'], summary: 'The audit trail, newest first (needs the `audit` scope)',
          parameters: Object.entries(auditProperties).map(([name, schema]) => queryParam(name, schema)),
          responses: { '200': ok('AuditPage'), '400': problem('INVALID_REQUEST'), '403': problem('FORBIDDEN: the key has no `audit` scope'), ...V1_ERRORS },
        },
      },
      '/v1/tasks': {
        get: {
          operationId: 'inbox', tags: ['tasks'], summary: 'The inbox: indexed tasks of every backend the key may use (contract section 9)',
          parameters: Object.entries(inboxQuerySchema.properties).map(([name, schema]) => queryParam(name, schema)),
          responses: { '200': ok('InboxPage'), '400': problem('INVALID_REQUEST: an unknown parameter, or a cursor of another query'), '403': problem('FORBIDDEN: a named backend the key may not use'), '404': problem('BACKEND_NOT_FOUND'), ...V1_ERRORS },
        },
      },
      '/v1/backends/{backend}/sync': {
        parameters: [backendParam],
        post: {
          operationId: 'syncBackend', tags: ['tasks'], summary: "Start a full sync cycle of this backend's index now (needs the `sync` scope)",
          responses: { '202': ok('SyncAccepted', 'The cycle was started (or will follow the one running)'), '400': problem('INVALID_REQUEST: the backend is not indexed'), ...BACKEND_ERRORS },
        },
      },
      '/mcp': {
        post: {
          operationId: 'mcp', tags: ['mcp'], summary: 'The Model Context Protocol for AI agents (Streamable HTTP, stateless): the tools of docs/mcp.md',
          description: 'A JSON-RPC message of MCP, sent with `Accept: application/json, text/event-stream`; tool refusals are tool results with `isError`, not HTTP errors.',
          requestBody: { required: true, ...json({ type: 'object', description: 'A JSON-RPC 2.0 message' }) },
          responses: {
            '200': { description: 'The JSON-RPC answer', ...json({ type: 'object' }) },
            '202': { description: 'A notification or a response, accepted' },
            ...V1_ERRORS,
          },
        },
      },
      ...eventPaths(V1_ERRORS),
      '/healthz': { get: { operationId: 'health', tags: ['operations'], security: [], summary: 'Liveness', responses: { '200': ok('Health'), ...BAD_REQUEST } } },
      '/readyz': {
        get: {
          operationId: 'ready', tags: ['operations'], security: [], summary: 'Readiness: config, store, circuits',
          responses: { '200': ok('Ready'), ...BAD_REQUEST, '503': { description: 'Not ready: the store cannot be reached, or the gateway is draining', content: { 'application/json': { schema: ref('Ready') }, 'application/problem+json': { schema: ref('Problem') } } } },
        },
      },
      '/metrics': {
        get: { operationId: 'metrics', tags: ['operations'], security: [], summary: 'Prometheus metrics', responses: { '200': { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } }, ...BAD_REQUEST } },
      },
      '/openapi.json': {
        get: { operationId: 'openapi', tags: ['operations'], security: [], summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1', ...json({ type: 'object' }) }, ...BAD_REQUEST } },
      },
      '/docs': {
        get: { operationId: 'docs', tags: ['operations'], security: [], summary: 'This document, rendered for people (Swagger UI, served locally)', responses: { '200': { description: 'HTML', content: { 'text/html': { schema: { type: 'string' } } } }, ...BAD_REQUEST } },
      },
    },
    components: {
      schemas: schemaComponents(),
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <API key>' },
        apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
    },
  };
}
