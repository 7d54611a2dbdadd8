// The node flags taskgate is launched with: the `start` npm script is the one place they are written.
import fs from 'node:fs';
import path from 'node:path';

/** package.json, from src/ (ts-jest) or dist/src/ (compiled). */
const PACKAGE_JSON = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../package.json' : '../package.json');

/** The flags between `node` and the script in package.json's `start` script (`node --flag ... bin/taskgate.js sandbox`). */
export function launcherNodeFlags(file: string = PACKAGE_JSON): string[] {
  const start = (JSON.parse(fs.readFileSync(file, 'utf8')) as { scripts?: Record<string, string> }).scripts?.start ?? '';
  const match = /^node((?:\s+--[\w-]+(?:=\S+)?)*)\s+bin\/taskgate\.js\b/.exec(start);
  if (!match) throw new Error(`${file}: scripts.start is not 'node [--flag ...] bin/taskgate.js ...'`);
  return match[1]!.split(/\s+/).filter(Boolean);
}
