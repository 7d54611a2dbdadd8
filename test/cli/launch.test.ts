// How taskgate is launched: V8 flags only in the start script (and NODE_OPTIONS), a bin that runs from a built
// checkout as a command, with npx and with the project's node, and that explains an old Node or a missing build.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launcherNodeFlags } from '../../src/launch';
import { BIN, BUILT, ROOT } from './spawned';

const built = BUILT ? test : test.skip;
const nodeDir = path.dirname(process.execPath);
/** PATH with the Node running the tests (the project's own) first, as npm scripts and npx set it. */
const env = { ...process.env, PATH: `${nodeDir}${path.delimiter}${process.env.PATH}` };

/** A node older than node:sqlite at a known place (the machine's own), if there is one. */
function oldNode(): string | undefined {
  for (const candidate of ['/usr/local/bin/node', '/usr/bin/node', '/bin/node']) {
    if (!fs.existsSync(candidate)) continue;
    const version = spawnSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
    if (+version.split('.')[0]! < 22) return candidate;
  }
  return undefined;
}
const old = oldNode();
if (!old) console.warn('SKIPPED: no Node older than 22 at /usr/local/bin/node, /usr/bin/node or /bin/node');

test('the start script holds the launch flags: a small V8 young generation, an old generation growing in small steps', () => {
  expect(launcherNodeFlags()).toEqual(['--max-semi-space-size=4', '--heap-growing-percent=10']);
});

test('the bin carries no node flags of its own', () => {
  expect(fs.readFileSync(BIN, 'utf8').split('\n', 1)[0]).toBe('#!/usr/bin/env node');
});

built('the bin sets no V8 flag at runtime', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-launch-'));
  const probe = path.join(dir, 'probe.js');
  // Loaded before the bin: records every runtime flag setting and prints them at exit.
  fs.writeFileSync(probe, `const v8 = require('node:v8'); const set = []; const real = v8.setFlagsFromString;
v8.setFlagsFromString = (flags) => { set.push(flags); real(flags); };
process.on('exit', () => process.stderr.write('flags set: ' + JSON.stringify(set) + '\\n'));\n`);
  const run = spawnSync(process.execPath, ['--require', probe, BIN, '--help'], { encoding: 'utf8' });
  fs.rmSync(dir, { recursive: true, force: true });
  expect(run.status).toBe(0);
  expect(run.stderr).toBe('flags set: []\n');
});

built('`taskgate --help` documents the flags, and the NODE_OPTIONS it gives is one node accepts', () => {
  const help = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
  expect(help.stdout).toContain(`node ${launcherNodeFlags().join(' ')} bin/taskgate.js serve`);
  const nodeOptions = /NODE_OPTIONS=(\S+)/.exec(help.stdout)![1]!;
  expect(nodeOptions).toBe('--max-semi-space-size=4');
  const run = spawnSync(process.execPath, [BIN, 'serve', '--help'], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: nodeOptions } });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
});

built('./bin/taskgate.js runs as a command with the project\'s node on PATH', () => {
  const run = spawnSync(BIN, ['serve', '--help'], { encoding: 'utf8', env });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(/^usage: taskgate serve --config <file>/);
});

built('`npx taskgate` runs the project\'s own bin', () => {
  // --offline: the bin is the project's, nothing is fetched.
  const run = spawnSync('npx', ['--offline', 'taskgate', 'sandbox', '--help'], { cwd: ROOT, encoding: 'utf8', env });
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(/^usage: taskgate sandbox/);
});

(old ? test : test.skip)('under a Node too old for node:sqlite, the bin says which version it needs, in one line, and exits 2', () => {
  const run = spawnSync(old!, [BIN, 'serve', '--config', 'any.yaml'], { encoding: 'utf8' });
  const needed = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
  expect(run.status).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr.split('\n')).toEqual([expect.stringContaining(`taskgate: needs Node.js ${needed} (for node:sqlite), this is v`), '']);
});

test('an unbuilt checkout says how to build, in one line, and exits 2', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-unbuilt-'));
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.copyFileSync(BIN, path.join(dir, 'bin/taskgate.js'));
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  const run = spawnSync(process.execPath, [path.join(dir, 'bin/taskgate.js'), 'serve'], { encoding: 'utf8' });
  fs.rmSync(dir, { recursive: true, force: true });
  expect(run.status).toBe(2);
  expect(run.stderr).toBe(`taskgate: not built: run \`npm run build\` in ${dir} first\n`);
});
