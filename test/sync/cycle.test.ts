// One sync cycle against the vendor emulators through the real gateway: created, changed, left, removed, failed, bounded.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSecMasterEmulator, secMasterSeed, SECMASTER_EMULATOR_DEFAULTS } from '../../adapters/huawei-secmaster/emulator';
import { formatSecMasterDate } from '../../adapters/huawei-secmaster/dates';
import { createOracleBpmEmulator, oracleSeed, ORACLE_BPM_EMULATOR_DEFAULTS } from '../../adapters/oracle-bpm/emulator';
import type { Emulator } from '../../src/emulators/emulator';
import type { SyncState } from '../../src/store/index-store';
import { SqliteStore } from '../../src/store/sqlite-store';
import { runCycle } from '../../src/sync/cycle';
import { IndexService } from '../../src/sync/index-service';
import { SYNC_DEFAULTS } from '../../src/sync/scheduler';
import { gatewayFor } from '../helpers/gateway';

type OracleTask = ReturnType<typeof oracleSeed>[number];

/** A vendor whose list and single-task reads can come from different emulators (a task that left the list). */
class Vendor {
  list!: Emulator;
  read!: Emulator;
  down = false;
  server = http.createServer((req, res) => {
    if (this.down) return res.writeHead(500, { 'Content-Type': 'application/json' }).end('{"title":"down"}');
    const listing = req.method === 'GET' && /\/tasks\?/.test(req.url ?? '');
    (listing ? this.list : this.read).handler(req, res);
  });
  set(list: Emulator, read = list) {
    this.list = list;
    this.read = read;
  }
  get calls() {
    return new Set([this.list, this.read]).size === 1 ? this.list.calls.length : this.list.calls.length + this.read.calls.length;
  }
  async start() {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
}

const oracle = (tasks: OracleTask[]) => createOracleBpmEmulator({ tasks, shape: 'classic' });
const ids = ORACLE_BPM_EMULATOR_DEFAULTS.taskIds;

describe('a sync cycle of an Oracle backend (no update-time order: every cycle is a full pass)', () => {
  const vendor = new Vendor();
  let store: SqliteStore;
  let gateway: ReturnType<typeof gatewayFor>;
  let state: SyncState | undefined;
  const cycle = async (maxTasks = 100_000) => {
    const result = await runCycle(gateway, store, 'oracle', false, state, { maxTasks });
    state = (await store.syncStates()).find((s) => s.backend === 'oracle');
    return result;
  };
  const changes = async () => (await store.listChanges(0, 10_000)).map((c) => `${c.kind}:${c.taskId}${c.changes ? `:${c.changes.join('+')}` : ''}`);
  const inbox = (statuses?: Parameters<IndexService['query']>[1]['statuses']) =>
    new IndexService({ store, backends: [{ name: 'oracle', vendor: 'oracle-bpm' }], config: { ...SYNC_DEFAULTS, backends: ['*'] } }).query(['oracle'], { statuses, limit: 100 });

  beforeAll(async () => {
    const url = await vendor.start();
    gateway = gatewayFor('oracle', { vendor: 'oracle-bpm', baseUrl: url, auth: { type: 'basic', username: 'jcooper', password: 'welcome1' }, timeZone: 'UTC', timeoutMs: 5000 });
  });
  afterAll(() => new Promise((r) => vendor.server.close(r)));
  beforeEach(() => {
    store = new SqliteStore(':memory:');
    store.migrate();
    state = undefined;
  });
  afterEach(() => store.close());

  test('the first cycle indexes every listed task in one list call; an unchanged vendor gives no change', async () => {
    vendor.set(oracle(oracleSeed()));
    const first = await cycle();
    expect(first).toMatchObject({ ok: true, complete: true, vendorCalls: 1, listed: 8, changes: 8 });
    expect((await changes()).every((c) => c.startsWith('created:'))).toBe(true);
    expect(state).toMatchObject({ status: 'ok', cycles: 1, failures: 0 });
    const again = await cycle();
    expect(again).toMatchObject({ ok: true, vendorCalls: 1, changes: 0 });
    expect(state?.cycles).toBe(2);
    const answer = await inbox();
    expect(answer.items.map((t) => t.id).sort()).toEqual([ids.open, ids.claimed, ids.customOutcomes, ids.suspended, ids.infoRequested].sort());
    expect(answer.items.every((t) => t.raw === undefined)).toBe(true);
    expect(answer.backends).toEqual([{ name: 'oracle', vendor: 'oracle-bpm', status: 'ok', syncedAt: expect.any(String) }]);
  });

  test('a changed task is recorded as updated, or closed, with the fields that changed', async () => {
    vendor.set(oracle(oracleSeed()));
    await cycle();
    const changed = oracleSeed().map((t) => String(t.number) === ids.open ? { ...t, title: 'Renamed', updatedDate: '2025-01-01T00:00:00Z' }
      : String(t.number) === ids.claimed ? { ...t, state: 'COMPLETED' } : t);
    vendor.set(oracle(changed));
    const result = await cycle();
    expect(result.changes).toBe(2);
    const [renamed, closed] = (await store.listChanges(8, 10));
    expect(renamed).toMatchObject({ kind: 'updated', taskId: ids.open, changes: ['name', 'updatedAt'], previous: { name: expect.stringContaining('Approve') } });
    expect(closed).toMatchObject({ kind: 'closed', taskId: ids.claimed, task: { status: 'completed' } });
    expect(closed.changes).toContain('status');
  });

  test('a task that left the list is read once more: kept with its final status, and not read again next cycle', async () => {
    vendor.set(oracle(oracleSeed()));
    await cycle();
    const finished = oracleSeed().map((t) => (String(t.number) === ids.open ? { ...t, state: 'COMPLETED' } : t));
    const list = oracle(finished.filter((t) => String(t.number) !== ids.open));
    const read = oracle(finished);
    vendor.set(list, read);
    const result = await cycle();
    expect(result).toMatchObject({ ok: true, vendorCalls: 2, changes: 1 });
    expect(read.calls.map((c) => c.path)).toEqual([expect.stringContaining(`/tasks/${ids.open}`)]);
    expect((await changes()).at(-1)).toMatch(new RegExp(`^closed:${ids.open}:status\\+vendorStatus`));
    expect((await inbox(['completed'])).items.map((t) => t.id)).toContain(ids.open);
    const next = await cycle();
    expect(next.vendorCalls).toBe(1);
  });

  test('a task the vendor no longer knows leaves the index, with a removed record holding its last state', async () => {
    vendor.set(oracle(oracleSeed()));
    await cycle();
    vendor.set(oracle(oracleSeed().filter((t) => String(t.number) !== ids.suspended)));
    const result = await cycle();
    expect(result).toMatchObject({ ok: true, vendorCalls: 2, changes: 1 });
    const [removed] = await store.listChanges(8, 10);
    expect(removed).toMatchObject({ kind: 'removed', taskId: ids.suspended, task: { status: 'suspended' } });
    expect((await store.indexDigests('oracle')).map((d) => d.taskId)).not.toContain(ids.suspended);
  });

  test('a failed cycle keeps the last good index and marks the backend error (credential-free detail)', async () => {
    vendor.set(oracle(oracleSeed()));
    await cycle();
    const goodAt = state!.syncedMs;
    vendor.down = true;
    try {
      const failed = await cycle();
      expect(failed).toMatchObject({ ok: false, error: { code: 'BACKEND_ERROR' } });
    } finally {
      vendor.down = false;
    }
    expect(state).toMatchObject({ status: 'error', errorCode: 'BACKEND_ERROR', failures: 1, syncedMs: goodAt, cycles: 2 });
    expect(state!.errorDetail).not.toContain('welcome1');
    const answer = await inbox();
    expect(answer.items).toHaveLength(5);
    expect(answer.backends[0]).toMatchObject({ status: 'error', error: { code: 'BACKEND_ERROR' }, syncedAt: new Date(goodAt!).toISOString() });
    await cycle();
    expect(state).toMatchObject({ status: 'ok', failures: 0 });
  });

  test('pages of 100 until a short page; maxTasks bounds the listing, and a bounded listing removes nothing', async () => {
    const many = Array.from({ length: 250 }, (_, i): OracleTask => ({ ...oracleSeed()[0], number: 300000 + i, taskId: `t-${i}` }));
    vendor.set(oracle(many));
    const full = await cycle();
    expect(full).toMatchObject({ ok: true, complete: true, vendorCalls: 3, listed: 250 });
    const bounded = await cycle(150);
    expect(bounded).toMatchObject({ ok: true, complete: false, truncated: true, vendorCalls: 2, listed: 150, changes: 0 });
    expect(await store.indexDigests('oracle')).toHaveLength(250);
  });
});

describe('a sync cycle of a SecMaster backend (to-do list newest update first: stops early between full passes)', () => {
  const { projectId, workspaceId, token } = SECMASTER_EMULATOR_DEFAULTS;
  const base = Date.parse('2025-06-01T00:00:00.000Z');
  const seed = () => Array.from({ length: 250 }, (_, i) => {
    const time = formatSecMasterDate(new Date(base + i * 60_000));
    return { ...secMasterSeed()[0], id: `task-${String(i).padStart(3, '0')}`, name: `To-do ${i}`, create_time: time, update_time: time };
  });

  test('a cycle that is not a full pass reads one page and finds exactly the tasks changed since the last one', async () => {
    const emulator = createSecMasterEmulator({ tasks: seed() });
    const server = http.createServer(emulator.handler);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const store = new SqliteStore(':memory:');
    store.migrate();
    try {
      const gateway = gatewayFor('secmaster', {
        vendor: 'huawei-secmaster', baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, projectId, workspaceId,
        auth: { type: 'token', token }, timeoutMs: 5000,
      });
      const state = async () => (await store.syncStates())[0];
      const full = await runCycle(gateway, store, 'secmaster', true, undefined, { maxTasks: 100_000 });
      expect(full).toMatchObject({ ok: true, complete: true, vendorCalls: 3, listed: 250, changes: 250 });
      for (const id of ['task-010', 'task-200']) {
        await gateway.perform({ backend: 'secmaster', taskId: id, action: 'add_comment', comment: 'seen' } as never);
      }
      const calls = emulator.calls.length;
      const partial = await runCycle(gateway, store, 'secmaster', false, await state(), { maxTasks: 100_000 });
      expect(partial).toMatchObject({ ok: true, complete: false, vendorCalls: 1 });
      expect(emulator.calls.slice(calls).map((c) => c.path)).toEqual([expect.stringContaining('sort_key=update_time&sort_dir=DESC')]);
      expect((await store.listChanges(250, 10)).map((c) => [c.kind, c.taskId])).toEqual([['updated', 'task-200'], ['updated', 'task-010']]);
    } finally {
      await store.close();
      await new Promise((r) => server.close(r));
    }
  });
});
