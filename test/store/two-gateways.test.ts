// Two gateway processes sharing one PostgreSQL store never both execute one Idempotency-Key, and share one audit trail.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createSecMasterEmulator, SECMASTER_EMULATOR_DEFAULTS } from '../../adapters/huawei-secmaster/emulator';
import { describePostgres, dropSchemas, freshSchema, POSTGRES_URL } from '../helpers/postgres';
import { freePort } from '../helpers/ports';

const root = path.join(__dirname, '../..');
const built = fs.existsSync(path.join(root, 'dist/src/cli.js'));
if (!built) console.warn('*** SKIPPED: the two-gateway PostgreSQL test needs `npm run build` first (npm test runs it)');
const TASK = '3e4c170e-7cc9-11f0-9216-fa163e209978';
const KEY = 'erp-key-123456';

(built ? describePostgres : describe.skip)('two gateway processes on one PostgreSQL store', () => {
  const children: ChildProcess[] = [];
  let vendor: http.Server;
  let release: () => void = () => {};
  const held = new Promise<void>((r) => (release = r));
  const emulator = createSecMasterEmulator();
  let ports: number[] = [];

  beforeAll(async () => {
    // The vendor holds every action until the test lets it go, so the two requests surely overlap.
    vendor = http.createServer((req, res) => {
      if (req.method === 'PUT') void held.then(() => emulator.handler(req, res));
      else emulator.handler(req, res);
    });
    await new Promise<void>((r) => vendor.listen(0, '127.0.0.1', r));
    const vendorUrl = `http://127.0.0.1:${(vendor.address() as net.AddressInfo).port}`;
    const schema = freshSchema();
    ports = [await freePort(), await freePort()];
    for (const port of ports) {
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-pg2-')), 'config.yaml');
      fs.writeFileSync(file, [
        `server: { port: ${port}, drainMs: 0 }`,
        `store: { type: postgres, url: "\${PG_URL}", schema: ${schema} }`,
        `auth: { apiKeys: [{ name: erp, key: ${KEY}, scopes: [audit] }] }`,
        'backends:',
        `  secmaster: { vendor: huawei-secmaster, baseUrl: "${vendorUrl}", projectId: ${SECMASTER_EMULATOR_DEFAULTS.projectId},`,
        `    workspaceId: ${SECMASTER_EMULATOR_DEFAULTS.workspaceId}, auth: { type: token, token: ${SECMASTER_EMULATOR_DEFAULTS.token} }, timeoutMs: 20000 }`,
      ].join('\n'));
      children.push(spawn(process.execPath, [path.join(root, 'bin/taskgate.js'), 'serve', '--config', file], { env: { ...process.env, PG_URL: POSTGRES_URL }, stdio: 'ignore' }));
    }
    for (const port of ports) {
      for (let i = 0; ; i++) {
        const up = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
        if (up) break;
        if (i > 150) throw new Error(`gateway on ${port} did not start`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }, 30_000);

  afterAll(async () => {
    release();
    for (const child of children) child.kill('SIGKILL');
    await new Promise((r) => vendor.close(r));
    await dropSchemas();
  });

  const act = (port: number) => fetch(`http://127.0.0.1:${port}/v1/backends/secmaster/tasks/${TASK}/actions`, {
    method: 'POST', body: JSON.stringify({ action: 'approve' }),
    headers: { 'X-API-Key': KEY, 'Content-Type': 'application/json', 'Idempotency-Key': 'shared-across-instances' },
  });

  test('the same key sent to both at once: one executes, the other gets 409, then both replay; one vendor call', async () => {
    const both = ports.map((port) => act(port));
    // The loser answers at once; the winner is held at the vendor.
    const loser = await Promise.race(both);
    expect(loser.status).toBe(409);
    expect(((await loser.json()) as { code: string }).code).toBe('IDEMPOTENCY_KEY_IN_USE');
    release();
    const statuses = (await Promise.all(both)).map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409]);
    for (const port of ports) {
      const replay = await act(port);
      expect(replay.status).toBe(200);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
    }
    expect(emulator.calls.filter((c) => c.method === 'PUT')).toHaveLength(1);
    // One trail: either instance shows every attempt.
    const audit = (await (await fetch(`http://127.0.0.1:${ports[1]}/v1/audit`, { headers: { 'X-API-Key': KEY } })).json()) as { items: { errorCode?: string; result?: string }[] };
    expect(audit.items.map((i) => i.result ?? i.errorCode).sort()).toEqual(['IDEMPOTENCY_KEY_IN_USE', 'applied', 'applied', 'applied']);
  }, 30_000);
});
