// The process logger: JSON lines on stdout through winston; callers pass fields, never credentials.
import winston from 'winston';

export type Logger = winston.Logger;

/** winston's `info[MESSAGE]`: the text a transport writes. */
const MESSAGE = Symbol.for('message');

/**
 * One JSON line with a timestamp: winston's timestamp() + json() in one step. Why not json(): logform builds a
 * new stringify function for every line, a measurable share of a request (docs/performance.md). Plain
 * JSON.stringify does the fields callers pass; what it cannot (a cycle, a bigint) goes through `tolerant`.
 */
const jsonLine = winston.format((info) => {
  info.timestamp = new Date().toISOString();
  let line: string;
  try {
    line = JSON.stringify(info);
  } catch {
    line = tolerant(info);
  }
  (info as unknown as Record<symbol, unknown>)[MESSAGE] = line;
  return info;
});

export function createLogger(level = 'info', stream?: NodeJS.WritableStream): Logger {
  const transport = stream
    ? new winston.transports.Stream({ stream })
    : new winston.transports.Console();
  return winston.createLogger({ level, format: jsonLine(), transports: [transport] });
}

/** The entry as JSON whatever it holds: a bigint as its digits, a cycle (an object inside itself) marked. */
function tolerant(info: object): string {
  const ancestors: object[] = [];
  return JSON.stringify(info, function (this: unknown, _key, value: unknown) {
    if (typeof value === 'bigint') return value.toString();
    if (!value || typeof value !== 'object') return value;
    // `this` is the object holding `value`: drop the ancestors JSON.stringify has already left.
    while (ancestors.length > 0 && ancestors[ancestors.length - 1] !== this) ancestors.pop();
    if (ancestors.includes(value)) return '[Circular]';
    ancestors.push(value);
    return value;
  });
}
