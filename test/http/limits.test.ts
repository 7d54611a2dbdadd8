// Inbound limits and backend protection through the facade: rate limit per key, circuit state in /readyz, URL and header limits.
import net from 'node:net';
import { RateLimiter } from '../../src/http/rate-limit';
import { GatewayError } from '../../src/core/errors';
import { startStack, type Stack } from '../helpers/stack';

const TASK = '5b1f3a52-7cca-11f0-9216-fa163e209978';

const expectProblem = (res: { status: number; headers: Headers; body: any }, status: number, code: string) => {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, code });
};

describe('rate limit per API key (token bucket)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack((config) => {
      config.auth.apiKeys.find((k) => k.name === 'soc-bot')!.rateLimit = { perMinute: 3 };
    });
  });
  afterAll(() => stack.close());

  test('the bucket holds perMinute tokens; then 429 RATE_LIMITED with Retry-After in whole seconds; other keys unaffected', async () => {
    const soc = { key: 'soc-bot-key-456' };
    for (let i = 0; i < 3; i++) expect((await stack.request('GET', '/v1/backends', soc)).status).toBe(200);
    const limited = await stack.request('GET', '/v1/backends', soc);
    expectProblem(limited, 429, 'RATE_LIMITED');
    expect(limited.headers.get('retry-after')).toMatch(/^(19|20)$/);
    expect((await stack.request('GET', '/v1/backends')).status).toBe(200);
    // Counted by key name, never by key.
    const metrics = (await stack.request('GET', '/metrics', { key: null })).text;
    expect(metrics).toMatch(/^taskgate_rate_limited_total\{key="soc-bot"\} 1$/m);
    expect(metrics).not.toMatch(/taskgate_rate_limited_total\{key="sandbox"\}/);
    expect(metrics).not.toContain('soc-bot-key-456');
  });

  test('without a key it is still 401 (the key is checked first)', async () => {
    expectProblem(await stack.request('GET', '/v1/backends', { key: null }), 401, 'UNAUTHENTICATED');
  });
});

test('the bucket refills continuously', () => {
  let now = 0;
  const limiter = new RateLimiter([{ name: 'k', key: 'kkkkkkkk', backends: ['*'], scopes: [], rateLimit: { perMinute: 60 } }], () => now);
  for (let i = 0; i < 60; i++) limiter.take('k');
  expect(() => limiter.take('k')).toThrow(GatewayError);
  now += 999;
  try {
    limiter.take('k');
    throw new Error('should be limited');
  } catch (error) {
    expect((error as GatewayError).context.retryAfter).toBe(1);
  }
  now += 1;
  expect(() => limiter.take('k')).not.toThrow();
  limiter.take('no-limit-configured');
});

describe('circuit breaker through the facade', () => {
  let stack: Stack;
  beforeAll(async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((r) => server.close(r));
    stack = await startStack((config) => {
      const backend = config.backends.secmaster;
      backend.baseUrl = `http://127.0.0.1:${port}`; // nobody listens: connection refused
      backend.circuitBreaker = { failureThreshold: 2, openMs: 60_000 };
      backend.retries = { max: 0 };
    });
  });
  afterAll(() => stack.close());

  test('repeated failures open it: /readyz shows it (still 200), /healthz is unaffected, calls fail fast with Retry-After', async () => {
    const ready = await stack.request('GET', '/readyz');
    expect(ready.body.checks.circuits.secmaster).toBe('closed');
    expect(ready.body.checks.lastFailures.secmaster).toBeNull();
    const before = Date.now();
    for (let i = 0; i < 2; i++) expectProblem(await stack.request('GET', `/v1/backends/secmaster/tasks/${TASK}`), 503, 'BACKEND_UNAVAILABLE');
    const readyz = await stack.request('GET', '/readyz');
    expect(readyz.status).toBe(200);
    expect(readyz.body.checks.circuits.secmaster).toBe('open');
    // Why it opened: the vendor's last failure, with its time; the other backends have none.
    const failure = readyz.body.checks.lastFailures.secmaster;
    expect(failure).toEqual({ code: 'BACKEND_UNAVAILABLE', at: expect.any(String) });
    expect(Date.parse(failure.at)).toBeGreaterThanOrEqual(before - 1000);
    expect(Object.entries(readyz.body.checks.lastFailures).filter(([name]) => name !== 'secmaster').every(([, f]) => f === null)).toBe(true);
    expect((await stack.request('GET', '/healthz')).status).toBe(200);
    const fast = await stack.request('POST', `/v1/backends/secmaster/tasks/${TASK}/actions`, { body: { action: 'approve' } });
    expectProblem(fast, 503, 'BACKEND_UNAVAILABLE');
    expect(fast.body.detail).toMatch(/circuit/);
    expect(fast.headers.get('retry-after')).toBe('60');
    // A call refused by the open circuit never reached the vendor: it is not a new vendor failure.
    expect((await stack.request('GET', '/readyz')).body.checks.lastFailures.secmaster).toEqual(failure);
    expect(stack.logs.some((l) => l.includes('circuit breaker state changed'))).toBe(true);
  });
});

describe('URL and header limits', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  test('a URL over 4096 characters is 400 problem+json', async () => {
    expectProblem(await stack.request('GET', `/v1/backends/secmaster/tasks?name=${'a'.repeat(5000)}`), 400, 'INVALID_REQUEST');
  });

  test('headers over 16 KiB are 400 problem+json, and the gateway keeps serving', async () => {
    const raw = await rawRequest(stack.url, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`);
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    expect(raw).toContain('application/problem+json');
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
    expect((await stack.request('GET', '/healthz')).status).toBe(200);
  });

  test('a task id cannot leave its path segment; `..` is refused before any vendor call (the README curls)', async () => {
    const start = stack.emulators.secmaster.calls.length;
    expectProblem(await stack.request('GET', '/v1/backends/secmaster/tasks/..%2F..%2Fadmin'), 404, 'TASK_NOT_FOUND');
    const paths = stack.emulators.secmaster.calls.slice(start).map((c) => c.path);
    expect(paths.some((p) => p.endsWith('/soc/tasks/..%2F..%2Fadmin'))).toBe(true);
    expect(paths.every((p) => p.startsWith('/v1/15645222e8744afa985c93dab6341da6/workspaces/'))).toBe(true);
    const before = stack.emulators.secmaster.calls.length;
    const raw = await rawRequest(stack.url, 'GET /v1/backends/secmaster/tasks/.. HTTP/1.1\r\nHost: x\r\nX-API-Key: sandbox-key-123\r\nConnection: close\r\n\r\n');
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    expect(raw).toContain('"code":"INVALID_REQUEST"');
    expect(stack.emulators.secmaster.calls.length).toBe(before);
  });

  test('security headers on every answer', async () => {
    const res = await stack.request('GET', '/v1/backends');
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

/** Sends one hand-written HTTP request to the gateway (for what fetch refuses to send) and reads the whole answer. */
function rawRequest(url: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(new URL(url).port), '127.0.0.1');
    let data = '';
    socket.on('data', (c) => (data += c.toString()));
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
    socket.write(text);
  });
}
