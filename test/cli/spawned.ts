// A `taskgate` child process for the CLI tests: its output as lines, and promises on its log lines and exit.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.join(__dirname, '../..');
export const BIN = path.join(ROOT, 'bin/taskgate.js');
/** The CLI tests run the compiled CLI: `npm test` builds it first. */
export const BUILT = fs.existsSync(path.join(ROOT, 'dist/src/cli.js'));

export interface Spawned {
  child: ChildProcess;
  /** Everything written so far, stdout and stderr interleaved, line by line. */
  lines: string[];
  /** Resolves with the first line (already written or to come) matching `pattern`; rejects if the process exits first. */
  line(pattern: RegExp): Promise<string>;
  exited: Promise<number | null>;
}

/** `node bin/taskgate.js ...args` with the Node running the tests (the project's own). */
export function taskgate(args: string[], options: SpawnOptions = {}): Spawned {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  const lines: string[] = [];
  const waiting: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  let exitCode: number | null | undefined;
  let closed = false;
  child.on('close', () => {
    closed = true;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => {
    exitCode = code;
    resolve(code);
  }));
  for (const stream of [child.stdout!, child.stderr!]) {
    let rest = '';
    const add = (line: string) => {
      lines.push(line);
      for (const w of waiting.filter((w) => w.pattern.test(line))) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve(line);
      }
    };
    stream.on('data', (chunk: Buffer) => {
      const parts = (rest + chunk.toString('utf8')).split('\n');
      rest = parts.pop()!;
      parts.forEach(add);
    });
    stream.on('end', () => rest && add(rest));
  }
  return {
    child,
    lines,
    exited,
    line(pattern) {
      const seen = lines.find((l) => pattern.test(l));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const fail = () => reject(new Error(`exited (${exitCode}) before a line matching ${pattern}:\n${lines.join('\n')}`));
        if (closed) return fail();
        waiting.push({ pattern, resolve });
        // 'close' comes after the last output, so a line written just before exiting has been seen by then.
        child.on('close', fail);
      });
    },
  };
}

export function tempConfig(text: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-cli-')), 'config.yaml');
  fs.writeFileSync(file, text);
  return file;
}
