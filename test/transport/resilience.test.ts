// Resilience of vendor calls, by fault injection (nock, and real refused or reset connections on loopback):
// safe retries only, deadlines, bounded concurrency, circuit breaker.
import http from 'node:http';
import net from 'node:net';
import type { VendorRequest, VendorResponse } from '../../src/core/adapter';
import { GatewayError } from '../../src/core/errors';
import { HttpTransport, neverSent } from '../../src/transport/http';
import { ResilientTransport, type InnerTransport, type ResilienceOptions } from '../../src/transport/resilient-transport';
import { RetryBudget, backoffMs, retryAfterMs } from '../../src/transport/retry-policy';
import { staticAuth } from '../../src/core/auth';
import { translateAction } from '../../adapters/huawei-secmaster/translate';
import { caught } from '../helpers/gateway';
import { assertAllUsed, nock, useVendorMock } from '../helpers/vendor-mock';

const BASE = 'http://vendor.test';
const EVIL = 'http://evil.test';
const GET: VendorRequest = { method: 'GET', path: '/tasks/1', headers: {} };
const PUT: VendorRequest = { method: 'PUT', path: '/tasks/1', headers: { 'Content-Type': 'application/json' }, body: '{"action":"CONTINUE"}' };

const plain = (baseUrl: string, timeoutMs = 5000) => new HttpTransport({ baseUrl, timeoutMs, auth: staticAuth({ 'X-Auth-Token': 'secret-token-xyz' }) });

/** The i-th call goes to the i-th transport (the last one takes the rest): one fault after another. */
function inSequence(...transports: InnerTransport[]): InnerTransport & { calls: number } {
  const inner = {
    calls: 0,
    send: (request: VendorRequest, limits?: Parameters<InnerTransport['send']>[1]) => transports[Math.min(inner.calls++, transports.length - 1)].send(request, limits),
    describe: (request: VendorRequest) => transports[0].describe(request),
  };
  return inner;
}

/** A resilient transport with the schema's defaults, but short backoffs; `retry` is merged into them. */
function transport(options: Omit<Partial<ResilienceOptions>, 'retry'> & { retry?: Partial<ResilienceOptions['retry']> } = {}, timeoutMs = 5000, inner: InnerTransport = plain(BASE, timeoutMs)): ResilientTransport {
  return new ResilientTransport(inner, {
    backend: 'b',
    timeoutMs,
    concurrency: 100,
    circuitBreaker: { failureThreshold: 5, openMs: 30_000 },
    ...options,
    retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5, budgetRatio: 0.2, ...options.retry },
  });
}

/** Runs `work` on jest's fake clock: it moves in 10 ms steps, real I/O (nock's sockets) runs between them. */
async function onFakeClock<T>(work: () => Promise<T>): Promise<T> {
  jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'queueMicrotask'] });
  try {
    let done = false;
    const result = work().finally(() => {
      done = true;
    });
    while (!done) {
      await new Promise((resolve) => setImmediate(resolve));
      await jest.advanceTimersByTimeAsync(10);
    }
    return await result;
  } finally {
    jest.useRealTimers();
  }
}

/** Only Date (what cockatiel's breaker reads) is faked, for the rest of the test: jest.setSystemTime moves it. */
function onlyDateFaked(): void {
  jest.useFakeTimers({ doNotFake: ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] });
}
afterEach(() => jest.useRealTimers());

/** A loopback URL nobody listens on: connections are refused for real. */
async function closedPort(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return `http://127.0.0.1:${port}`;
}

/** A vendor that accepts the request and then resets the connection: it may have acted on it. */
let resetting: { url: string; requests: number; server: http.Server };
beforeAll(async () => {
  const server = http.createServer((req) => {
    resetting.requests += 1;
    req.socket.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  resetting = { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, requests: 0, server };
});
afterAll(() => new Promise<void>((r) => resetting.server.close(() => r())));

// Unmatched calls fail, real connections only to loopback (the refused and reset ones).
useVendorMock({ loopback: true });
/** One interceptor on the vendor at BASE; registered in order, the first not used up answers. */
const at = (method: string, path: string | RegExp = '/tasks/1') => nock(BASE).intercept(path, method);
/** What a reply callback answers: status, body and headers. */
const answer = (status: number, body = '', headers: Record<string, string> = {}): [number, string, Record<string, string>] => [status, body, headers];

describe('retries: only where nothing can have been applied twice', () => {
  test('a GET answered 503 is retried and the retry answer returned', async () => {
    at('GET').reply(503);
    at('GET').reply(200, 'ok');
    const res = await transport().send(GET);
    expect(res).toMatchObject({ status: 200, body: 'ok' });
    assertAllUsed();
  });

  test.each([502, 504])('a GET answered %s is retried', async (status) => {
    at('GET').reply(status);
    at('GET').reply(200, 'ok');
    expect((await transport().send(GET)).status).toBe(200);
    assertAllUsed();
  });

  test('at most 2 retries: the third 503 is handed back', async () => {
    let calls = 0;
    at('GET').times(5).reply(() => {
      calls += 1;
      return answer(503, 'busy');
    });
    expect((await transport().send(GET)).status).toBe(503);
    expect(calls).toBe(3);
  });

  test('a GET answered 500 or 404 is not retried', async () => {
    let calls = 0;
    at('GET').times(3).reply(() => answer(++calls === 1 ? 500 : 200));
    expect((await transport().send(GET)).status).toBe(500);
    expect(calls).toBe(1);
  });

  test('a task action answered 503 is NEVER sent again', async () => {
    let calls = 0;
    at('PUT').times(3).reply(() => answer(++calls === 1 ? 503 : 200));
    expect((await transport().send(PUT)).status).toBe(503);
    expect(calls).toBe(1);
  });

  test('a task action whose connection was reset (it may have arrived) is NEVER sent again', async () => {
    const before = resetting.requests;
    let calls = 0;
    at('PUT').reply(() => answer(200, String(++calls)));
    const inner = inSequence(plain(resetting.url), plain(BASE));
    const error = await caught(transport({}, 5000, inner).send(PUT));
    expect(error.code).toBe('BACKEND_UNAVAILABLE');
    expect(resetting.requests - before).toBe(1);
    expect(inner.calls).toBe(1);
    expect(calls).toBe(0);
  });

  test('a task action refused before any byte was sent (connection refused) is retried', async () => {
    const refused = plain(await closedPort());
    at('PUT').reply(200, 'applied');
    const inner = inSequence(refused, refused, plain(BASE));
    const res = await transport({}, 5000, inner).send(PUT);
    expect(res).toMatchObject({ status: 200, body: 'applied' });
    expect(inner.calls).toBe(3);
  });

  test('a GET whose connection was reset is not retried either (only 502/503/504 answers are)', async () => {
    const before = resetting.requests;
    const inner = inSequence(plain(resetting.url), plain(BASE));
    expect((await caught(transport({}, 5000, inner).send(GET))).code).toBe('BACKEND_UNAVAILABLE');
    // The reset was real (a call nock refused would also fail, without being sent).
    expect(resetting.requests - before).toBe(1);
    expect(inner.calls).toBe(1);
  });

  test('a GET that timed out is not retried (the deadline is spent)', async () => {
    let calls = 0;
    at('GET').times(3).delay(1000).reply(() => answer(200, String(++calls)));
    const error = await caught(transport({}, 200).send(GET));
    expect(error.code).toBe('BACKEND_TIMEOUT');
    expect(calls).toBeLessThanOrEqual(1);
  });

  test("the vendor's Retry-After is honoured: the retry waits for it", async () => {
    const seen: number[] = [];
    at('GET').reply(() => {
      seen.push(Date.now());
      return answer(503, '', { 'Retry-After': '1' });
    });
    at('GET').reply(() => {
      seen.push(Date.now());
      return answer(200, 'ok');
    });
    expect((await onFakeClock(() => transport().send(GET))).status).toBe(200);
    // On the fake clock: the backoff alone would be at most 5 ms.
    expect(seen[1] - seen[0]).toBeGreaterThanOrEqual(1000);
    assertAllUsed();
  });

  test('a Retry-After beyond the deadline means no retry: the 503 is handed back at once', async () => {
    let calls = 0;
    at('GET').times(2).reply(() => answer(++calls === 1 ? 503 : 200, '', { 'Retry-After': '30' }));
    expect((await transport({}, 2000).send(GET)).status).toBe(503);
    expect(calls).toBe(1);
  });

  test('the retry budget caps retries at a share of the calls in flight', async () => {
    const run = async (budgetRatio: number) => {
      let calls = 0;
      at('GET').times(100).delay(20).reply(() => {
        calls += 1;
        return answer(503);
      });
      const t = transport({ retry: { baseDelayMs: 30, maxDelayMs: 30, budgetRatio } });
      await Promise.all(Array.from({ length: 10 }, () => t.send(GET)));
      nock.cleanAll();
      return calls;
    };
    expect(await run(1)).toBe(30); // no budget: every call tries three times
    expect(await run(0.2)).toBeLessThan(20); // 20%: most calls give up after their first try
  });

  test('full-jitter backoff stays within [0, min(max, base * 2^attempt))', () => {
    expect(backoffMs(0, { baseDelayMs: 100, maxDelayMs: 2000 }, () => 0.999)).toBe(99);
    expect(backoffMs(3, { baseDelayMs: 100, maxDelayMs: 2000 }, () => 0.5)).toBe(400);
    expect(backoffMs(10, { baseDelayMs: 100, maxDelayMs: 2000 }, () => 0.999)).toBe(1998);
    expect(backoffMs(2, { baseDelayMs: 100, maxDelayMs: 2000 }, () => 0)).toBe(0);
  });

  test('Retry-After is read as seconds or as an HTTP date', () => {
    const res = (value: string) => ({ status: 503, headers: { 'retry-after': value }, body: '' });
    expect(retryAfterMs(res('3'))).toBe(3000);
    expect(retryAfterMs(res(new Date(10_000).toUTCString()), 4000)).toBe(6000);
    expect(retryAfterMs(res('soon'))).toBeUndefined();
    expect(retryAfterMs({ status: 503, headers: {}, body: '' })).toBeUndefined();
  });

  test('the budget allows at least one retry, and gives slots back', () => {
    const budget = new RetryBudget(0.2);
    const first = budget.take(1);
    expect(first).toBeTruthy();
    expect(budget.take(1)).toBe(false);
    (first as () => void)();
    expect(budget.take(10)).toBeTruthy();
    expect(budget.take(10)).toBeTruthy();
    expect(budget.take(10)).toBe(false);
  });
});

describe('a real refused connection is known to have sent nothing', () => {
  test('connection refused on a closed port: 503, tagged as never sent', async () => {
    const error = await caught(plain(await closedPort(), 2000).send(PUT));
    expect(error.code).toBe('BACKEND_UNAVAILABLE');
    expect(neverSent(error)).toBe(true);
  });
});

describe('deadline', () => {
  test('a vendor slower than timeoutMs gives 504 BACKEND_TIMEOUT', async () => {
    at('PUT').delay(2000).reply(200, 'late');
    const error = await caught(transport({}, 150).send(PUT));
    expect(error.code).toBe('BACKEND_TIMEOUT');
    expect(error.status).toBe(504);
  });

  test('the call deadline ends a try in flight, whatever the transport underneath allows', async () => {
    at('PUT').delay(2000).reply(200, 'late');
    // The try itself may take 60 s: only the call's deadline can end it before the vendor's late answer.
    const error = await caught(transport({}, 150, plain(BASE, 60_000)).send(PUT));
    expect(error).toMatchObject({ code: 'BACKEND_TIMEOUT', message: 'The vendor did not answer within 150 ms' });
  });

  test('time spent fetching a token counts against the try: the call gets only what is left', async () => {
    at('GET').delay(150).reply(200, 'late');
    const slowAuth = { headers: () => new Promise<Record<string, string>>((r) => setTimeout(() => r({ 'X-Auth-Token': 't' }), 150)), secretHeaders: [], refresh: async () => false, secrets: () => [] };
    const inner = new HttpTransport({ baseUrl: BASE, timeoutMs: 250, auth: slowAuth });
    // 150 ms for the token + 150 ms for the answer fit the 250 ms only if the token's time were not counted.
    expect((await caught(inner.send(GET))).code).toBe('BACKEND_TIMEOUT');
  });

  test('time spent waiting for a slot counts against the deadline', async () => {
    at('GET').delay(120).reply(200, 'first');
    at('GET').delay(120).reply(200, 'second');
    const t = transport({ concurrency: 1, retry: { maxRetries: 0 } }, 200, plain(BASE, 60_000));
    const [first, second] = await Promise.allSettled([t.send(GET), t.send(GET)]);
    expect(first).toMatchObject({ status: 'fulfilled', value: { status: 200 } });
    // 120 ms in the queue leaves 80 ms of its 200: not enough for a 120 ms answer.
    expect(second).toMatchObject({ status: 'rejected', reason: { code: 'BACKEND_TIMEOUT' } });
  });

  test('tryTimeoutMs cuts one slow try well before the overall deadline', async () => {
    at('GET').delay(1000).reply(200, 'late');
    const error = await caught(transport({ tryTimeoutMs: 100 }, 5000).send(GET));
    expect(error.code).toBe('BACKEND_TIMEOUT');
  });
});

describe('bounded concurrency', () => {
  test('beyond the in-flight limit calls wait in a short queue; beyond the queue: 503 without calling the vendor', async () => {
    let calls = 0;
    at('GET').times(10).delay(200).reply(() => answer(200, String(++calls)));
    const t = transport({ concurrency: 2, maxQueue: 1 });
    const results = await Promise.allSettled([t.send(GET), t.send(GET), t.send(GET), t.send(GET), t.send(GET)]);
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason as GatewayError);
    expect(ok).toHaveLength(3);
    expect(refused.map((e) => [e.code, e.status])).toEqual([['BACKEND_UNAVAILABLE', 503], ['BACKEND_UNAVAILABLE', 503]]);
    expect(calls).toBe(3);
  });

  test('a queued call whose deadline passes while it waits is a 503: the vendor was not called', async () => {
    // A try that outlives its call's deadline (a token fetch deaf to the abort, say) keeps its slot.
    let calls = 0;
    let finish: () => void = () => undefined;
    const stuck: InnerTransport = {
      send: () => {
        calls += 1;
        return new Promise<VendorResponse>((resolve) => {
          finish = () => resolve({ status: 200, headers: {}, body: '' });
        });
      },
      describe: () => ({ method: 'GET', url: BASE, headers: {}, body: '' }),
    };
    const t = transport({ concurrency: 1, maxQueue: 5, retry: { maxRetries: 0 } }, 100, stuck);
    expect(await caught(t.send(GET))).toMatchObject({ code: 'BACKEND_TIMEOUT', status: 504 });
    expect(t.load()).toEqual({ inFlight: 1, waiting: 0 });
    const queued = await caught(t.send(GET));
    expect(queued).toMatchObject({ code: 'BACKEND_UNAVAILABLE', status: 503 });
    expect(calls).toBe(1);
    finish();
  });
});

describe('circuit breaker', () => {
  test('5 consecutive failures open it; open, it fails fast without calling the vendor; one probe closes it', async () => {
    onlyDateFaked();
    const t = transport({ circuitBreaker: { failureThreshold: 5, openMs: 30_000 }, retry: { maxRetries: 0 } });
    let calls = 0;
    at('PUT').times(5).reply(() => answer(500, String(++calls)));
    for (let i = 0; i < 5; i++) expect((await t.send(PUT)).status).toBe(500);
    expect(t.circuit.state()).toBe('open');
    const fast = await caught(t.send(PUT));
    expect(fast.code).toBe('BACKEND_UNAVAILABLE');
    expect(fast.context.retryAfter).toBe(30);
    expect(calls).toBe(5);

    jest.setSystemTime(Date.now() + 30_000);
    expect(t.circuit.state()).toBe('half-open');
    at('PUT').reply(200, 'ok');
    expect((await t.send(PUT)).status).toBe(200);
    expect(t.circuit.state()).toBe('closed');
  });

  test('network errors and timeouts count; a success in between resets the count; 4xx is not a failure', async () => {
    const t = transport({ circuitBreaker: { failureThreshold: 3, openMs: 30_000 }, retry: { maxRetries: 0 } }, 300, inSequence(plain(resetting.url, 300), plain(BASE, 300)));
    at('PUT').delay(1000).reply(200);
    at('PUT').reply(404);
    at('PUT').reply(502);
    at('PUT').reply(503);
    await caught(t.send(PUT));
    await caught(t.send(PUT));
    expect((await t.send(PUT)).status).toBe(404);
    await t.send(PUT);
    await t.send(PUT);
    expect(t.circuit.state()).toBe('closed');
    at('PUT').reply(500);
    await t.send(PUT);
    expect(t.circuit.state()).toBe('open');
  });

  test('one probe at a time: a call during the probe waits for its verdict; a failed probe opens it again', async () => {
    onlyDateFaked();
    const changes: string[] = [];
    const t = transport({ circuitBreaker: { failureThreshold: 1, openMs: 1000, onChange: (from, to) => changes.push(`${from}>${to}`) }, retry: { maxRetries: 0 } });
    let calls = 0;
    at('PUT').times(2).delay(50).reply(() => answer(500, String(++calls)));
    expect((await t.send(PUT)).status).toBe(500);
    expect(t.circuit.state()).toBe('open');
    jest.setSystemTime(Date.now() + 1000);
    const probe = t.send(PUT);
    const during = caught(t.send(PUT));
    expect((await probe).status).toBe(500);
    expect(await during).toMatchObject({ code: 'BACKEND_UNAVAILABLE', status: 503, context: { retryAfter: 1 } });
    expect(calls).toBe(2);
    expect(t.circuit.state()).toBe('open');
    jest.setSystemTime(Date.now() + 1000);
    at('PUT').reply(200, 'ok');
    expect((await t.send(PUT)).status).toBe(200);
    expect(t.circuit.state()).toBe('closed');
    expect(changes).toEqual(['closed>open', 'open>half-open', 'half-open>open', 'open>half-open', 'half-open>closed']);
  });
});

describe('a rude vendor', () => {
  test('a redirect is never followed: the 3xx is handed back and the other host is not called', async () => {
    const evil = nock(EVIL).get(/.*/).reply(200, 'followed');
    at('GET').reply(302, '', { Location: 'http://evil.test/steal' });
    expect((await transport().send(GET)).status).toBe(302);
    expect(evil.isDone()).toBe(false);
  });

  test('an answer over maxResponseBytes is refused with 502 BACKEND_ERROR', async () => {
    const small = new HttpTransport({ baseUrl: BASE, timeoutMs: 5000, maxResponseBytes: 1024, auth: staticAuth({ 'X-Auth-Token': 't' }) });
    at('GET').reply(200, 'x'.repeat(4096));
    expect((await caught(small.send(GET))).code).toBe('BACKEND_ERROR');
  });
});

describe('a task id can never change the target', () => {
  const opts = { projectId: 'p', workspaceId: 'w' };
  test.each(['..', '.'])('task id %j is refused before anything is sent', async (taskId) => {
    const [call] = translateAction({ backend: 'b', taskId, action: 'add_comment', comment: 'x' }, opts);
    const error = await caught(transport().send(call.request));
    expect(error.code).toBe('INVALID_REQUEST');
  });

  test.each(['../../admin', 'http://evil.test/x', '//evil.test', '?admin=1#x', 'a\\..\\b', '%2e%2e', '%2F..'])('task id %j stays one encoded path segment', async (taskId) => {
    const evil = nock(EVIL).persist().intercept(/.*/, 'GET').reply(200).intercept(/.*/, 'PUT').reply(200);
    let seen = '';
    // The path exactly as it arrives on the (mocked) socket.
    nock(BASE).intercept((path) => {
      seen = path;
      return true;
    }, 'PUT').reply(200, '{}');
    const [call] = translateAction({ backend: 'b', taskId, action: 'add_comment', comment: 'x' }, opts);
    await transport().send(call.request);
    expect(seen).toBe(`/v1/p/workspaces/w/soc/tasks/${encodeURIComponent(taskId)}`);
    expect(evil.isDone()).toBe(false);
  });

  test('a path with a raw or percent-encoded dot segment is never sent, whichever adapter built it', async () => {
    for (const path of ['/a/../b', '/a/%2e%2E/b', '/a/.%2e', '/a/./b', '/a\\b', '/a#b', '//evil.test/x']) {
      expect((await caught(transport().send({ method: 'GET', path, headers: {} }))).code).toBe('INVALID_REQUEST');
    }
  });

  test('an absolute URL as a path never reaches another host', async () => {
    const error = await caught(transport().send({ method: 'GET', path: 'http://evil.test/x', headers: {} }));
    expect(error.code).toBe('INVALID_REQUEST');
  });
});
