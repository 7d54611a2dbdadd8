// Huawei IAM password auth (adapters/huawei-secmaster/auth.ts; IAM mocked with nock): the token request, X-Subject-Token, caching until shortly before expiry, one shared fetch.
import net from 'node:net';
import { createIamAuth, REFRESH_MARGIN_MS, type IamPasswordConfig } from '../../../adapters/huawei-secmaster/auth';
import { GatewayError } from '../../../src/core/errors';
import type { OutgoingRequest } from '../../../src/core/ports';
import { HttpTransport } from '../../../src/transport/http';
import { nock, useVendorMock } from '../../helpers/vendor-mock';

const IAM = 'https://iam.test';
const REQ: OutgoingRequest = { method: 'GET', url: 'https://secmaster.test/v1/p/workspaces/w/soc/tasks/t', headers: {} };
const NO_AUTH = { headers: async () => ({}), secretHeaders: [], refresh: async () => false, secrets: () => [] };
const iam = (timeoutMs: number, baseUrl = IAM) => new HttpTransport({ baseUrl, timeoutMs, auth: NO_AUTH });
const CONFIG: IamPasswordConfig = { type: 'iam-password', iamUrl: IAM, domain: 'acme', username: 'gw-user', password: 'iam-P@ss-42', project: 'ap-southeast-1' };

/** IAM's answer to a token request: status, body and headers, as a nock reply callback returns them. */
function tokenReply(token: string, expiresAt: Date): [number, string, Record<string, string>] {
  return [201, JSON.stringify({ token: { expires_at: expiresAt.toISOString() } }), { 'X-Subject-Token': token }];
}

// Unmatched calls fail and no real connection is made (but where a test allows one).
useVendorMock();
/** POST /v3/auth/tokens on IAM, whatever its query string. */
const tokenRequest = () => nock(IAM).intercept((path) => path.split('?')[0] === '/v3/auth/tokens', 'POST');

test('POST /v3/auth/tokens with the password method and project scope; the token comes from X-Subject-Token', async () => {
  let sent: any;
  tokenRequest().reply(async (request: Request) => {
    sent = await request.json();
    return tokenReply('tok-1', new Date(Date.now() + 24 * 3_600_000));
  });
  const auth = createIamAuth(CONFIG, iam(2000));
  expect(await auth.headers(REQ)).toEqual({ 'X-Auth-Token': 'tok-1' });
  expect(sent).toEqual({
    auth: {
      identity: { methods: ['password'], password: { user: { domain: { name: 'acme' }, name: 'gw-user', password: 'iam-P@ss-42' } } },
      scope: { project: { name: 'ap-southeast-1' } },
    },
  });
  expect(auth.secretHeaders).toEqual(['X-Auth-Token']);
});

test('the token is cached until shortly before it expires, then fetched again', async () => {
  let now = Date.parse('2026-01-01T00:00:00Z');
  let fetches = 0;
  tokenRequest().times(3).reply(() => tokenReply(`tok-${++fetches}`, new Date(now + 24 * 3_600_000)));
  const auth = createIamAuth(CONFIG, iam(2000), () => now);
  expect((await auth.headers(REQ))['X-Auth-Token']).toBe('tok-1');
  now += 23 * 3_600_000;
  expect((await auth.headers(REQ))['X-Auth-Token']).toBe('tok-1');
  now += 3_600_000 - REFRESH_MARGIN_MS; // inside the margin before expiry
  expect((await auth.headers(REQ))['X-Auth-Token']).toBe('tok-2');
  expect(fetches).toBe(2);
});

test('concurrent requests share one token fetch', async () => {
  let fetches = 0;
  tokenRequest().times(20).delay(50).reply(() => tokenReply(`tok-${++fetches}`, new Date(Date.now() + 86_400_000)));
  const auth = createIamAuth(CONFIG, iam(2000));
  const all = await Promise.all(Array.from({ length: 20 }, () => auth.headers(REQ)));
  expect(new Set(all.map((h) => h['X-Auth-Token']))).toEqual(new Set(['tok-1']));
  expect(fetches).toBe(1);
});

test('refresh() after the vendor said the token expired fetches a new one; concurrent refreshes share it', async () => {
  let now = 1_000_000;
  let fetches = 0;
  tokenRequest().times(5).reply(() => tokenReply(`tok-${++fetches}`, new Date(now + 86_400_000)));
  const auth = createIamAuth(CONFIG, iam(2000), () => now);
  await auth.headers(REQ);
  now += 60_000;
  expect(await Promise.all([auth.refresh(), auth.refresh(), auth.refresh()])).toEqual([true, true, true]);
  const after = await Promise.all([auth.headers(REQ), auth.headers(REQ)]);
  expect(after.map((h) => h['X-Auth-Token'])).toEqual(['tok-2', 'tok-2']);
  expect(fetches).toBe(2);
});

test('the password and the token now in use are the secrets (to be scrubbed)', async () => {
  let now = 0;
  let fetches = 0;
  tokenRequest().times(2).reply(() => tokenReply(`tok-${++fetches}`, new Date(now + 86_400_000)));
  const auth = createIamAuth(CONFIG, iam(2000), () => now);
  expect(auth.secrets()).toEqual(['iam-P@ss-42']);
  await auth.headers(REQ);
  expect(auth.secrets()).toEqual(['iam-P@ss-42', 'tok-1']);
  now += 10_000;
  await auth.refresh();
  await auth.headers(REQ);
  expect(auth.secrets()).toEqual(['iam-P@ss-42', 'tok-2']);
});

test.each([
  [401, 'BACKEND_AUTH_FAILED'],
  [403, 'BACKEND_AUTH_FAILED'],
  [500, 'BACKEND_ERROR'],
  [429, 'BACKEND_UNAVAILABLE'],
])('IAM answering %s is %s, and nothing IAM said is passed on', async (status, code) => {
  tokenRequest().reply(status, { error: { message: 'user gw-user password iam-P@ss-42 wrong' } });
  const auth = createIamAuth(CONFIG, iam(2000));
  const error = await auth.headers(REQ).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(GatewayError);
  expect((error as GatewayError).code).toBe(code);
  expect(JSON.stringify({ message: (error as GatewayError).message, context: (error as GatewayError).context })).not.toMatch(/iam-P@ss-42|gw-user/);
});

test('a 201 without X-Subject-Token is a 502, and IAM down is a 503', async () => {
  tokenRequest().reply(201, '{}');
  await expect(createIamAuth(CONFIG, iam(2000)).headers(REQ)).rejects.toMatchObject({ code: 'BACKEND_ERROR' });
  // IAM down: a real refused connection on a loopback port nobody listens on.
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  nock.enableNetConnect(/^127\.0\.0\.1:\d+$/);
  try {
    // ECONNREFUSED: the connection was really tried (a call nock refused fails with BACKEND_UNAVAILABLE too).
    await expect(createIamAuth(CONFIG, iam(2000, `http://127.0.0.1:${port}`)).headers(REQ)).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE', message: expect.stringContaining('ECONNREFUSED') });
  } finally {
    nock.disableNetConnect();
  }
});
