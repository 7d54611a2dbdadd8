// The change-event routes in the OpenAPI document (src/http/openapi.ts spreads these paths into its own).
import eventsQuerySchema from '../../schemas/events-query.schema.json';

type Json = Record<string, unknown>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });
const ok = (name: string, description = 'OK') => ({ description, content: { 'application/json': { schema: ref(name) } } });
const query = (name: string, schema: unknown, description?: string) => ({ name, in: 'query', required: false, schema, ...(description ? { description } : {}) });

/** Paths of GET /v1/events, /v1/events/stream, /v1/webhooks and the deliveries routes; `errors` are the /v1 ones. */
export function eventPaths(errors: Json): Json {
  const props = eventsQuerySchema.properties as Record<string, Json>;
  const defs = eventsQuerySchema.$defs as Record<string, Json & { properties?: Record<string, Json> }>;
  const resolve = (schema: Json): Json => {
    const target = typeof schema.$ref === 'string' ? /^#\/\$defs\/(\w+)$/.exec(schema.$ref)?.[1] : undefined;
    return target ? defs[target]! : schema;
  };
  const feedParams = Object.entries(props).map(([name, schema]) => query(name, resolve(schema)));
  const streamParams = Object.entries(defs.stream!.properties!).map(([name, schema]) => query(name, resolve(schema)));
  const deliveryParams = Object.entries(defs.deliveries!.properties!).map(([name, schema]) => query(name, schema));
  const scope = problem('FORBIDDEN: the key has no `events` scope, or may not use a named backend');
  const name = { name: 'name', in: 'path', required: true, description: 'A configured webhook name', schema: { type: 'string', minLength: 1, maxLength: 64 } };
  return {
    '/v1/events': {
      get: {
        operationId: 'listEvents', tags: ['events'], summary: 'The change feed, in sequence order (needs the `events` scope)',
        description: 'Without `after` it starts at the oldest retained event. `wait` (seconds) holds the request until an event arrives.',
        parameters: feedParams,
        responses: { '200': ok('Events_eventPage'), '400': problem('INVALID_REQUEST'), '403': scope, '404': problem('BACKEND_NOT_FOUND'), ...errors },
      },
    },
    '/v1/events/stream': {
      get: {
        operationId: 'streamEvents', tags: ['events'], summary: 'The change feed as Server-Sent Events (needs the `events` scope)',
        description: 'Each message: `id:` the cursor, `event:` the type, `data:` the event JSON (Events_cloudEvent). A comment line comes at least every 15 s. Reconnecting with `Last-Event-ID` resumes after that event.',
        parameters: [...streamParams, { name: 'Last-Event-ID', in: 'header', required: false, schema: { type: 'string', pattern: '^[0-9]{1,15}$' } }],
        responses: { '200': { description: 'An event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, '400': problem('INVALID_REQUEST'), '403': scope, '404': problem('BACKEND_NOT_FOUND'), ...errors },
      },
    },
    '/v1/webhooks': {
      get: { operationId: 'listWebhooks', tags: ['events'], summary: 'Each webhook with its delivery counts and last error (needs the `events` scope)', responses: { '200': ok('Events_webhookList'), '403': scope, ...errors } },
    },
    '/v1/webhooks/{name}/deliveries': {
      parameters: [name],
      get: {
        operationId: 'listDeliveries', tags: ['events'], summary: "A webhook's deliveries, newest first (needs the `events` scope)", parameters: deliveryParams,
        responses: { '200': ok('Events_deliveryPage'), '400': problem('INVALID_REQUEST'), '403': scope, '404': problem('NOT_FOUND: no such webhook'), ...errors },
      },
    },
    '/v1/webhooks/{name}/deliveries/{id}/retry': {
      parameters: [name, { name: 'id', in: 'path', required: true, description: 'A delivery id', schema: { type: 'string', minLength: 1, maxLength: 32 } }],
      post: {
        operationId: 'retryDelivery', tags: ['events'], summary: 'Send a failed delivery again, with a fresh round of retries (needs the `events` scope)',
        responses: {
          '202': ok('Events_delivery', 'The delivery, pending again'), '403': scope, '404': problem('NOT_FOUND: no such webhook or delivery'),
          '409': problem('CONFLICT: the delivery is not failed (pending or delivered)'), ...errors,
        },
      },
    },
  };
}
