// Sync figures for `npm run bench`: one cycle over 10,000 unchanged tasks (vendor calls, time, CPU), then one after
// 10 tasks changed at the vendor (it must find exactly those 10). The Oracle emulator on loopback, SQLite.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createOracleBpmEmulator } from '../adapters/oracle-bpm/emulator';
import { oracleSeed } from '../adapters/oracle-bpm/emulator-state';
import { createBackend } from '../src/compose';
import { parseConfig } from '../src/config/load';
import { Gateway } from '../src/core/gateway';
import { listen } from '../src/emulators/emulator';
import { SqliteStore } from '../src/store/sqlite-store';
import { runCycle, type CycleResult } from '../src/sync/cycle';

const round = (n: number) => Math.round(n * 100) / 100;

export async function syncFigures(count = 10_000): Promise<Record<string, unknown>> {
  const template = oracleSeed()[0]!;
  const tasks = Array.from({ length: count }, (_, i) => ({ ...structuredClone(template), number: 300_000 + i, taskId: `task-${i}`, title: `Bench task ${i}` }));
  const served = await listen(createOracleBpmEmulator({ tasks }));
  const config = parseConfig({
    auth: { apiKeys: [{ name: 'bench', key: 'bench-key-12345' }] },
    backends: { oracle: { vendor: 'oracle-bpm', baseUrl: served.url, auth: { type: 'basic', username: 'jcooper', password: 'welcome1' } } },
    sync: { backends: ['*'], intervalMs: 0 },
  }, {});
  const gateway = new Gateway([createBackend('oracle', config.backends.oracle!)]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-sync-bench-'));
  const store = new SqliteStore(path.join(dir, 'sync.db'));
  await store.init();
  const cycle = async (): Promise<CycleResult & { cpuMs: number }> => {
    const state = (await store.syncStates()).find((s) => s.backend === 'oracle');
    const cpu = process.cpuUsage();
    const result = await runCycle(gateway, store, 'oracle', true, state, { maxTasks: config.sync.maxTasksPerBackend });
    const used = process.cpuUsage(cpu);
    return { ...result, cpuMs: round((used.user + used.system) / 1000) };
  };
  try {
    const first = await cycle();
    const unchanged = await cycle();
    // Ten tasks get a new title at the vendor (its emulator-only admin route), then one more cycle.
    for (let i = 0; i < 10; i++) {
      const res = await fetch(`${served.url}/_emulator/tasks/${300_000 + i * 997}`, { method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: `Changed ${i}` }) });
      if (!res.ok) throw new Error(`the emulator refused the change: ${res.status} ${await res.text()}`);
    }
    const changed = await cycle();
    const view = (r: CycleResult & { cpuMs: number }) => ({ ok: r.ok, listed: r.listed, vendorCalls: r.vendorCalls, changes: r.changes, durationMs: round(r.durationMs), cpuMs: r.cpuMs });
    return { tasks: count, firstCycle: view(first), unchangedCycle: view(unchanged), tenChangedCycle: view(changed) };
  } finally {
    await store.close();
    await served.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
