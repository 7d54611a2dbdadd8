// The shared store suite over the embedded SQLite store (node:sqlite), on a file as in production.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../../src/store/open';
import { SqliteStore } from '../../src/store/sqlite-store';
import { record, storeSuite } from './store-suite';

describe('sqlite store', () => {
  storeSuite(() => openStore({ type: 'sqlite', path: path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-sqlite-')), 'nested', 'taskgate.db') }));
});

test('records survive closing and reopening the file (the directory is created)', async () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-sqlite-')), 'a', 'b', 'store.db');
  const first = await openStore({ type: 'sqlite', path: file });
  await first.recordAudit(record({ requestId: 'kept' }));
  await first.close();
  const second = new SqliteStore(file);
  await second.init();
  expect((await second.queryAudit({ limit: 5 })).items.map((i) => i.requestId)).toEqual(['kept']);
  await second.close();
});

test('two connections to one file share idempotency claims (several processes on one host)', async () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-sqlite-')), 'shared.db');
  const a = await openStore({ type: 'sqlite', path: file });
  const b = await openStore({ type: 'sqlite', path: file });
  const input = { scope: 'k', key: 'same', fingerprint: 'f', nowMs: 1, ttlMs: 1000 };
  expect((await a.claimIdempotencyKey(input)).outcome).toBe('claimed');
  expect((await b.claimIdempotencyKey(input)).outcome).toBe('in_progress');
  await Promise.all([a.close(), b.close()]);
});
