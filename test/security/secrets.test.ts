// No configured credential, inbound or outbound, ever shows: every answer, header, log line, metric and audit row is searched for them.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBackend } from '../../src/compose';
import { startStack, SANDBOX_KEY, type Stack } from '../helpers/stack';

const ECHO_TOKEN = 'echo-secret-token-777';

/** A rude vendor: every answer repeats the credentials it was sent, in an error message and in a header. */
async function echoVendor(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const told = `token ${req.headers['x-auth-token']} auth ${req.headers.authorization}`;
    const status = req.method === 'GET' && req.url?.includes('/tasks?') ? 500 : 400;
    res.writeHead(status, { 'Content-Type': 'application/json', 'X-Echo': told });
    res.end(JSON.stringify({ code: 'SecMaster.00010001', message: `rejected: ${told}`, error_msg: told }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe('credentials never leave the gateway', () => {
  let stack: Stack;
  let echo: Awaited<ReturnType<typeof echoVendor>>;
  const seen: string[] = [];

  beforeAll(async () => {
    echo = await echoVendor();
    stack = await startStack((config) => {
      config.backends.echo = {
        ...config.backends.secmaster,
        baseUrl: echo.url,
        auth: { type: 'token', token: ECHO_TOKEN },
      };
    });
  });
  afterAll(async () => {
    await stack.close();
    await echo.close();
  });

  const record = async (method: string, route: string, body?: unknown, key: string | null = SANDBOX_KEY) => {
    const res = await stack.request(method, route, { body, key });
    seen.push(`${method} ${route} -> ${res.status}\n${[...res.headers.entries()].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${res.text}`);
    return res;
  };

  test('exercise every route against every backend, the rude one included', async () => {
    for (const backend of Object.keys(stack.config.backends)) {
      await record('GET', `/v1/backends/${backend}`);
      await record('GET', `/v1/backends/${backend}/tasks?limit=2`);
      await record('GET', `/v1/backends/${backend}/tasks/no-such-task`);
      await record('POST', `/v1/backends/${backend}/tasks/no-such-task/actions`, { action: 'approve', comment: 'c' });
      await record('POST', `/v1/backends/${backend}/tasks/no-such-task/actions?dryRun=true`, { action: 'approve', comment: 'c' });
      await record('POST', `/v1/backends/${backend}/tasks/no-such-task/actions?dryRun=true`, { action: 'claim' });
      await record('POST', `/v1/backends/${backend}/tasks/t1/actions?dryRun=true`, { action: 'custom', name: 'x' });
    }
    await record('POST', '/v1/actions/batch', { items: Object.keys(stack.config.backends).map((backend) => ({ backend, taskId: 'no-such-task', action: 'approve' })) });
    await record('GET', '/v1/backends', undefined, 'wrong-key-but-long');
    for (const route of ['/v1/audit?limit=100', '/metrics', '/readyz', '/healthz', '/openapi.json', '/v1/events?limit=500', '/v1/webhooks', '/v1/webhooks/sandbox/deliveries', '/v1/tasks']) await record('GET', route);
    const echoed = seen.filter((s) => s.startsWith('GET /v1/backends/echo/tasks/no-such-task'));
    expect(echoed[0]).toContain('rejected: token ***'); // the rude vendor's message is passed on, scrubbed
  });

  test('no configured secret appears in any answer, header, log line, metric or audit row', () => {
    const secrets = [
      ...Object.entries(stack.config.backends).flatMap(([name, b]) => createBackend(name, b).auth.secrets()),
      ...stack.config.auth.apiKeys.map((k) => k.key),
      // A webhook secret, and the key it stands for (the base64 after whsec_).
      ...stack.config.events.webhooks.flatMap((w) => [w.secret, w.secret.slice('whsec_'.length)]),
    ].filter((s) => s.length >= 6);
    expect(secrets).toContain(stack.config.events.webhooks[0]!.secret);
    expect(secrets).toContain(ECHO_TOKEN);
    const everything = [...seen, ...stack.logs].join('\n');
    expect(everything.length).toBeGreaterThan(10_000);
    for (const secret of secrets) {
      const at = everything.indexOf(secret);
      if (at >= 0) throw new Error(`secret found: ...${everything.slice(Math.max(0, at - 200), at + 50).replace(secret, '<SECRET>')}`);
    }
  });
});
