// Graceful shutdown of the built `taskgate serve`: SIGTERM while vendor calls are in flight loses none of them.
import { EventEmitter, once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createSecMasterEmulator, SECMASTER_EMULATOR_DEFAULTS } from '../../adapters/huawei-secmaster/emulator';
import { freePort } from '../helpers/ports';
import { BUILT, taskgate, type Spawned } from './spawned';

const run = BUILT ? test : test.skip;
const TASKS = ['3e4c170e-7cc9-11f0-9216-fa163e209978', '5b1f3a52-7cca-11f0-9216-fa163e209978', '7d90c2e4-7ccb-11f0-9216-fa163e209978'];

/** The SecMaster emulator, answering every call only after `delayMs`; `arrived(n)` resolves once n calls have come in. */
async function slowVendor(delayMs: number) {
  const emulator = createSecMasterEmulator();
  const events = new EventEmitter();
  let received = 0;
  const server = http.createServer((req, res) => {
    received += 1;
    events.emit('request');
    setTimeout(() => emulator.handler(req, res), delayMs).unref(); // a cut call must not hold jest open
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get calls() {
      return emulator.calls.length;
    },
    async arrived(n: number): Promise<void> {
      while (received < n) await once(events, 'request');
    },
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

async function serve(vendorUrl: string, drainMs: number): Promise<Spawned & { base: string }> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-shutdown-'));
  const file = path.join(dir, 'config.yaml');
  const d = SECMASTER_EMULATOR_DEFAULTS;
  fs.writeFileSync(file, `server: { port: ${port}, drainMs: ${drainMs} }\nauth:\n  apiKeys: [{ name: a, key: abcdefgh1 }]\nbackends:\n  s:\n    vendor: huawei-secmaster\n    baseUrl: ${vendorUrl}\n    projectId: ${d.projectId}\n    workspaceId: ${d.workspaceId}\n    auth: { type: token, token: ${d.token} }\n    timeoutMs: 10000\n`);
  const gateway = taskgate(['serve', '--config', file], { cwd: dir });
  await gateway.line(/"message":"taskgate listening"/);
  return { ...gateway, base: `http://127.0.0.1:${port}` };
}

const call = (base: string, route: string, init: RequestInit = {}) =>
  fetch(base + route, { ...init, headers: { 'X-API-Key': 'abcdefgh1', 'Content-Type': 'application/json', ...(init.headers ?? {}) } })
    .then(async (res) => ({ status: res.status, body: (await res.json()) as any }));

run('SIGTERM while vendor calls are in flight: /readyz turns 503, every in-flight request completes, exit 0', async () => {
  const vendor = await slowVendor(1500);
  const { child, base, exited, line, lines } = await serve(vendor.url, 700);
  try {
    const inFlight = [
      ...TASKS.map((id) => call(base, `/v1/backends/s/tasks/${id}`)),
      ...TASKS.map((id) => call(base, `/v1/backends/s/tasks/${id}/actions`, { method: 'POST', body: JSON.stringify({ action: 'add_comment', comment: 'during shutdown' }) })),
    ];
    await vendor.arrived(6);
    child.kill('SIGTERM');
    await line(/SIGTERM: draining/);
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    const answers = await Promise.all(inFlight);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(answers.slice(3).map((a) => a.body.result)).toEqual(['applied', 'applied', 'applied']);
    expect(await exited).toBe(0);
    expect(vendor.calls).toBe(6);
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
    expect(lines.join('\n')).toContain('SIGTERM: no longer accepting');
  } finally {
    child.kill('SIGKILL');
    await vendor.close();
  }
});

run('a second SIGTERM exits at once, without waiting for in-flight calls', async () => {
  const vendor = await slowVendor(8000);
  const { child, base, exited, line } = await serve(vendor.url, 5000);
  try {
    const pending = call(base, `/v1/backends/s/tasks/${TASKS[0]}`).then(() => 'answered', () => 'cut');
    await vendor.arrived(1);
    child.kill('SIGTERM');
    await line(/SIGTERM: draining/);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(await pending).toBe('cut');
  } finally {
    child.kill('SIGKILL');
    await vendor.close();
  }
});
