// Graceful shutdown of the built `taskgate serve`: SIGTERM while vendor calls are in flight loses none of them.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createSecMasterEmulator, SECMASTER_EMULATOR_DEFAULTS } from '../../adapters/huawei-secmaster/emulator';
import { freePort } from '../helpers/ports';

const root = path.join(__dirname, '../..');
const bin = path.join(root, 'bin/taskgate.js');
const built = fs.existsSync(path.join(root, 'dist/src/cli.js'));
const run = built ? test : test.skip;
const TASKS = ['3e4c170e-7cc9-11f0-9216-fa163e209978', '5b1f3a52-7cca-11f0-9216-fa163e209978', '7d90c2e4-7ccb-11f0-9216-fa163e209978'];

/** The SecMaster emulator, answering every call only after `delayMs`. */
async function slowVendor(delayMs: number): Promise<{ url: string; calls: number; close(): Promise<void> }> {
  const emulator = createSecMasterEmulator();
  const server = http.createServer((req, res) => void setTimeout(() => emulator.handler(req, res), delayMs));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get calls() {
      return emulator.calls.length;
    },
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

async function serve(vendorUrl: string, drainMs: number): Promise<{ child: ChildProcess; base: string; exited: Promise<number | null>; output: string[] }> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-shutdown-'));
  const file = path.join(dir, 'config.yaml');
  const d = SECMASTER_EMULATOR_DEFAULTS;
  fs.writeFileSync(file, `server: { port: ${port}, drainMs: ${drainMs} }\nauth:\n  apiKeys: [{ name: a, key: abcdefgh1 }]\nbackends:\n  s:\n    vendor: huawei-secmaster\n    baseUrl: ${vendorUrl}\n    projectId: ${d.projectId}\n    workspaceId: ${d.workspaceId}\n    auth: { type: token, token: ${d.token} }\n    timeoutMs: 10000\n`);
  const child = spawn(process.execPath, [bin, 'serve', '--config', file], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout!.on('data', (c: Buffer) => output.push(c.toString()));
  child.stderr!.on('data', (c: Buffer) => output.push(c.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const base = `http://127.0.0.1:${port}`;
  const until = Date.now() + 10_000;
  for (;;) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > until) throw new Error(`gateway did not start: ${output.join('')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, base, exited, output };
}

const call = (base: string, route: string, init: RequestInit = {}) =>
  fetch(base + route, { ...init, headers: { 'X-API-Key': 'abcdefgh1', 'Content-Type': 'application/json', ...(init.headers ?? {}) } })
    .then(async (res) => ({ status: res.status, body: (await res.json()) as any }));

run('SIGTERM while vendor calls are in flight: /readyz turns 503, every in-flight request completes, exit 0', async () => {
  const vendor = await slowVendor(1500);
  const { child, base, exited, output } = await serve(vendor.url, 700);
  try {
    const inFlight = [
      ...TASKS.map((id) => call(base, `/v1/backends/s/tasks/${id}`)),
      ...TASKS.map((id) => call(base, `/v1/backends/s/tasks/${id}/actions`, { method: 'POST', body: JSON.stringify({ action: 'add_comment', comment: 'during shutdown' }) })),
    ];
    await new Promise((r) => setTimeout(r, 300)); // all six are now waiting on the vendor
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    const answers = await Promise.all(inFlight);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(answers.slice(3).map((a) => a.body.result)).toEqual(['applied', 'applied', 'applied']);
    expect(await exited).toBe(0);
    expect(vendor.calls).toBe(6);
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
    expect(output.join('')).toContain('SIGTERM: no longer accepting');
  } finally {
    child.kill('SIGKILL');
    await vendor.close();
  }
});

run('a second SIGTERM exits at once, without waiting for in-flight calls', async () => {
  const vendor = await slowVendor(8000);
  const { child, base, exited } = await serve(vendor.url, 5000);
  try {
    const pending = call(base, `/v1/backends/s/tasks/${TASKS[0]}`).then(() => 'answered', () => 'cut');
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(await pending).toBe('cut');
  } finally {
    child.kill('SIGKILL');
    await vendor.close();
  }
});
