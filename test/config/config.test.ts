// Config loading: YAML and JSON, ${ENV} interpolation, defaults, and errors that name the bad key path.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfigFile, parseConfig } from '../../src/config/load';

const valid = () => ({
  auth: { apiKeys: [{ name: 'erp', key: '${ERP_KEY}' }] },
  backends: {
    secmaster: {
      vendor: 'huawei-secmaster', baseUrl: 'https://secmaster.example.com',
      projectId: 'p1', workspaceId: 'w1', auth: { type: 'token', token: '${HW_TOKEN}' },
    },
  },
});
const env = { ERP_KEY: 'erp-key-12345', HW_TOKEN: 'hw-token' };

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

test('interpolates ${ENV} and fills defaults', () => {
  const config = parseConfig(valid(), env);
  expect(config.auth.apiKeys[0]).toEqual({ name: 'erp', key: 'erp-key-12345', backends: ['*'], scopes: [] });
  expect(config.backends.secmaster.auth.token).toBe('hw-token');
  expect(config.server).toEqual({ host: '127.0.0.1', port: 8080, bodyLimit: '1mb', drainMs: 5000 });
  expect(config.backends.secmaster.timeoutMs).toBe(10000);
});

test('a missing environment variable names the variable and the key', () => {
  expect(errorOf(() => parseConfig(valid(), { ERP_KEY: 'erp-key-12345' }))).toBe('backends.secmaster.auth.token: environment variable HW_TOKEN is not set');
});

test.each([
  ['an unknown top-level key', (c: any) => (c.extra = 1), 'extra: unknown key'],
  ['an unknown backend key', (c: any) => (c.backends.secmaster.colour = 'red'), 'backends.secmaster.colour: unknown key'],
  ['a key of another vendor', (c: any) => (c.backends.secmaster.actionNames = { approve: 'A' }), 'backends.secmaster.actionNames: unknown key'],
  ['a wrong type', (c: any) => (c.server = { port: 'eighty' }), 'server.port: must be integer'],
  ['an unknown vendor', (c: any) => (c.backends.secmaster.vendor = 'sap'), 'backends.secmaster.vendor: must be one of'],
  ['a missing vendor key', (c: any) => delete c.backends.secmaster.projectId, 'backends.secmaster.projectId: is required'],
  ['a missing baseUrl', (c: any) => delete c.backends.secmaster.baseUrl, 'backends.secmaster.baseUrl: is required'],
  ['an auth key of another type', (c: any) => (c.backends.secmaster.auth.password = 'x'), 'backends.secmaster.auth.password: unknown key'],
  ['an unknown auth type', (c: any) => (c.backends.secmaster.auth = { type: 'magic' }), 'backends.secmaster.auth.type: must be one of'],
  ['an empty API key', (c: any) => (c.auth.apiKeys[0].key = ''), 'auth.apiKeys.0.key: must NOT have fewer than 1 characters'],
  ['a bad body limit', (c: any) => (c.server = { bodyLimit: 'lots' }), 'server.bodyLimit: must match pattern'],
  ['no backends', (c: any) => (c.backends = {}), 'backends: must NOT have fewer than 1 properties'],
])('%s is an error naming the key path', (_name, mutate, message) => {
  const config = valid();
  mutate(config);
  expect(errorOf(() => parseConfig(config, env))).toContain(message);
});

test('duplicate API key names are refused', () => {
  const config = valid();
  config.auth.apiKeys.push({ name: 'erp', key: 'another-key-1' });
  expect(errorOf(() => parseConfig(config, env))).toContain('auth.apiKeys.1.name: duplicate');
});

test('YAML and JSON files load alike; the shipped configs are valid', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-config-'));
  const json = path.join(dir, 'c.json');
  fs.writeFileSync(json, JSON.stringify(valid()));
  const yaml = path.join(dir, 'c.yaml');
  fs.writeFileSync(yaml, 'auth:\n  apiKeys:\n    - { name: erp, key: "${ERP_KEY}" }\nbackends:\n  secmaster:\n    vendor: huawei-secmaster\n    baseUrl: https://secmaster.example.com\n    projectId: p1\n    workspaceId: w1\n    auth: { type: token, token: "${HW_TOKEN}" }\n');
  expect(loadConfigFile(yaml, env)).toEqual(loadConfigFile(json, env));
  expect(errorOf(() => loadConfigFile(path.join(dir, 'missing.yaml'), env))).toContain('cannot read config file');
  fs.writeFileSync(yaml, 'auth: [unclosed');
  expect(errorOf(() => loadConfigFile(yaml, env))).toContain('not valid YAML or JSON');
  const root = path.join(__dirname, '../../config');
  expect(() => loadConfigFile(path.join(root, 'sandbox.yaml'), {})).not.toThrow();
  expect(() => loadConfigFile(path.join(root, 'example.yaml'), { ERP_KEY: 'erp-key-12345', SOC_KEY: 'soc-key-12345', ...exampleEnv() })).not.toThrow();
});

/** Every ${VAR} the example config names, given a dummy value. */
function exampleEnv(): Record<string, string> {
  const text = fs.readFileSync(path.join(__dirname, '../../config/example.yaml'), 'utf8');
  // A webhook secret has the Standard Webhooks form: whsec_ and the base64 of 24 or more random bytes.
  return Object.fromEntries([...text.matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((m) => [m[1], m[1].endsWith('WEBHOOK_SECRET') ? `whsec_${Buffer.alloc(24, 7).toString('base64')}` : `dummy-${m[1].toLowerCase()}-value`]));
}

test('a number from the environment fills a numeric key; short API keys are allowed', () => {
  const config = valid() as any;
  config.server = { port: '${PORT}' };
  config.backends.secmaster.timeoutMs = '${TIMEOUT}';
  config.auth.apiKeys[0].key = 'k';
  const parsed = parseConfig(config, { ...env, PORT: '8191', TIMEOUT: '2500' });
  expect(parsed.server.port).toBe(8191);
  expect(parsed.backends.secmaster.timeoutMs).toBe(2500);
});
