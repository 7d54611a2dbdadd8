// The built `taskgate` command as a user starts it: help, usage errors, startup failures naming the config key
// in one line without a stack, serve answering and draining, the emulators, and a sandbox that starts clean.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { EMULATORS } from '../../adapters/emulators';
import { freePort } from '../helpers/ports';
import { BIN, BUILT, ROOT, taskgate, tempConfig } from './spawned';

const run = BUILT ? test : test.skip;
const each = BUILT ? test.each : test.skip.each;
if (!BUILT) console.warn('SKIPPED: the CLI tests need `npm run build` first (npm test runs it)');

const BACKEND = 'backends:\n  s:\n    vendor: huawei-secmaster\n    baseUrl: http://127.0.0.1:9\n    projectId: p\n    workspaceId: w\n    auth: { type: token, token: t }\n';
const KEYS = 'auth:\n  apiKeys: [{ name: a, key: abcdefgh1 }]\n';

function cli(args: string[], env: NodeJS.ProcessEnv = process.env) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env, timeout: 30_000 });
}

/** A startup failure as the contract wants it: exit 2, nothing on stdout, one line on stderr, no stack. */
function expectOneLineFailure(res: ReturnType<typeof cli>, text: string | RegExp): void {
  expect(res.status).toBe(2);
  expect(res.stdout).toBe('');
  const lines = res.stderr.split('\n');
  expect(lines).toHaveLength(2);
  expect(lines[1]).toBe('');
  expect(lines[0]).toMatch(typeof text === 'string' ? new RegExp(`^taskgate: .*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`) : text);
  expect(res.stderr).not.toMatch(/\n\s+at |ERR_|Error:/);
}

describe('help', () => {
  each([[['--help']], [['-h']], [['help']]])('taskgate %j prints the usage on stdout and exits 0', (args: string[]) => {
    const res = cli(args);
    expect(res.status).toBe(0);
    expect(res.stderr).toBe('');
    expect(res.stdout).toMatch(/^usage: taskgate <command>/);
    for (const command of ['serve', 'sandbox', 'emulator']) expect(res.stdout).toContain(`  ${command} `);
  });

  each(['serve', 'sandbox', 'emulator'])('taskgate %s --help prints its usage on stdout and exits 0', (command: string) => {
    for (const flag of ['--help', '-h']) {
      const res = cli([command, flag]);
      expect(res.status).toBe(0);
      expect(res.stderr).toBe('');
      expect(res.stdout).toMatch(new RegExp(`^usage: taskgate ${command}`));
    }
  });

  run('emulator --help lists each vendor with its options', () => {
    const res = cli(['emulator', '--help']);
    for (const vendor of Object.keys(EMULATORS)) expect(res.stdout).toMatch(new RegExp(`^ +${vendor}: \\w+`, 'm'));
  });
});

describe('usage errors: one line, exit 2', () => {
  run('no command', () => expectOneLineFailure(cli([]), 'a command is needed'));
  run('an unknown command', () => expectOneLineFailure(cli(['start']), "unknown command 'start'"));
  run('an unknown top-level option', () => expectOneLineFailure(cli(['--verbose']), "unknown option '--verbose'"));
  each([
    [['serve', '--bogus'], "serve: unknown option '--bogus'"],
    [['sandbox', '--port', '1', '-x'], "sandbox: unknown option '-x'"],
    [['emulator', 'k2', '--verbose'], "emulator: unknown option '--verbose'"],
    [['serve', '--config'], "serve: option '--config <value>' argument missing"],
    [['serve', 'extra'], "serve: unexpected argument 'extra'"],
    [['emulator', 'k2', 'ibm-bpm'], "emulator: unexpected argument 'ibm-bpm'"],
    [['sandbox', '--port', 'eighty'], "--port must be 0-65535, got 'eighty'"],
  ])('%j', (args: string[], message: string) => expectOneLineFailure(cli(args), message));

  run('an unknown vendor for `emulator`', () => expectOneLineFailure(cli(['emulator', 'sap']), "emulator: unknown vendor 'sap'"));

  each(Object.keys(EMULATORS))('the %s emulator refuses an option it does not have', (vendor: string) => {
    expectOneLineFailure(cli(['emulator', vendor, '--option', 'colour=red']), `emulator: ${vendor} has no option 'colour'`);
  });

  run('`--option` without key=value', () => expectOneLineFailure(cli(['emulator', 'k2', '--option', 'csrf']), "--option takes key=value, got 'csrf'"));
});

describe('startup failures name the config key, in one line, exit 2', () => {
  run('a bad config names the bad key path', () => {
    const file = tempConfig(`${KEYS}${BACKEND}    colour: red\n`);
    expectOneLineFailure(cli(['serve', '--config', file]), 'backends.s.colour: unknown key');
  });

  run('a missing environment variable is named', () => {
    const file = tempConfig(`auth:\n  apiKeys: [{ name: a, key: "\${NOT_SET_ANYWHERE}" }]\n${BACKEND}`);
    expectOneLineFailure(cli(['serve', '--config', file], { PATH: process.env.PATH }), 'NOT_SET_ANYWHERE');
  });

  run('serve without a config', () => {
    const env = { ...process.env };
    delete env.TASKGATE_CONFIG;
    expectOneLineFailure(cli(['serve'], env), 'serve needs --config <file> or TASKGATE_CONFIG');
  });

  run('a value only the adapter can check (an unknown time zone)', () => {
    const file = tempConfig(`${KEYS}backends:\n  o:\n    vendor: oracle-bpm\n    baseUrl: http://127.0.0.1:9\n    timeZone: Mars/Olympus\n    auth: { type: basic, username: u, password: p }\n`);
    expectOneLineFailure(cli(['serve', '--config', file]), 'backends.o.timeZone');
  });

  run('an unreachable PostgreSQL: store.url, without the URL (it may hold a password)', async () => {
    const port = await freePort(); // nothing listens there
    const file = tempConfig(`server: { port: 0 }\nstore: { type: postgres, url: "postgres://taskgate:s3cret-pw@127.0.0.1:${port}/taskgate" }\n${KEYS}${BACKEND}`);
    const res = cli(['serve', '--config', file]);
    expect(res.status).toBe(2);
    expect(res.stderr).toBe('taskgate: store.url: cannot connect: ECONNREFUSED\n');
  });

  run('an SQLite path under a regular file: store.path', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-cli-'));
    fs.writeFileSync(path.join(dir, 'plain-file'), '');
    const file = tempConfig(`server: { port: 0 }\nstore: { type: sqlite, path: ${path.join(dir, 'plain-file/sub/taskgate.db')} }\n${KEYS}${BACKEND}`);
    expectOneLineFailure(cli(['serve', '--config', file]), `store.path: cannot create directory under ${path.join(dir, 'plain-file')}: it is a file`);
  });

  // Node's recursive mkdir retried forever there (mkdir answers ENOENT under /proc, which exists).
  (fs.existsSync('/proc/self') ? test : test.skip)('an SQLite path under /proc fails instead of hanging: store.path', () => {
    const file = tempConfig(`server: { port: 0 }\nstore: { type: sqlite, path: /proc/taskgate-test/taskgate.db }\n${KEYS}${BACKEND}`);
    expectOneLineFailure(cli(['serve', '--config', file]), 'store.path: cannot create directory /proc/taskgate-test: ENOENT');
  });

  run('an SQLite file that cannot be opened: store.path', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-cli-'));
    fs.mkdirSync(path.join(dir, 'taskgate.db')); // a directory where the database file should be
    const file = tempConfig(`server: { port: 0 }\nstore: { type: sqlite, path: ${path.join(dir, 'taskgate.db')} }\n${KEYS}${BACKEND}`);
    expectOneLineFailure(cli(['serve', '--config', file]), `store.path: cannot open ${path.join(dir, 'taskgate.db')}: `);
  });

  run('a port in use: server.port', async () => {
    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const { port } = busy.address() as net.AddressInfo;
    try {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-cli-'));
      const file = tempConfig(`server: { port: ${port} }\nstore: { type: sqlite, path: ${path.join(dir, 't.db')} }\n${KEYS}${BACKEND}`);
      expectOneLineFailure(cli(['serve', '--config', file]), `server.port: cannot listen on 127.0.0.1:${port}: EADDRINUSE`);
    } finally {
      busy.close();
    }
  });
});

run('a sandbox emulator\'s port in use names its backend\'s baseUrl', async () => {
  const busy = net.createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  const { port } = busy.address() as net.AddressInfo;
  try {
    let text = fs.readFileSync(path.join(ROOT, 'config/sandbox.yaml'), 'utf8').replace('port: 8080', `port: ${await freePort()}`);
    for (const fixed of ['9101', '9103', '9104']) text = text.replace(`127.0.0.1:${fixed}`, `127.0.0.1:${await freePort()}`);
    text = text.replace('127.0.0.1:9102', `127.0.0.1:${port}`);
    expectOneLineFailure(cli(['sandbox', '--config', tempConfig(text)]), `backends.ibm.baseUrl: cannot listen on 127.0.0.1:${port}: EADDRINUSE`);
  } finally {
    busy.close();
  }
});

run('serve (via TASKGATE_CONFIG) answers, and SIGTERM drains and exits 0', async () => {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-cli-'));
  const file = tempConfig(`server: { port: ${port}, drainMs: 1000 }\nstore: { type: sqlite, path: ${path.join(dir, 't.db')} }\n${KEYS}${BACKEND}`);
  const gateway = taskgate(['serve'], { env: { ...process.env, TASKGATE_CONFIG: file } });
  try {
    await gateway.line(/"message":"taskgate listening"/);
    const backends = await fetch(`http://127.0.0.1:${port}/v1/backends`, { headers: { 'X-API-Key': 'abcdefgh1' } });
    expect(((await backends.json()) as { items: { name: string }[] }).items.map((b) => b.name)).toEqual(['s']);
    gateway.child.kill('SIGTERM');
    await gateway.line(/SIGTERM: draining/);
    // While draining the gateway still serves, but /readyz says it is going away.
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(503);
    expect(await gateway.exited).toBe(0);
  } finally {
    gateway.child.kill('SIGKILL');
  }
});

run('`emulator oracle-bpm --option shape=classic` serves the classic task JSON', async () => {
  const emulator = taskgate(['emulator', 'oracle-bpm', '--option', 'shape=classic']);
  try {
    const url = (JSON.parse(await emulator.line(/"message":"emulator listening"/)) as { url: string }).url;
    const auth = { Authorization: `Basic ${Buffer.from('jcooper:welcome1').toString('base64')}` };
    const task = (await (await fetch(`${url}/bpm/api/4.0/tasks/200041`, { headers: auth })).json()) as Record<string, unknown>;
    expect(task.state).toBe('ASSIGNED');
    expect(task.kind).toBeUndefined();
  } finally {
    emulator.child.kill('SIGKILL');
  }
});

run('the sandbox starts clean each time, its store included: no Idempotency-Key or audit row survives a restart', async () => {
  // config/sandbox.yaml as shipped (its store untouched), on free ports.
  let text = fs.readFileSync(path.join(ROOT, 'config/sandbox.yaml'), 'utf8').replace('port: 8080', `port: ${await freePort()}`);
  for (const fixed of ['9101', '9102', '9103', '9104']) text = text.replace(`127.0.0.1:${fixed}`, `127.0.0.1:${await freePort()}`);
  const file = tempConfig(text);
  const port = /port: (\d+)/.exec(text)![1];
  const base = `http://127.0.0.1:${port}`;
  const headers = { 'X-API-Key': 'sandbox-key-123', 'Content-Type': 'application/json', 'Idempotency-Key': 'sandbox-restart-1' };
  const comment = (text: string) => fetch(`${base}/v1/backends/secmaster/tasks/5b1f3a52-7cca-11f0-9216-fa163e209978/actions`, { method: 'POST', headers, body: JSON.stringify({ action: 'add_comment', comment: text }) });
  const audit = async () => ((await (await fetch(`${base}/v1/audit`, { headers })).json()) as { items: unknown[] }).items;
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-sandbox-'));
  for (let run = 1; run <= 2; run += 1) {
    const sandbox = taskgate(['sandbox', '--config', file], { cwd });
    try {
      await sandbox.line(/"message":"taskgate sandbox listening"/);
      expect(await audit()).toEqual([]);
      // A key kept from the first run would refuse the second run's other body.
      expect((await comment(`run ${run}`)).status).toBe(200);
      expect(await audit()).toHaveLength(1);
      sandbox.child.kill('SIGTERM');
      expect(await sandbox.exited).toBe(0);
    } finally {
      sandbox.child.kill('SIGKILL');
    }
  }
  expect(fs.readdirSync(cwd)).toEqual([]); // nothing written to disk
});
