// The built `taskgate` command as a user starts it: bad config exits non-zero naming the key; serve answers; SIGTERM exits 0.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../helpers/ports';

const root = path.join(__dirname, '../..');
const bin = path.join(root, 'bin/taskgate.js');
const built = fs.existsSync(path.join(root, 'dist/src/cli.js'));
const run = built ? test : test.skip;
if (!built) console.warn('SKIPPED: the CLI tests need `npm run build` first (npm test runs it)');

function tempConfig(text: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-cli-')), 'config.yaml');
  fs.writeFileSync(file, text);
  return file;
}

const BACKEND = 'backends:\n  s:\n    vendor: huawei-secmaster\n    baseUrl: http://127.0.0.1:9\n    projectId: p\n    workspaceId: w\n    auth: { type: token, token: t }\n';

run('a bad config exits non-zero and names the bad key path', () => {
  const file = tempConfig(`auth:\n  apiKeys: [{ name: a, key: abcdefgh1 }]\n${BACKEND}    colour: red\n`);
  const res = spawnSync(process.execPath, [bin, 'serve', '--config', file], { encoding: 'utf8', timeout: 15000 });
  expect(res.status).not.toBe(0);
  expect(res.stderr).toContain('backends.s.colour: unknown key');
});

run('a missing environment variable exits non-zero naming it', () => {
  const file = tempConfig(`auth:\n  apiKeys: [{ name: a, key: "\${NOT_SET_ANYWHERE}" }]\n${BACKEND}`);
  const res = spawnSync(process.execPath, [bin, 'serve', '--config', file], { encoding: 'utf8', timeout: 15000, env: { PATH: process.env.PATH } });
  expect(res.status).not.toBe(0);
  expect(res.stderr).toContain('NOT_SET_ANYWHERE');
});

run('serve (via TASKGATE_CONFIG) answers, and SIGTERM drains and exits 0', async () => {
  const port = await freePort();
  const file = tempConfig(`server: { port: ${port}, drainMs: 1000 }\nauth:\n  apiKeys: [{ name: a, key: abcdefgh1 }]\n${BACKEND}`);
  const child = spawn(process.execPath, [bin, 'serve'], { env: { ...process.env, TASKGATE_CONFIG: file } });
  const output: string[] = [];
  child.stdout.on('data', (c: Buffer) => output.push(c.toString()));
  try {
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok);
    const backends = await fetch(`http://127.0.0.1:${port}/v1/backends`, { headers: { 'X-API-Key': 'abcdefgh1' } });
    expect(((await backends.json()) as { items: { name: string }[] }).items.map((b) => b.name)).toEqual(['s']);
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.kill('SIGTERM');
    // While draining the gateway still serves, but /readyz says it is going away.
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 503);
    expect(await exited).toBe(0);
    expect(output.join('')).toContain('SIGTERM: draining');
  } finally {
    child.kill('SIGKILL');
  }
});

run('an unknown vendor for `emulator` is a usage error', () => {
  const res = spawnSync(process.execPath, [bin, 'emulator', 'sap'], { encoding: 'utf8', timeout: 15000 });
  expect(res.status).toBe(2);
  expect(res.stderr).toContain("unknown vendor 'sap'");
});

async function waitFor(check: () => Promise<boolean>, ms = 10000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

run('a value only the adapter can check (an unknown time zone) exits non-zero naming the key, without a stack', () => {
  const file = tempConfig('auth:\n  apiKeys: [{ name: a, key: abcdefgh1 }]\nbackends:\n  o:\n    vendor: oracle-bpm\n    baseUrl: http://127.0.0.1:9\n    timeZone: Mars/Olympus\n    auth: { type: basic, username: u, password: p }\n');
  const res = spawnSync(process.execPath, [bin, 'serve', '--config', file], { encoding: 'utf8', timeout: 15000 });
  expect(res.status).toBe(2);
  expect(res.stderr).toContain('backends.o.timeZone');
  expect(res.stderr).not.toMatch(/\n\s+at /);
});

run('`emulator oracle-bpm --option shape=classic` serves the classic task JSON', async () => {
  const port = await freePort();
  const child = spawn(process.execPath, [bin, 'emulator', 'oracle-bpm', '--port', String(port), '--option', 'shape=classic']);
  try {
    const auth = { Authorization: `Basic ${Buffer.from('jcooper:welcome1').toString('base64')}` };
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/bpm/api/4.0/tasks/200041`, { headers: auth })).ok);
    const task = (await (await fetch(`http://127.0.0.1:${port}/bpm/api/4.0/tasks/200041`, { headers: auth })).json()) as Record<string, unknown>;
    expect(task.state).toBe('ASSIGNED');
    expect(task.kind).toBeUndefined();
  } finally {
    child.kill('SIGKILL');
  }
});
