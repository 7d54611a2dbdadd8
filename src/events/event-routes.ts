// The change feed (GET /v1/events, its SSE stream) and webhook state (GET /v1/webhooks, deliveries, retry): scope `events`.
import Ajv2020 from 'ajv/dist/2020';
import type { Request, Response } from 'express';
import eventsQuerySchema from '../../schemas/events-query.schema.json';
import { mayUseBackend, type Caller } from '../core/action-service';
import { namedBackends, validatedQuery } from '../http/query-checks';
import { GatewayError } from '../core/errors';
import { locals, type Route } from '../http/app';
import type { DeliveryStatus } from '../store/outbox-store';
import { kindsFor } from './cloud-event';
import type { FeedQuery } from './event-feed';
import type { EventService } from './event-service';

const ajv = new Ajv2020({ strict: true, allErrors: true, useDefaults: true, coerceTypes: true });
ajv.addSchema(eventsQuerySchema);
const SCHEMA_ID = eventsQuerySchema.$id;
const validateFeed = ajv.getSchema(SCHEMA_ID)!;
const validateStream = ajv.getSchema(`${SCHEMA_ID}#/$defs/stream`)!;
const validateDeliveries = ajv.getSchema(`${SCHEMA_ID}#/$defs/deliveries`)!;

/** The stream writes a comment at least this often when no event comes (the contract's bound is 15 s). */
export const HEARTBEAT_MS = 10_000;
const STREAM_PAGE = 100;
const ID = /^[0-9]{1,15}$/;

/** What the routes need of the gateway: the configured backends. */
export interface BackendDirectory {
  list(): { name: string }[];
}

export interface EventRouteDeps {
  events: EventService;
  backends: BackendDirectory;
  /** The stream's heartbeat interval (default HEARTBEAT_MS). */
  heartbeatMs?: number;
}

export function eventRoutes(route: Route, deps: EventRouteDeps): void {
  route('/v1/events', { get: [feedHandler(deps)] });
  route('/v1/events/stream', { get: [streamHandler(deps)] });
  route('/v1/webhooks', { get: [webhooksHandler(deps)] });
  route('/v1/webhooks/:name/deliveries', { get: [deliveriesHandler(deps)] });
  route('/v1/webhooks/:name/deliveries/:id/retry', { post: [retryHandler(deps)] });
}

/** The caller, once its key has the `events` scope (checked before anything about the request is read). */
function eventsCaller(res: Response): Caller {
  const caller = locals(res).caller!;
  if (!caller.scopes.includes('events')) throw new GatewayError('FORBIDDEN', 'The change feed and webhook state need an API key with the `events` scope');
  return caller;
}

/** The backends to read: the named ones (checked before the rest of the query), else the key's (undefined: all). */
function backendsOf(caller: Caller, req: Request, directory: BackendDirectory): string[] | undefined {
  return namedBackends(caller, (req.query as Record<string, unknown>).backend, directory.list()) ?? (caller.backends.includes('*') ? undefined : caller.backends);
}

function feedQuery(q: { after?: string; type?: string }, backends: string[] | undefined, limit: number): FeedQuery {
  return { after: q.after === undefined ? 0 : Number(q.after), limit, kinds: kindsFor(q.type?.split(',')), backends };
}

/** An AbortSignal that fires when the client goes away or the gateway shuts down. */
function lifetime(res: Response, closing: AbortSignal): AbortController {
  const controller = new AbortController();
  const abort = () => controller.abort();
  // The response's close: it is sent, or its connection went away (a request's own close means only that it was read).
  res.once('close', abort);
  if (closing.aborted) abort();
  else closing.addEventListener('abort', abort, { once: true });
  res.once('close', () => closing.removeEventListener('abort', abort));
  return controller;
}

function feedHandler({ events, backends }: EventRouteDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const caller = eventsCaller(res);
    const read = backendsOf(caller, req, backends);
    const q = validatedQuery<{ after?: string; limit: number; type?: string; wait: number }>(validateFeed, req.query as Record<string, unknown>, 'events query', 'after, limit (1-500), type, backend, wait (0-30)');
    const query = feedQuery(q, read, q.limit);
    const page = q.wait > 0
      ? await events.feed.wait(query, q.wait * 1000, lifetime(res, events.closingSignal).signal)
      : await events.feed.page(query);
    if (res.writableEnded || res.destroyed) return;
    res.json({ items: page.items, nextCursor: String(page.next) });
  };
}

function streamHandler({ events, backends, heartbeatMs = HEARTBEAT_MS }: EventRouteDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const caller = eventsCaller(res);
    const read = backendsOf(caller, req, backends);
    const q = validatedQuery<{ after?: string; type?: string }>(validateStream, req.query as Record<string, unknown>, 'events stream query', 'after, type, backend (and the Last-Event-ID header)');
    const lastEventId = req.get('last-event-id');
    if (lastEventId !== undefined && !ID.test(lastEventId.trim())) {
      throw new GatewayError('INVALID_REQUEST', 'Last-Event-ID must be an id this stream sent (a sequence number)');
    }
    let query = feedQuery({ ...q, after: lastEventId?.trim() ?? q.after }, read, STREAM_PAGE);
    const { signal } = lifetime(res, events.closingSignal);
    res.status(200).set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'X-Accel-Buffering': 'no' });
    res.flushHeaders();
    res.write(': taskgate change feed\nretry: 2000\n\n');
    try {
      while (!signal.aborted) {
        const page = await events.feed.wait(query, heartbeatMs, signal);
        if (signal.aborted) break;
        let chunk = '';
        for (const event of page.items) chunk += `id: ${event.data.sequence}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
        // A slow reader is not sent more than the socket takes: the next page waits for it to drain.
        if (!res.write(chunk || ': heartbeat\n\n')) await drained(res, signal);
        query = { ...query, after: page.next };
      }
    } catch (error) {
      // The answer has started: a failure can only end the stream (the client resumes with Last-Event-ID).
      events.report('the event stream failed', error);
      locals(res).errorCode = 'INTERNAL_ERROR';
      res.write(': the stream failed; reconnect to resume\n\n');
    }
    res.end();
  };
}

function drained(res: Response, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    res.once('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}

function webhooksHandler({ events }: EventRouteDeps) {
  return async (_req: Request, res: Response): Promise<void> => {
    const caller = eventsCaller(res);
    res.json({ items: await events.webhookStates(caller.backends.includes('*') ? undefined : caller.backends) });
  };
}

function webhookOf(events: EventService, req: Request): string {
  const name = String(req.params.name);
  if (!events.webhook(name)) throw new GatewayError('NOT_FOUND', `No webhook is named '${name.slice(0, 64)}'`);
  return name;
}

function deliveriesHandler({ events }: EventRouteDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const caller = eventsCaller(res);
    const name = webhookOf(events, req);
    const q = validatedQuery<{ status?: DeliveryStatus; limit: number; cursor?: string }>(validateDeliveries, req.query as Record<string, unknown>, 'deliveries query', 'status (pending, delivered, failed), limit (1-500), cursor');
    const page = await events.deliveries(name, {
      status: q.status, limit: q.limit, beforeId: q.cursor === undefined ? undefined : Number(q.cursor),
      backends: caller.backends.includes('*') ? undefined : caller.backends,
    });
    res.json(page.next === undefined ? { items: page.items } : { items: page.items, nextCursor: String(page.next) });
  };
}

function retryHandler({ events }: EventRouteDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const caller = eventsCaller(res);
    const name = webhookOf(events, req);
    const raw = String(req.params.id);
    const delivery = ID.test(raw) ? await events.delivery(name, Number(raw)) : undefined;
    // A delivery of a backend the key may not use is not there for it, as in the deliveries list: no 403 that
    // would tell which ids exist.
    if (!delivery || !mayUseBackend(caller, delivery.backend)) throw new GatewayError('NOT_FOUND', `Webhook '${name}' has no delivery '${raw.slice(0, 32)}'`);
    const outcome = await events.retry(name, Number(raw));
    if (outcome === 'not_found') throw new GatewayError('NOT_FOUND', `Webhook '${name}' has no delivery '${raw}'`);
    if (outcome === 'not_failed') {
      throw new GatewayError('CONFLICT', `Delivery ${raw} is ${delivery.status === 'failed' ? 'being retried' : delivery.status}: only a failed delivery can be retried`);
    }
    res.status(202).json(await events.delivery(name, Number(raw)));
  };
}
