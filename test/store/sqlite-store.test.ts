// The shared store suite over the embedded SQLite store (node:sqlite), on a file as in production.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { openStore } from '../../src/store/open';
import { SqliteStore } from '../../src/store/sqlite-store';
import { indexSuite } from './index-suite';
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

/** Runs `script` in a child Node process that can require the TypeScript sources. */
function child(script: string) {
  const hook = `const ts = require('typescript'); const fs = require('node:fs');
    require.extensions['.ts'] = (m, f) => m._compile(ts.transpileModule(fs.readFileSync(f, 'utf8'), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText, f);`;
  return spawn(process.execPath, ['-e', `${hook}\n${script}`], { cwd: path.join(__dirname, '../..'), stdio: ['ignore', 'pipe', 'inherit'] });
}

describe('group commit of audit records', () => {
  const openFile = async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-sqlite-')), 'group.db');
    return { file, store: (await openStore({ type: 'sqlite', path: file })) as SqliteStore };
  };
  const walSize = (file: string) => fs.statSync(`${file}-wal`).size;

  test('records of one event-loop turn share one transaction, and each resolves only once its row is committed', async () => {
    // One transaction writes each touched page to the log once; ten transactions write them ten times.
    const one = await openFile();
    await one.store.recordAudit(record({ requestId: 'g' }));
    const grouped = await openFile();
    const other = new SqliteStore(grouped.file);
    const seen: number[] = [];
    await Promise.all(Array.from({ length: 10 }, (_, i) => grouped.store.recordAudit(record({ requestId: `g${i}` })).then(async () => {
      // Another connection, as another process would, already sees the row when the promise resolves.
      seen.push((await other.queryAudit({ limit: 20 })).items.length);
    })));
    const apart = await openFile();
    for (let i = 0; i < 10; i++) await apart.store.recordAudit(record({ requestId: `a${i}` }));
    expect(seen).toEqual(Array(10).fill(10));
    expect(walSize(grouped.file)).toBe(walSize(one.file));
    expect(walSize(apart.file)).toBeGreaterThan(walSize(grouped.file));
    await Promise.all([one.store.close(), grouped.store.close(), apart.store.close(), other.close()]);
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

  test('records handed over just before close() are committed by it; a write after close() fails', async () => {
    const { file, store } = await openFile();
    const written = store.recordAudit(record({ requestId: 'last' }));
    await store.close();
    await written;
    await expect(store.recordAudit(record({ requestId: 'after-close' }))).rejects.toThrow('closed');
    const reopened = new SqliteStore(file);
    expect((await reopened.queryAudit({ limit: 5 })).items.map((i) => i.requestId)).toEqual(['last']);
    await reopened.close();
  });

  test('a record that resolved survives the process being killed at once (SIGKILL, no close)', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-sqlite-')), 'killed.db');
    const proc = child(`const { SqliteStore } = require('./src/store/sqlite-store');
      const store = new SqliteStore(${JSON.stringify(file)}); store.migrate();
      const rec = (i) => ({ time: new Date().toISOString(), requestId: 'k' + i, keyName: 'k', backend: 'b', taskId: 't', action: 'approve', parameters: {}, durationMs: 1, via: 'rest' });
      Promise.all([0, 1, 2].map((i) => store.recordAudit(rec(i)))).then(() => { process.stdout.write('committed\\n'); setInterval(() => {}, 1000); });`);
    const exited = new Promise((r) => proc.on('exit', r));
    await new Promise<void>((resolve, reject) => {
      proc.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('committed') && resolve());
      proc.on('exit', (code) => reject(new Error(`child exited with ${code} before committing`)));
    });
    proc.kill('SIGKILL');
    await exited;
    const reopened = new SqliteStore(file);
    await reopened.init();
    expect((await reopened.queryAudit({ limit: 5 })).items.map((i) => i.requestId).sort()).toEqual(['k0', 'k1', 'k2']);
    await reopened.close();
  }, 30_000);

  test('a database reached through a symlink keeps its log next to the real file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-sqlite-'));
    fs.mkdirSync(path.join(dir, 'real'));
    fs.symlinkSync(path.join(dir, 'real', 'audit.db'), path.join(dir, 'audit.db'));
    const store = (await openStore({ type: 'sqlite', path: path.join(dir, 'audit.db') })) as SqliteStore;
    await store.recordAudit(record({ requestId: 'linked' }));
    expect(fs.existsSync(path.join(dir, 'real', 'audit.db-wal'))).toBe(true);
    expect((await store.queryAudit({ limit: 5 })).items.map((i) => i.requestId)).toEqual(['linked']);
    await store.close();
  });
});

describe('sqlite task index', () => {
  indexSuite(() => openStore({ type: 'sqlite', path: path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-sqlite-')), 'index.db') }));
});

test('an audit row written before `via` existed reads back through its batch flag', async () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-sqlite-')), 'old.db');
  const store = new SqliteStore(file);
  await store.init();
  await store.recordAudit(record({ requestId: 'old', via: 'batch' }));
  await store.close();
  // As a row of the first schema would be: no via.
  const { DatabaseSync } = await import('node:sqlite');
  const db = new DatabaseSync(file);
  db.exec('UPDATE taskgate_audit SET via = NULL');
  db.close();
  const reopened = new SqliteStore(file);
  expect((await reopened.queryAudit({ limit: 5 })).items.map((i) => i.via)).toEqual(['batch']);
  await reopened.close();
});
