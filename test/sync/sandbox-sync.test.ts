// The sandbox's four backends synced through the real adapters and emulators: each lists, indexes and stays ok; an action shows at once.
import path from 'node:path';
import { EMULATORS } from '../../adapters/emulators';
import { ORACLE_BPM_EMULATOR_DEFAULTS } from '../../adapters/oracle-bpm/emulator';
import { createBackends } from '../../src/compose';
import { loadConfigFile } from '../../src/config/load';
import { Gateway } from '../../src/core/gateway';
import { listen, type Emulator, type RunningEmulator } from '../../src/emulators/emulator';
import { SqliteStore } from '../../src/store/sqlite-store';
import type { CycleResult } from '../../src/sync/cycle';
import { IndexService } from '../../src/sync/index-service';
import { SyncScheduler } from '../../src/sync/scheduler';

const running: RunningEmulator[] = [];
const emulators: Record<string, Emulator> = {};
let gateway: Gateway;
let store: SqliteStore;
let scheduler: SyncScheduler;
let index: IndexService;
const config = loadConfigFile(path.join(__dirname, '../../config/sandbox.yaml'), {});

beforeAll(async () => {
  for (const [name, backend] of Object.entries(config.backends)) {
    const emulator = EMULATORS[backend.vendor]();
    const served = await listen(emulator);
    backend.baseUrl = served.url + new URL(backend.baseUrl).pathname.replace(/\/$/, '');
    emulators[name] = emulator;
    running.push(served);
  }
  gateway = new Gateway(createBackends(config.backends));
  store = new SqliteStore(':memory:');
  store.migrate();
  scheduler = new SyncScheduler({ gateway, store, config: config.sync });
  index = new IndexService({ store, backends: gateway.list(), config: config.sync });
});
afterAll(async () => {
  await scheduler.stop();
  await store.close();
  await Promise.all(running.map((r) => r.close()));
});

test('the first cycle of every sandbox backend indexes its tasks; the inbox shows all four backends ok', async () => {
  const results = new Map<string, CycleResult>();
  const all = new Promise<void>((resolve) => scheduler.on('cycle', (r: CycleResult) => {
    results.set(r.backend, r);
    if (results.size === 4) resolve();
  }));
  scheduler.start();
  await all;
  for (const [name, result] of results) {
    expect({ name, ok: result.ok, error: result.error }).toEqual({ name, ok: true, error: undefined });
    expect(result.listed).toBeGreaterThan(0);
  }
  const answer = await index.query(gateway.list().map((b) => b.name), { statuses: ['open', 'claimed', 'suspended', 'info_requested', 'completed', 'canceled', 'failed', 'expired', 'unknown'], limit: 100 });
  expect(new Set(answer.items.map((t) => t.backend))).toEqual(new Set(['secmaster', 'ibm', 'oracle', 'k2']));
  expect(answer.backends.map((b) => [b.name, b.status])).toEqual([['ibm', 'ok'], ['k2', 'ok'], ['oracle', 'ok'], ['secmaster', 'ok']]);
});

test('an action through the gateway shows in the inbox at once, before any cycle', async () => {
  const id = ORACLE_BPM_EMULATOR_DEFAULTS.taskIds.open;
  const before = (await index.query(['oracle'], { statuses: ['open'], limit: 100 })).items.map((t) => t.id);
  expect(before).toContain(id);
  const calls = emulators.oracle.calls.length;
  const result = await gateway.perform({ backend: 'oracle', taskId: id, action: 'claim' } as never);
  await index.applyActionResult('oracle', result.task);
  expect(emulators.oracle.calls.length).toBe(calls + 1);
  const claimed = (await index.query(['oracle'], { statuses: ['claimed'], limit: 100 })).items.map((t) => t.id);
  expect(claimed).toContain(id);
  expect((await index.query(['oracle'], { statuses: ['open'], limit: 100 })).items.map((t) => t.id)).not.toContain(id);
});

test('a sync asked for (the route) runs a full pass at once', async () => {
  // Other backends' periodic cycles may come first on a slow machine: wait for k2's.
  const ran = new Promise<CycleResult>((resolve) => scheduler.on('cycle', (r: CycleResult) => r.backend === 'k2' && resolve(r)));
  await scheduler.trigger('k2');
  const result = await ran;
  expect(result).toMatchObject({ backend: 'k2', full: true, complete: true, ok: true });
});
