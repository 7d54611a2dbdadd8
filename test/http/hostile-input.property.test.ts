// Property-based: thousands of random and hostile requests at the facade; every answer is a success or a
// well-formed problem+json, never a 500, never a hang, and the gateway stays up.
import fc from 'fast-check';
import { ACTION_NAMES } from '../../src/core/actions';
import { startStack, SANDBOX_KEY, type Stack } from '../helpers/stack';

const TASK = '3e4c170e-7cc9-11f0-9216-fa163e209978';
const PRINTABLE = [...' !"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~'];

const printable = (maxLength: number) => fc.string({ unit: fc.constantFrom(...PRINTABLE), maxLength });
const hostileText = fc.oneof(
  fc.constantFrom('..', '.', '../../admin', 'http://evil.test/', '//evil.test', '%2e%2e', '%00', '%', '%zz', '\u0000', '\r\nX-Injected: 1',
    '<script>', "' OR 1=1 --", '${jndi:ldap://x}', '__proto__', 'constructor', 'x'.repeat(300), '\u202e\ud83d\ude00', '\ud800'),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  printable(40),
);
/** A path segment as a client might send it: encoded, or raw with whatever printable characters survive in a URL. */
const segment = fc.oneof(
  hostileText.map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, 'x'))),
  fc.constantFrom('..', '.', '%2e%2e', '%', '%zz', '%00', '%2F', 'a%2Fb', '%E0%A4%A'),
  fc.constantFrom(TASK, 'secmaster', 'ibm', 'oracle', 'k2'),
);
const backend = fc.oneof(fc.constantFrom('secmaster', 'ibm', 'oracle', 'k2'), segment);
const query = fc.array(
  fc.tuple(fc.oneof(fc.constantFrom('dryRun', 'limit', 'offset', 'status', 'include', 'sort', 'name', 'queryType', '__proto__', 'x'), printable(10)), hostileText),
  { maxLength: 4 },
).map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v.replace(/[\ud800-\udfff]/g, 'x'))}`).join('&')}` : ''));
const path = fc.oneof(
  fc.tuple(backend, segment).map(([b, t]) => `/v1/backends/${b}/tasks/${t}/actions`),
  fc.tuple(backend, segment).map(([b, t]) => `/v1/backends/${b}/tasks/${t}`),
  backend.map((b) => `/v1/backends/${b}/tasks`),
  backend.map((b) => `/v1/backends/${b}`),
  fc.constantFrom('/v1/backends', '/v1/actions/batch', '/v1/audit', '/readyz', '/healthz', '/v1', '/', '/v1/backends/secmaster/tasks/a/b/c'),
  fc.array(segment, { maxLength: 5 }).map((parts) => `/${parts.join('/')}`),
);

const actionParams = fc.record(
  {
    action: fc.oneof(fc.constantFrom(...ACTION_NAMES), hostileText),
    comment: fc.oneof(hostileText, fc.integer(), fc.constant(null), fc.constant('c'.repeat(5000))),
    outcome: hostileText,
    to: fc.oneof(fc.record({ id: hostileText, type: fc.oneof(fc.constantFrom('user', 'group'), hostileText) }, { requiredKeys: [] }), hostileText),
    until: fc.oneof(fc.constant('2030-01-01T00:00:00Z'), hostileText),
    durationSeconds: fc.oneof(fc.integer(), fc.double(), fc.constant(1e308)),
    data: fc.dictionary(hostileText, fc.oneof(hostileText, fc.integer()), { maxKeys: 5 }),
    properties: fc.dictionary(hostileText, hostileText, { maxKeys: 5 }),
    name: hostileText,
    commentId: hostileText,
    attachmentId: hostileText,
    priority: fc.oneof(fc.integer(), hostileText),
    items: fc.array(fc.record({ backend, taskId: hostileText, action: fc.constantFrom(...ACTION_NAMES) }), { maxLength: 3 }),
  },
  { requiredKeys: [] },
);
const body = fc.oneof(
  actionParams.map((b) => JSON.stringify(b)),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.constantFrom('{"action":"approve","__proto__":{"admin":true}}', '{"constructor":{"prototype":{"x":1}},"action":"claim"}',
    '['.repeat(5000) + ']'.repeat(5000), '{"action":"approve"', '', 'null', '1e999999', '"\\ud800"', '{"a":' + '1'.repeat(10000) + '}'),
  hostileText,
);
const headers = fc.record(
  {
    key: fc.oneof(fc.constant(SANDBOX_KEY), fc.constant(SANDBOX_KEY), fc.constant('soc-bot-key-456'), printable(20)),
    keyHeader: fc.constantFrom('X-API-Key', 'Authorization'),
    contentType: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/json; charset=utf-16', 'application/problem+json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', ''),
    idempotencyKey: printable(300),
    onBehalfOf: printable(300),
    requestId: printable(150),
  },
  { requiredKeys: ['key', 'keyHeader', 'contentType'] },
);
const method = fc.constantFrom('GET', 'POST', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS');

describe('hostile input', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  async function send(m: string, route: string, h: fc.Arbitrary<any> extends fc.Arbitrary<infer T> ? T : never, text: string | undefined) {
    const hdrs: Record<string, string> = {};
    hdrs[h.keyHeader] = h.keyHeader === 'Authorization' ? `Bearer ${h.key}` : h.key;
    if (h.contentType) hdrs['Content-Type'] = h.contentType;
    if (h.idempotencyKey !== undefined) hdrs['Idempotency-Key'] = h.idempotencyKey;
    if (h.onBehalfOf !== undefined) hdrs['X-On-Behalf-Of'] = h.onBehalfOf;
    if (h.requestId !== undefined) hdrs['X-Request-Id'] = h.requestId;
    const res = await fetch(stack.url + route, {
      method: m,
      headers: hdrs,
      body: m === 'GET' || m === 'OPTIONS' ? undefined : text,
      signal: AbortSignal.timeout(10_000), // a hang fails the property
    });
    const raw = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', raw };
  }

  function wellFormed(answer: { status: number; type: string; raw: string }, context: string): void {
    const fail = (why: string) => {
      throw new Error(`${why}: ${answer.status} ${answer.type} ${answer.raw.slice(0, 300)} <- ${context.slice(0, 300)}`);
    };
    if (answer.status >= 500 && answer.status !== 502 && answer.status !== 503 && answer.status !== 504) fail('a 5xx other than a vendor one');
    if (answer.status >= 400) {
      if (!answer.type.startsWith('application/problem+json')) fail('an error that is not problem+json');
      const problem = JSON.parse(answer.raw);
      for (const member of ['type', 'title', 'status', 'detail', 'code', 'requestId']) if (problem[member] === undefined) fail(`a problem without ${member}`);
      if (problem.status !== answer.status) fail('problem status differs from the HTTP status');
      if (/\n\s+at /.test(answer.raw)) fail('a stack trace in the answer');
    } else if (answer.status >= 200 && answer.status < 300 && answer.raw !== '') {
      JSON.parse(answer.raw);
    }
  }

  test('any method, path, query, headers and body', async () => {
    await fc.assert(
      fc.asyncProperty(method, path, query, headers, body, async (m, p, q, h, b) => {
        wellFormed(await send(m, p + q, h, b), `${m} ${p}${q} ${JSON.stringify(h)} ${b}`);
      }),
      { numRuns: 2000, interruptAfterTimeLimit: 40_000 },
    );
  }, 60_000);

  test('action bodies aimed at the action route of every backend', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('secmaster', 'ibm', 'oracle', 'k2'), segment, fc.constantFrom('', '?dryRun=true', '?dryRun=false', '?dryRun=1'), actionParams, async (b, t, q, params) => {
        const text = JSON.stringify(params);
        wellFormed(await send('POST', `/v1/backends/${b}/tasks/${t}/actions${q}`, { key: SANDBOX_KEY, keyHeader: 'X-API-Key', contentType: 'application/json' }, text), `${b} ${t}${q} ${text}`);
      }),
      { numRuns: 2000, interruptAfterTimeLimit: 40_000 },
    );
  }, 60_000);

  test('the gateway is still up and serving afterwards', async () => {
    expect((await stack.request('GET', '/healthz')).status).toBe(200);
    expect((await stack.request('GET', '/v1/backends')).status).toBe(200);
    expect(stack.logs.filter((l) => l.includes('"unhandled error"')).map((l) => l.slice(0, 300))).toEqual([]);
  });
});
