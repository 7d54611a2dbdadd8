// The node flags the `taskgate` launcher runs with: read from bin/taskgate.js's shebang, the one place they are set.
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';

/** bin/taskgate.js, from src/ (ts-jest) or dist/src/ (compiled). */
export const LAUNCHER = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../bin/taskgate.js' : '../bin/taskgate.js');

/** The flags after `node` on the launcher's `#!/usr/bin/env -S node ...` line. */
export function launcherNodeFlags(file: string = LAUNCHER): string[] {
  const first = fs.readFileSync(file, 'utf8').split('\n', 1)[0] ?? '';
  const match = /^#!\/usr\/bin\/env -S node((?:\s+--[\w-]+(?:=\S+)?)*)\s*$/.exec(first);
  if (!match) throw new Error(`${file}: first line is not '#!/usr/bin/env -S node [--flag ...]'`);
  return match[1]!.split(/\s+/).filter(Boolean);
}

/** Launcher flags V8 reads when it uses them, so setting them after start works (the semi-space size it does not). */
const RUNTIME_SETTABLE = ['--heap-growing-percent'];

/** The launcher's runtime-settable flags node was not started with: set now; returns those it set. */
export function applyRuntimeFlags(execArgv: string[] = process.execArgv): string[] {
  const missing = launcherNodeFlags().filter((flag) => RUNTIME_SETTABLE.includes(flag.split('=')[0]!) && !execArgv.includes(flag));
  for (const flag of missing) v8.setFlagsFromString(flag);
  return missing;
}
