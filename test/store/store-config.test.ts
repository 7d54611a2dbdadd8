// The `store` config key: sqlite by default, postgres needs a postgres:// url, bad values stop startup naming the key.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../src/config/load';
import { DEFAULT_SQLITE_PATH, openStore } from '../../src/store/open';

const base = {
  auth: { apiKeys: [{ name: 'k', key: 'abcdefgh1' }] },
  backends: { s: { vendor: 'huawei-secmaster', baseUrl: 'http://127.0.0.1:9', projectId: 'p', workspaceId: 'w', auth: { type: 'token', token: 't' } } },
};

test('postgres needs a postgres:// url; schema must be a plain identifier; unknown keys are errors', () => {
  expect(() => parseConfig({ ...base, store: { type: 'postgres' } }, {})).toThrow('store.url: is required');
  expect(() => parseConfig({ ...base, store: { type: 'postgres', url: 'mysql://x' } }, {})).toThrow(/store\.url: must match pattern/);
  expect(() => parseConfig({ ...base, store: { type: 'postgres', url: 'postgres://h/db', schema: 'a; drop' } }, {})).toThrow(/store\.schema/);
  expect(() => parseConfig({ ...base, store: { type: 'sqlite', file: 'x' } }, {})).toThrow('store.file: unknown key');
  expect(() => parseConfig({ ...base, store: { type: 'mongo' } }, {})).toThrow(/store\.type: must be one of "sqlite", "postgres"/);
  expect(parseConfig({ ...base, store: { type: 'postgres', url: '${DATABASE_URL}' } }, { DATABASE_URL: 'postgresql://u:p@h/db' }).store)
    .toEqual({ type: 'postgres', url: 'postgresql://u:p@h/db' });
});

test('without a store key the gateway uses SQLite at ./data/taskgate.db under the working directory', async () => {
  expect(DEFAULT_SQLITE_PATH).toBe('./data/taskgate.db');
  const cwd = process.cwd();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-default-store-'));
  process.chdir(dir);
  try {
    const store = await openStore(undefined);
    expect(store.type).toBe('sqlite');
    await store.close();
    expect(fs.existsSync(path.join(dir, 'data', 'taskgate.db'))).toBe(true);
  } finally {
    process.chdir(cwd);
  }
});
