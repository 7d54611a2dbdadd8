// GET /v1/events (paging, filters, the key's backends, long poll), the SSE stream (resume, heartbeat), webhook routes.
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Caller } from '../../src/core/action-service';
import { GatewayError } from '../../src/core/errors';
import { eventRoutes } from '../../src/events/event-routes';
import { EventService } from '../../src/events/event-service';
import type { Route } from '../../src/http/app';
import { sendProblem } from '../../src/http/problem';
import { SqliteStore } from '../../src/store/sqlite-store';
import type { Sender } from '../../src/events/delivery-worker';
import { change, commit, SECRET } from './helpers';

const CALLERS: Record<string, Caller> = {
  all: { name: 'all', backends: ['*'], scopes: ['events'] },
  oracle: { name: 'oracle', backends: ['oracle'], scopes: ['events'] },
  none: { name: 'none', backends: ['*'], scopes: ['audit'] },
};
const BACKENDS = [{ name: 'oracle' }, { name: 'k2' }];

let server: Server;
let base: string;
let store: SqliteStore;
let events: EventService;
/** The webhook receiver: answers 500 for task t-fail, 204 otherwise. */
const sender: Sender = { send: async (_url, r) => (r.body.includes('"subject":"t-fail"') ? { ok: false, status: 500, error: 'HTTP 500' } : { ok: true, status: 204 }) };

beforeAll(async () => {
  store = new SqliteStore(':memory:');
  store.migrate();
  events = new EventService({
    store, sender, pollMs: 50,
    config: { retentionHours: 168, retrySchedule: [], webhooks: [{ name: 'erp', url: 'https://user:pw@erp.example/hook?token=abc', secret: SECRET, backends: ['*'] }] },
  });
  const app = express();
  app.use((req, res, next) => {
    res.locals.caller = CALLERS[String(req.headers['x-caller'] ?? 'all')];
    res.locals.requestId = 'req-1';
    next();
  });
  const route: Route = (path, handlers) => {
    for (const [method, list] of Object.entries(handlers)) app[method as 'get' | 'post'](path, ...list!);
  };
  eventRoutes(route, { events, backends: { list: () => BACKENDS }, heartbeatMs: 200 });
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    sendProblem(res, error instanceof GatewayError ? error : new GatewayError('INTERNAL_ERROR', String(error)));
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await events.stop();
  await new Promise((r) => server.close(r));
  await store.close();
});

async function get(path: string, caller = 'all') {
  const res = await fetch(`${base}${path}`, { headers: { 'x-caller': caller } });
  return { status: res.status, body: (await res.json()) as any };
}
const seqs = (body: any) => body.items.map((e: any) => e.data.sequence);

describe('the feed', () => {
  beforeAll(async () => {
    await commit(store, change('o1'), change('o1', { kind: 'updated', changes: ['assignee'], previous: { assignee: null } }));
    await commit(store, change('k1', { backend: 'k2' }), change('k1', { backend: 'k2', kind: 'action', action: 'approve', result: 'completed', keyName: 'erp' }));
    await commit(store, change('o1', { kind: 'closed', changes: ['status'], previous: { status: 'open' } }), change('k1', { backend: 'k2', kind: 'removed' }));
  });

  test('pages in sequence order from the oldest event; nextCursor continues without gaps or repeats', async () => {
    const one = await get('/v1/events?limit=4');
    expect(one.status).toBe(200);
    expect(seqs(one.body)).toEqual([1, 2, 3, 4]);
    expect(one.body.items[0]).toMatchObject({ specversion: '1.0', type: 'taskgate.task.created', source: 'taskgate/oracle', subject: 'o1' });
    expect(one.body.nextCursor).toBe('4');
    const two = await get(`/v1/events?limit=4&after=${one.body.nextCursor}`);
    expect(seqs(two.body)).toEqual([5, 6]);
    const three = await get(`/v1/events?limit=4&after=${two.body.nextCursor}`);
    expect(three.body).toEqual({ items: [], nextCursor: '6' });
    // The same event reads back with the same id.
    expect((await get('/v1/events?limit=1')).body.items[0].id).toBe(one.body.items[0].id);
  });

  test('type prefixes and backend names narrow it; a key sees only its backends; 403 before 404', async () => {
    expect(seqs((await get('/v1/events?type=taskgate.task.closed,taskgate.action.')).body)).toEqual([4, 5]);
    expect(seqs((await get('/v1/events?backend=k2')).body)).toEqual([3, 4, 6]);
    const filtered = await get('/v1/events?type=taskgate.task.removed&limit=1');
    expect(seqs(filtered.body)).toEqual([6]);
    // Nothing matches after it: the cursor moves past what was read.
    expect((await get(`/v1/events?type=taskgate.task.removed&after=6`)).body.nextCursor).toBe('6');
    expect(seqs((await get('/v1/events', 'oracle')).body)).toEqual([1, 2, 5]);
    expect((await get('/v1/events?backend=k2', 'oracle')).status).toBe(403);
    expect((await get('/v1/events?backend=nope', 'oracle')).status).toBe(403);
    expect((await get('/v1/events?backend=nope')).body.code).toBe('BACKEND_NOT_FOUND');
    // The named backends are checked before the rest of the query (contract section 4, order of checks).
    expect((await get('/v1/events?backend=k2&bogus=1', 'oracle')).status).toBe(403);
    expect((await get('/v1/events/stream?backend=nope&bogus=1')).body.code).toBe('BACKEND_NOT_FOUND');
  });

  test('scope `events` is needed; unknown parameters and out-of-range values are 400', async () => {
    const forbidden = await get('/v1/events?bogus=1', 'none');
    expect([forbidden.status, forbidden.body.code]).toEqual([403, 'FORBIDDEN']);
    for (const q of ['bogus=1', 'limit=0', 'limit=501', 'wait=31', 'after=abc', 'type=a,,b']) {
      const res = await get(`/v1/events?${q}`);
      expect([q, res.status, res.body.code]).toEqual([q, 400, 'INVALID_REQUEST']);
    }
  });

  test('wait: the request is held until an event is committed here (notify) or by another gateway (the store is polled)', async () => {
    const cursor = (await get('/v1/events?limit=500')).body.nextCursor;
    const held = get(`/v1/events?after=${cursor}&wait=30`);
    await new Promise((r) => setTimeout(r, 100));
    await commit(store, change('o2'));
    events.changed();
    const answer = await held;
    expect(answer.body.items.map((e: any) => e.subject)).toEqual(['o2']);

    const polled = get(`/v1/events?after=${answer.body.nextCursor}&wait=30&backend=oracle`);
    await commit(store, change('k9', { backend: 'k2' }));
    await commit(store, change('o3'));
    const second = await polled;
    expect(second.body.items.map((e: any) => e.subject)).toEqual(['o3']);
  });

  test('wait ends empty when nothing comes', async () => {
    const cursor = (await get('/v1/events?limit=500')).body.nextCursor;
    expect(await get(`/v1/events?after=${cursor}&wait=1`)).toEqual({ status: 200, body: { items: [], nextCursor: cursor } });
  });
});

/** Reads an SSE stream until `stop` says enough; returns the frames (comments included) and aborts. */
async function readStream(headers: Record<string, string>, stop: (frames: string[]) => boolean, path = '/v1/events/stream') {
  const controller = new AbortController();
  const res = await fetch(`${base}${path}`, { headers: { 'x-caller': 'all', ...headers }, signal: controller.signal });
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const frames: string[] = [];
  while (!stop(frames)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = text.indexOf('\n\n')) >= 0) {
      frames.push(text.slice(0, end));
      text = text.slice(end + 2);
    }
  }
  controller.abort();
  return frames;
}

const eventFrames = (frames: string[]) => frames.filter((f) => f.startsWith('id: '));

test('the stream: id is the cursor, event the type, data the event; it resumes after Last-Event-ID and sends heartbeats', async () => {
  const max = Number((await get('/v1/events?limit=500')).body.nextCursor);
  const first = await readStream({}, (f) => eventFrames(f).length >= max);
  const frames = eventFrames(first);
  expect(frames[0]).toMatch(/^id: 1\nevent: taskgate\.task\.created\ndata: \{/);
  const data = JSON.parse(frames[2].split('\n')[2].slice('data: '.length));
  expect(data).toMatchObject({ type: 'taskgate.task.created', subject: 'k1', data: { sequence: 3 } });

  const resumed = readStream({ 'Last-Event-ID': String(max) }, (f) => eventFrames(f).length >= 1 && f.some((x) => x === ': heartbeat'));
  await new Promise((r) => setTimeout(r, 50));
  await commit(store, change('o-live'));
  events.changed();
  const after = await resumed;
  expect(eventFrames(after).map((f) => f.split('\n')[0])).toEqual([`id: ${max + 1}`]);
  expect(after).toContain(': heartbeat');

  const bad = await fetch(`${base}/v1/events/stream?limit=5`, { headers: { 'x-caller': 'all' } });
  expect(bad.status).toBe(400);
  expect((await fetch(`${base}/v1/events/stream`, { headers: { 'x-caller': 'all', 'Last-Event-ID': 'x' } })).status).toBe(400);
});

describe('webhook state', () => {
  beforeAll(async () => {
    await commit(store, change('t-fail', { backend: 'k2' }));
    await events.worker.runOnce();
    await events.worker.idle();
  });

  test('GET /v1/webhooks: counts and the last error, the URL without credentials, never the secret', async () => {
    const { status, body } = await get('/v1/webhooks');
    expect(status).toBe(200);
    const [erp] = body.items;
    expect(erp).toMatchObject({ name: 'erp', url: 'https://erp.example/hook', types: [], backends: ['*'], counts: { failed: 1, pending: 0 }, lastError: { status: 500, error: 'HTTP 500' } });
    expect(erp.counts.delivered).toBeGreaterThan(5);
    const text = JSON.stringify(body);
    expect(text).not.toContain(SECRET.slice(6));
    expect(text).not.toContain('token=abc');
    expect(text).not.toContain('pw@');
    const oracleOnly = (await get('/v1/webhooks', 'oracle')).body.items[0];
    expect(oracleOnly.counts.failed).toBe(0);
    expect(oracleOnly.lastError).toBeUndefined();
    expect((await get('/v1/webhooks', 'none')).status).toBe(403);
  });

  test('deliveries by status, paged newest first; retry: 202 for a failed one, 409 for another, 404 for none', async () => {
    const failed = await get('/v1/webhooks/erp/deliveries?status=failed');
    expect(failed.body.items).toHaveLength(1);
    const [d] = failed.body.items;
    expect(d).toMatchObject({ status: 'failed', taskId: 't-fail', backend: 'k2', attempts: 1, lastStatus: 500, type: 'taskgate.task.created' });
    const page = await get('/v1/webhooks/erp/deliveries?status=delivered&limit=2');
    expect(page.body.items).toHaveLength(2);
    const next = await get(`/v1/webhooks/erp/deliveries?status=delivered&limit=2&cursor=${page.body.nextCursor}`);
    expect(Number(next.body.items[0].id)).toBeLessThan(Number(page.body.items[1].id));
    expect((await get('/v1/webhooks/erp/deliveries?status=lost')).status).toBe(400);
    expect((await get('/v1/webhooks/nope/deliveries')).status).toBe(404);

    const post = (path: string, caller = 'all') => fetch(`${base}${path}`, { method: 'POST', headers: { 'x-caller': caller } }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
    // A delivery of a backend the key may not use is not there for it (no 403 that would tell which ids exist).
    expect((await post(`/v1/webhooks/erp/deliveries/${d.id}/retry`, 'oracle')).status).toBe(404);
    const retried = await post(`/v1/webhooks/erp/deliveries/${d.id}/retry`);
    expect(retried).toMatchObject({ status: 202, body: { id: d.id, status: 'pending', attempts: 0 } });
    const again = await post(`/v1/webhooks/erp/deliveries/${d.id}/retry`);
    expect([again.status, again.body.code]).toEqual([409, 'CONFLICT']);
    expect((await post(`/v1/webhooks/erp/deliveries/${page.body.items[0].id}/retry`)).status).toBe(409);
    expect((await post('/v1/webhooks/erp/deliveries/99999/retry')).status).toBe(404);
    expect((await post('/v1/webhooks/erp/deliveries/abc/retry')).status).toBe(404);
  });
});
