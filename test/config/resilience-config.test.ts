// The resilience and outbound-auth config keys: defaults filled in, bad values named by path, wired into each backend.
import { ConfigError, parseConfig } from '../../src/config/load';
import { createBackend } from '../../src/compose';

const base = (backend: Record<string, unknown> = {}) => ({
  auth: { apiKeys: [{ name: 'erp', key: 'erp-key-12345', rateLimit: { perMinute: 60 } }] },
  backends: {
    s: { vendor: 'huawei-secmaster', baseUrl: 'https://secmaster.example.com', projectId: 'p1', workspaceId: 'w1', auth: { type: 'token', token: 'tok' }, ...backend },
  },
});

function errorOf(raw: unknown): string {
  try {
    parseConfig(raw, {});
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

test('defaults: retries, circuit breaker, concurrency, timeout', () => {
  const s = parseConfig(base(), {}).backends.s;
  expect(s).toMatchObject({
    timeoutMs: 10000, concurrency: 1024,
    retries: { max: 2, baseDelayMs: 100, maxDelayMs: 2000, budgetPercent: 20 },
    circuitBreaker: { failureThreshold: 5, openMs: 30000 },
  });
});

test('bad resilience values are startup errors naming the key', () => {
  expect(errorOf(base({ retries: { max: 9 } }))).toContain('backends.s.retries.max');
  expect(errorOf(base({ retries: { forever: true } }))).toContain('backends.s.retries.forever: unknown key');
  expect(errorOf(base({ circuitBreaker: { failureThreshold: 0 } }))).toContain('backends.s.circuitBreaker.failureThreshold');
  expect(errorOf(base({ connectTimeoutMs: 'soon' }))).toContain('backends.s.connectTimeoutMs');
  expect(errorOf(base({ maxQueue: -1 }))).toContain('backends.s.maxQueue');
  const rate = base();
  (rate.auth.apiKeys[0] as any).rateLimit = { perMinute: 0 };
  expect(errorOf(rate)).toContain('auth.apiKeys.0.rateLimit.perMinute');
});

test('auth.type iam-password needs iamUrl, domain, username, password and project', () => {
  const iam = { type: 'iam-password', iamUrl: 'https://iam.example.com', domain: 'd', username: 'u', password: 'p', project: 'ap-southeast-1' };
  expect(parseConfig(base({ auth: iam }), {}).backends.s.auth).toEqual(iam);
  const { project: _p, ...noProject } = iam;
  expect(errorOf(base({ auth: noProject }))).toContain('backends.s.auth.project: is required');
  expect(errorOf(base({ auth: { ...iam, iamUrl: 'ftp://x' } }))).toContain('backends.s.auth.iamUrl');
});

test("a vendor's own auth types are refused for other vendors (iam-password, token are Huawei's)", () => {
  const iam = { type: 'iam-password', iamUrl: 'https://iam.example.com', domain: 'd', username: 'u', password: 'p', project: 'x' };
  const ibm = (auth: object) => ({ auth: { apiKeys: [{ name: 'k', key: 'key-12345' }] }, backends: { i: { vendor: 'ibm-bpm', baseUrl: 'https://bpm.example.com', auth } } });
  expect(errorOf(ibm(iam))).toContain('backends.i.auth.type: must be one of "basic", "bearer"');
  expect(errorOf(ibm({ type: 'token', token: 't' }))).toContain('backends.i.auth.type: must be one of "basic", "bearer"');
  expect(parseConfig(ibm({ type: 'bearer', token: 't' }), {}).backends.i.auth).toEqual({ type: 'bearer', token: 't' });
});

test('each backend gets its own circuit, visible read-only; the IAM password is a secret from the start', () => {
  const config = parseConfig(base({ auth: { type: 'iam-password', iamUrl: 'https://iam.example.com', domain: 'd', username: 'u', password: 'iam-secret-pw', project: 'x' } }), {});
  const backend = createBackend('s', config.backends.s);
  expect(backend.circuit?.state()).toBe('closed');
  expect(backend.auth.secrets()).toContain('iam-secret-pw');
  expect(backend.auth.secretHeaders).toEqual(['X-Auth-Token']);
});
