// GET /v1/tasks and POST /v1/backends/{backend}/sync as mounted: validation, key scope, cursor binding, 202.
import express, { type NextFunction, type Request, type Response } from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Caller } from '../../src/core/action-service';
import { GatewayError } from '../../src/core/errors';
import { inboxHandler, syncHandler } from '../../src/http/tasks-route';
import { SqliteStore } from '../../src/store/sqlite-store';
import { taskDigest } from '../../src/sync/diff';
import { IndexService } from '../../src/sync/index-service';
import { SYNC_DEFAULTS } from '../../src/sync/scheduler';
import { task } from '../store/index-suite';

const CALLERS: Record<string, Caller> = {
  all: { name: 'all', backends: ['*'], scopes: ['sync'] },
  oracleOnly: { name: 'oracleOnly', backends: ['oracle'], scopes: [] },
};
const BACKENDS = [{ name: 'oracle', vendor: 'oracle-bpm' }, { name: 'k2', vendor: 'k2' }, { name: 'ibm', vendor: 'ibm-bpm' }];

let server: Server;
let url: string;
let store: SqliteStore;
const triggered: string[] = [];

beforeAll(async () => {
  store = new SqliteStore(':memory:');
  store.migrate();
  const config = { ...SYNC_DEFAULTS, backends: ['oracle', 'k2'] };
  const index = new IndexService({ store, backends: BACKENDS, config });
  for (let i = 0; i < 5; i++) {
    for (const [backend, vendor] of [['oracle', 'oracle-bpm'], ['k2', 'k2']]) {
      const t = task(`${backend}-${i}`, { backend, vendor, createdAt: new Date(Date.UTC(2026, 0, 1, i)).toISOString(), assignee: i % 2 ? 'alice' : 'bob' });
      await store.writeIndex({ backend, upserts: [{ task: t, digest: taskDigest(t), listed: true }], deletes: [], changes: [] });
    }
  }
  const directory = { list: () => BACKENDS };
  const app = express();
  app.use((req, res, next) => {
    res.locals.caller = CALLERS[String(req.headers['x-caller'])];
    next();
  });
  app.get('/v1/tasks', inboxHandler(index, directory));
  app.post('/v1/backends/:backend/sync', syncHandler({ isSynced: (b) => config.backends.includes(b), trigger: async (b) => void triggered.push(b) }, directory));
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof GatewayError) res.status(error.status).json({ code: error.code, detail: error.message });
    else res.status(500).json({ code: 'INTERNAL_ERROR' });
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await store.close();
});

async function get(path: string, caller = 'all') {
  const res = await fetch(`${url}${path}`, { headers: { 'x-caller': caller } });
  return { status: res.status, body: (await res.json()) as any };
}

test('the inbox: every indexed backend the key may use, newest first, not_indexed backends listed without items', async () => {
  const { status, body } = await get('/v1/tasks');
  expect(status).toBe(200);
  expect(body.items.map((t: { id: string }) => t.id)).toEqual(['oracle-4', 'k2-4', 'oracle-3', 'k2-3', 'oracle-2', 'k2-2', 'oracle-1', 'k2-1', 'oracle-0', 'k2-0']);
  expect(body.backends.map((b: { name: string; status: string }) => [b.name, b.status])).toEqual([['ibm', 'not_indexed'], ['k2', 'stale'], ['oracle', 'stale']]);
  expect(body.nextCursor).toBeUndefined();
  const scoped = await get('/v1/tasks', 'oracleOnly');
  expect(scoped.body.items.every((t: { backend: string }) => t.backend === 'oracle')).toBe(true);
  expect(scoped.body.backends.map((b: { name: string }) => b.name)).toEqual(['oracle']);
});

test('filters and paging: following nextCursor gives every match once; the cursor is refused with another query', async () => {
  const seen: string[] = [];
  let path = '/v1/tasks?assignee=alice&limit=1&sort=createdAt&backend=oracle,k2';
  let cursor: string | undefined;
  for (let i = 0; i < 10; i++) {
    const { status, body } = await get(cursor ? `${path}&cursor=${cursor}` : path);
    expect(status).toBe(200);
    seen.push(...body.items.map((t: { id: string }) => t.id));
    cursor = body.nextCursor;
    if (!cursor) break;
  }
  expect(seen).toEqual(['k2-1', 'oracle-1', 'k2-3', 'oracle-3']);
  const first = await get(`${path}`);
  const other = await get(`/v1/tasks?assignee=bob&limit=1&sort=createdAt&cursor=${first.body.nextCursor}`);
  expect(other).toMatchObject({ status: 400, body: { code: 'INVALID_REQUEST' } });
  const forged = await get(`/v1/tasks?cursor=${Buffer.from('{"k":0,"b":"oracle","t":"x"}').toString('base64url')}.AAAAAAAAAAAAAAAAAAAAAA`);
  expect(forged).toMatchObject({ status: 400, body: { code: 'INVALID_REQUEST' } });
});

test('anything unknown or malformed is a 400; a backend the key may not use 403; an unknown one 404', async () => {
  for (const bad of ['?foo=1', '?limit=0', '?limit=101', '?sort=name', '?status=open,closed', '?dueBefore=tomorrow', '?backend=', '?status=open&status=claimed']) {
    expect((await get(`/v1/tasks${bad}`)).status).toBe(400);
  }
  expect((await get('/v1/tasks?backend=k2', 'oracleOnly'))).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
  expect((await get('/v1/tasks?backend=nope', 'oracleOnly'))).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
  expect((await get('/v1/tasks?backend=nope'))).toMatchObject({ status: 404, body: { code: 'BACKEND_NOT_FOUND' } });
  // The order of checks: the named backends (403, then 404) before the rest of the query (400).
  expect((await get('/v1/tasks?backend=k2&bogus=1', 'oracleOnly'))).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
  expect((await get('/v1/tasks?backend=nope&limit=0'))).toMatchObject({ status: 404, body: { code: 'BACKEND_NOT_FOUND' } });
  expect((await get('/v1/tasks?status=completed')).body.items).toEqual([]);
  expect((await get('/v1/tasks?q=ORACLE-9')).body.items.map((t: { id: string }) => t.id)).toEqual([]);
  expect((await get('/v1/tasks?q=TASK%20ORACLE-3')).body.items.map((t: { id: string }) => t.id)).toEqual(['oracle-3']);
});

test('POST .../sync: 202 with the sync scope; 403 without it; 404 unknown; 400 for a backend not indexed', async () => {
  const post = async (backend: string, caller = 'all') => {
    const res = await fetch(`${url}/v1/backends/${backend}/sync`, { method: 'POST', headers: { 'x-caller': caller } });
    return { status: res.status, body: (await res.json()) as any };
  };
  expect(await post('oracle')).toEqual({ status: 202, body: { backend: 'oracle', status: 'accepted' } });
  expect(triggered).toEqual(['oracle']);
  expect(await post('oracle', 'oracleOnly')).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
  expect(await post('k2', 'oracleOnly')).toMatchObject({ status: 403 });
  expect(await post('nope')).toMatchObject({ status: 404, body: { code: 'BACKEND_NOT_FOUND' } });
  expect(await post('ibm')).toMatchObject({ status: 400, body: { code: 'INVALID_REQUEST' } });
  expect(triggered).toEqual(['oracle']);
});
