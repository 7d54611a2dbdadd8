// The `sync` config key: defaults, validation naming the bad key, and the sandbox indexing every backend.
import path from 'node:path';
import { loadConfigFile, parseConfig } from '../../src/config/load';

const base = {
  auth: { apiKeys: [{ name: 'k', key: 'abcdefgh1', scopes: ['sync'] }] },
  backends: { s: { vendor: 'huawei-secmaster', baseUrl: 'http://127.0.0.1:9', projectId: 'p', workspaceId: 'w', auth: { type: 'token', token: 't' } } },
};

test('without a sync key nothing is indexed; defaults are filled in', () => {
  expect(parseConfig(base, {}).sync).toEqual({ intervalMs: 30000, backends: [], fullPassEvery: 10, maxTasksPerBackend: 100000 });
  expect(parseConfig({ ...base, sync: { backends: ['*'], intervalMs: 0 } }, {}).sync).toMatchObject({ backends: ['*'], intervalMs: 0 });
});

test('bad sync values stop startup naming the key', () => {
  expect(() => parseConfig({ ...base, sync: { intervalMs: -1 } }, {})).toThrow(/sync\.intervalMs/);
  expect(() => parseConfig({ ...base, sync: { fullPassEvery: 0 } }, {})).toThrow(/sync\.fullPassEvery/);
  expect(() => parseConfig({ ...base, sync: { maxTasksPerBackend: 0 } }, {})).toThrow(/sync\.maxTasksPerBackend/);
  expect(() => parseConfig({ ...base, sync: { every: 1 } }, {})).toThrow('sync.every: unknown key');
  expect(() => parseConfig({ ...base, sync: { backends: ['s', 'nope'] } }, {})).toThrow("sync.backends.1: no backend is named 'nope'");
  expect(() => parseConfig({ ...base, auth: { apiKeys: [{ name: 'k', key: 'abcdefgh1', scopes: ['admin'] }] } }, {})).toThrow(/scopes/);
});

test('the sandbox indexes all four backends every 5 s', () => {
  const config = loadConfigFile(path.join(__dirname, '../../config/sandbox.yaml'), {});
  expect(config.sync).toMatchObject({ backends: ['*'], intervalMs: 5000 });
  expect(Object.keys(config.backends)).toHaveLength(4);
});
