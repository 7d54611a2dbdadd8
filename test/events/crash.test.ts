// At least once across a crash: a gateway killed (SIGKILL) mid-delivery, restarted, delivers with the same webhook-id.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteStore } from '../../src/store/sqlite-store';
import { freePort } from '../helpers/ports';
import { change, commit, receiver, SECRET } from './helpers';

const root = path.join(__dirname, '../..');
const bin = path.join(root, 'bin/taskgate.js');
const built = fs.existsSync(path.join(root, 'dist/src/events/event-service.js'));
const run = built ? test : test.skip;

async function serve(file: string, dir: string): Promise<{ child: ChildProcess; exited: Promise<unknown> }> {
  const child = spawn(process.execPath, [bin, 'serve', '--config', file], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout!.on('data', (c: Buffer) => output.push(c.toString()));
  child.stderr!.on('data', (c: Buffer) => output.push(c.toString()));
  const exited = new Promise((r) => child.on('exit', r));
  const port = /port: (\d+)/.exec(fs.readFileSync(file, 'utf8'))![1];
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
    } catch {
      // not up yet
    }
    if (i > 200 || child.exitCode !== null) throw new Error(`gateway did not start: ${output.join('')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, exited };
}

run('a delivery cut by kill -9 and a change committed while the gateway is down both reach the receiver after a restart', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-crash-'));
  const db = path.join(dir, 'taskgate.db');
  let hang = true;
  const hook = await receiver(() => (hang ? 'hang' : 204));
  const file = path.join(dir, 'config.yaml');
  fs.writeFileSync(file, [
    `server: { port: ${await freePort()}, drainMs: 0 }`,
    `store: { type: sqlite, path: ${db} }`,
    'log: { level: error }',
    'auth: { apiKeys: [{ name: a, key: abcdefgh1 }] }',
    'backends: { k2: { vendor: k2, baseUrl: "http://127.0.0.1:1/K2Services/SyncREST.svc", auth: { type: basic, username: u, password: p } } }',
    `events: { webhooks: [{ name: erp, url: "${hook.url}", secret: "${SECRET}" }] }`,
  ].join('\n'));
  const store = new SqliteStore(db);
  let gateway: { child: ChildProcess; exited: Promise<unknown> } | undefined;
  try {
    gateway = await serve(file, dir);
    await store.init();
    // Committed (as another gateway on this file would): the running gateway picks it up and starts the POST.
    await commit(store, change('t1', { backend: 'k2' }));
    await hook.until(1);
    const first = hook.received[0];
    expect(first.event?.subject).toBe('t1');
    gateway.child.kill('SIGKILL');
    await gateway.exited;
    // Committed while no gateway runs.
    await commit(store, change('t2', { backend: 'k2' }));
    hang = false;
    gateway = await serve(file, dir);
    // t2 at once; t1 once the dead gateway's claim on it has lapsed.
    await hook.until(3);
    const again = hook.received.slice(1);
    expect(again.map((r) => r.event?.subject).sort()).toEqual(['t1', 't2']);
    const t1 = again.find((r) => r.event?.subject === 't1')!;
    expect(t1.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(t1.body).toBe(first.body);
  } finally {
    gateway?.child.kill('SIGKILL');
    await gateway?.exited;
    await store.close();
    await hook.close();
  }
}, 90_000);
