// The shared store suite over the embedded SQLite store (node:sqlite), on a file as in production.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
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

/** Every WAL sync is held until the test calls release(), to see that nothing resolves before it. */
function heldSyncs() {
  const real = fs.fdatasync;
  let held: (() => void) | undefined;
  const sync = jest.spyOn(fs, 'fdatasync').mockImplementation(((fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
    held = () => real(fd, callback);
  }) as typeof fs.fdatasync);
  return { sync, release: () => held!() };
}

const settle = () => new Promise((r) => setTimeout(r, 20));

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

  test('a record resolves only after the WAL is synced to disk; the records of one sync share it', async () => {
    const { store } = await openFile();
    const { sync, release } = heldSyncs();
    let resolved = 0;
    const writes = Array.from({ length: 5 }, (_, i) => store.recordAudit(record({ requestId: `s${i}` })).then(() => resolved++));
    await settle();
    expect(sync).toHaveBeenCalledTimes(1);
    expect(resolved).toBe(0);
    // A record committed while that sync runs waits for the next one: the first may have started before its write.
    const late = store.recordAudit(record({ requestId: 'late' }));
    await settle();
    release();
    await Promise.all(writes);
    expect(resolved).toBe(5);
    await settle();
    expect(sync).toHaveBeenCalledTimes(2);
    release();
    await late;
    sync.mockRestore();
    await store.close();
  });

  test('a failed sync fails its records and every later write, and ping: after a lost fsync nothing more is called durable', async () => {
    const { store } = await openFile();
    const sync = jest.spyOn(fs, 'fdatasync').mockImplementationOnce(((_fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
      callback(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    }) as typeof fs.fdatasync);
    await expect(store.recordAudit(record({ requestId: 'lost' }))).rejects.toThrow('could not sync its log to disk: EIO');
    // The kernel may have dropped those pages and report success next time: the store stays failed.
    await expect(store.recordAudit(record({ requestId: 'next' }))).rejects.toThrow('EIO');
    await expect(store.ping()).rejects.toThrow('EIO');
    sync.mockRestore();
    await store.close();
  });

  test('a read waits for the syncs in progress: nothing is decided on a row not yet on disk', async () => {
    const { store } = await openFile();
    const { sync, release } = heldSyncs();
    const written = store.recordAudit(record({ requestId: 'pending' }));
    await settle();
    let read: string[] | undefined;
    const reading = store.queryAudit({ limit: 5 }).then((page) => (read = page.items.map((i) => i.requestId)));
    await settle();
    expect(read).toBeUndefined();
    release();
    await settle();
    release();
    await Promise.all([written, reading]);
    expect(read).toEqual(['pending']);
    sync.mockRestore();
    await store.close();
  });

  test('close() waits for the sync in flight; a write after it fails instead of syncing a closed file', async () => {
    const { store } = await openFile();
    const written = store.recordAudit(record({ requestId: 'before-close' }));
    await store.close();
    await expect(written).resolves.toBeUndefined();
    await expect(store.recordAudit(record({ requestId: 'after-close' }))).rejects.toThrow();
  });

  test('a database reached through a symlink syncs the real WAL, next to the real file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-sqlite-'));
    fs.mkdirSync(path.join(dir, 'real'));
    fs.symlinkSync(path.join(dir, 'real', 'audit.db'), path.join(dir, 'audit.db'));
    const store = (await openStore({ type: 'sqlite', path: path.join(dir, 'audit.db') })) as SqliteStore;
    await store.recordAudit(record({ requestId: 'linked' }));
    expect(fs.existsSync(path.join(dir, 'real', 'audit.db-wal'))).toBe(true);
    expect((await store.queryAudit({ limit: 5 })).items.map((i) => i.requestId)).toEqual(['linked']);
    await store.close();
  });

  test('where the filesystem keeps the rollback journal (no WAL), SQLite syncs each commit itself (FULL)', async () => {
    const real = DatabaseSync.prototype.exec;
    // As on a filesystem without WAL support: the journal_mode = WAL request does not take.
    const exec = jest.spyOn(DatabaseSync.prototype, 'exec').mockImplementation(function (this: DatabaseSync, sql: string) {
      return real.call(this, sql.replace('PRAGMA journal_mode = WAL;', ''));
    });
    const sync = jest.spyOn(fs, 'fdatasync');
    const { store } = await openFile();
    exec.mockRestore();
    const db = (store as unknown as { db: DatabaseSync }).db;
    expect(db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'delete' });
    expect(db.prepare('PRAGMA synchronous').get()).toEqual({ synchronous: 2 });
    await store.recordAudit(record({ requestId: 'journal' }));
    expect(sync).not.toHaveBeenCalled();
    expect((await store.queryAudit({ limit: 5 })).items.map((i) => i.requestId)).toEqual(['journal']);
    sync.mockRestore();
    await store.close();
  });
});
