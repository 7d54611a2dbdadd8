// The process logger: one JSON line per entry, with a timestamp, whatever the fields hold.
import { PassThrough } from 'node:stream';
import { createLogger } from '../../src/log';

function capture(level = 'info') {
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
  return { logger: createLogger(level, stream), lines };
}

const flushed = () => new Promise((r) => setImmediate(r));

test('an entry is one JSON line: level, message, timestamp and the fields given', async () => {
  const { logger, lines } = capture();
  logger.info('request', { requestId: 'r1', status: 200, backend: undefined });
  await flushed();
  expect(lines).toHaveLength(1);
  const entry = JSON.parse(lines[0]) as Record<string, unknown>;
  expect(entry).toEqual({ level: 'info', message: 'request', requestId: 'r1', status: 200, timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) });
});

test('a field JSON cannot write (a bigint, a cycle) still gives one line, not a crash', async () => {
  const { logger, lines } = capture();
  const cyclic: Record<string, unknown> = { name: 'loop' };
  cyclic.self = cyclic;
  logger.warn('odd', { big: 12345678901234567890n, cyclic });
  await flushed();
  expect(JSON.parse(lines[0])).toMatchObject({ level: 'warn', message: 'odd', big: '12345678901234567890', cyclic: { name: 'loop', self: '[Circular]' } });
});

test('an object met twice without a cycle is written twice, not marked', async () => {
  const { logger, lines } = capture();
  const shared = { id: 7 };
  logger.info('twice', { a: shared, b: shared, big: 1n });
  await flushed();
  expect(JSON.parse(lines[0])).toMatchObject({ a: { id: 7 }, b: { id: 7 }, big: '1' });
});

test('entries below the level are not written', async () => {
  const { logger, lines } = capture('warn');
  logger.info('quiet');
  logger.error('loud');
  await flushed();
  expect(lines.map((l) => (JSON.parse(l) as { message: string }).message)).toEqual(['loud']);
});
