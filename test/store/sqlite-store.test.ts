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

describe('group commit of audit records', () => {
  const openFile = async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-sqlite-')), 'group.db');
    return { file, store: (await openStore({ type: 'sqlite', path: file })) as SqliteStore };
  };

  test('records of one event-loop turn share one transaction, and each resolves only once its row is committed', async () => {
    const { file, store } = await openFile();
    const db = (store as unknown as { db: { exec(sql: string): void } }).db;
    const exec = jest.spyOn(db, 'exec');
    const other = new SqliteStore(file);
    const seen: number[] = [];
    await Promise.all(Array.from({ length: 10 }, (_, i) => store.recordAudit(record({ requestId: `g${i}` })).then(async () => {
      // Another connection, as another process would, already sees the row when the promise resolves.
      seen.push((await other.queryAudit({ limit: 20 })).items.length);
    })));
    expect(exec.mock.calls.filter(([sql]) => sql === 'COMMIT')).toHaveLength(1);
    expect(seen).toEqual(Array(10).fill(10));
    await Promise.all([store.close(), other.close()]);
  });

  test('a row that cannot be written fails only its own record; the others of its group are committed', async () => {
    const { store } = await openFile();
    const results = await Promise.allSettled([
      store.recordAudit(record({ requestId: 'before' })),
      store.recordAudit(record({ requestId: undefined as unknown as string })),
      store.recordAudit(record({ requestId: 'after' })),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await store.queryAudit({ limit: 10 })).items.map((i) => i.requestId).sort()).toEqual(['after', 'before']);
    await store.close();
  });

  test('records handed over just before close() are committed by it', async () => {
    const { file, store } = await openFile();
    const written = store.recordAudit(record({ requestId: 'last' }));
    await store.close();
    await written;
    const reopened = new SqliteStore(file);
    expect((await reopened.queryAudit({ limit: 5 })).items.map((i) => i.requestId)).toEqual(['last']);
    await reopened.close();
  });
});
