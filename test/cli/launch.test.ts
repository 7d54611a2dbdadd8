// The launcher's node flags (bin/taskgate.js shebang) are applied by the `taskgate` command and by `npm start`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LAUNCHER, launcherNodeFlags } from '../../src/launch';

describe('launch flags', () => {
  it('the shebang sets a small V8 young generation and an old generation that grows in small steps', () => {
    expect(launcherNodeFlags()).toEqual(['--max-semi-space-size=4', '--heap-growing-percent=10']);
  });

  it('started as `node bin/taskgate.js`, the launcher sets the runtime-settable flags node was not started with, and only those', () => {
    const run = spawnSync(process.execPath, ['-e', `
      const v8 = require('node:v8');
      const { applyRuntimeFlags } = require(${JSON.stringify(path.join(__dirname, '../../dist/src/launch.js'))});
      process.stdout.write(JSON.stringify([applyRuntimeFlags(), applyRuntimeFlags(['--heap-growing-percent=10'])]));
    `], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual([['--heap-growing-percent=10'], []]);
  });

  it('npm start runs the launcher with the same flags', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe(`node ${launcherNodeFlags().join(' ')} bin/taskgate.js sandbox`);
  });

  it('running bin/taskgate.js as a command applies them to the node that runs it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-launch-'));
    const probe = path.join(dir, 'probe.js');
    // Loaded before the CLI: reports the flags node started with and stops there.
    fs.writeFileSync(probe, "process.stdout.write(JSON.stringify(process.execArgv)); process.exit(0);\n");
    const run = spawnSync(LAUNCHER, ['serve'], { env: { ...process.env, NODE_OPTIONS: `--require ${probe}` }, encoding: 'utf8' });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(launcherNodeFlags());
  });

  it('refuses a launcher whose first line is not an env -S node shebang', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-launch-'));
    const file = path.join(dir, 'bin.js');
    fs.writeFileSync(file, '#!/usr/bin/env node\n');
    expect(() => launcherNodeFlags(file)).toThrow(/not '#!\/usr\/bin\/env -S node/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
