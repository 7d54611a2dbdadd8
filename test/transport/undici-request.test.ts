// Vendor calls over undici: what a vendor receives (what axios sent), compressed answers, limits, timeouts, failures, proxies.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import http from 'node:http';
import type net from 'node:net';
import zlib from 'node:zlib';
import axios from 'axios';
import { HttpTransport } from '../../src/transport/http';
import { staticAuth } from '../../src/core/auth';
import fc from 'fast-check';
import type { Dispatcher } from 'undici';
import { envProxyFor, locate, routeVendorCallsThrough } from '../../src/transport/undici-request';
import { neverSent } from '../../src/transport/http';
import { caught } from '../helpers/gateway';
import { useVendorMock } from '../helpers/vendor-mock';

type Handler = (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void;

/** A real vendor on loopback whose answer each test sets. */
let handler: Handler;
let server: http.Server;
let base: string;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, Buffer.concat(chunks).toString(), res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/base`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((r) => server.close(() => r()));
});

const transport = (options: { timeoutMs?: number; maxResponseBytes?: number } = {}) =>
  new HttpTransport({ baseUrl: base, timeoutMs: options.timeoutMs ?? 5000, maxResponseBytes: options.maxResponseBytes, auth: staticAuth({ 'X-Auth-Token': 'tok-1' }) });

test('a vendor receives what axios sent: its path under baseUrl, auth, length, the same User-Agent and Accept-Encoding', async () => {
  let seen: { method?: string; url?: string; headers: http.IncomingHttpHeaders; body: string } = { headers: {}, body: '' };
  handler = (req, body, res) => {
    seen = { method: req.method, url: req.url, headers: req.headers, body };
    res.end('ok');
  };
  const res = await transport().send({ method: 'PUT', path: '/tasks/a%2Fb?x=1', headers: { 'Content-Type': 'application/json' }, body: '{"é":1}' });
  expect(res).toMatchObject({ status: 200, body: 'ok' });
  expect(seen).toMatchObject({ method: 'PUT', url: '/base/tasks/a%2Fb?x=1', body: '{"é":1}' });
  expect(seen.headers).toMatchObject({
    'content-type': 'application/json', 'content-length': String(Buffer.byteLength('{"é":1}')), 'x-auth-token': 'tok-1',
    'user-agent': `axios/${axios.VERSION}`, 'accept-encoding': 'gzip, compress, deflate, br', accept: axios.defaults.headers.common.Accept,
  });
});

test("an adapter's own Accept header wins over axios's default one", async () => {
  let accept: string | undefined;
  handler = (req, _body, res) => {
    accept = req.headers.accept;
    res.end();
  };
  await transport().send({ method: 'GET', path: '/t', headers: { accept: 'application/xml' } });
  expect(accept).toBe('application/xml');
});

test('header values are cleaned as axios cleaned them: control characters and non-latin1 removed, ends trimmed', async () => {
  let seen: http.IncomingHttpHeaders = {};
  handler = (req, _body, res) => {
    seen = req.headers;
    res.end();
  };
  await transport().send({ method: 'GET', path: '/t', headers: { 'X-Note': ' a\r\nb\u0000c\u2028d\té ', 'x-auth-token': 'ignored' } });
  expect(seen['x-note']).toBe(Buffer.from('abcd\té', 'latin1').toString('latin1'));
  // The configured credential wins over an adapter's header of the same name, whatever its case.
  expect(seen['x-auth-token']).toBe('tok-1');
});

test('a bodiless request carries no Content-Type of its own', async () => {
  let headers: http.IncomingHttpHeaders = {};
  handler = (req, _body, res) => {
    headers = req.headers;
    res.end();
  };
  await transport().send({ method: 'POST', path: '/claim', headers: {} });
  expect(headers['content-type']).toBeUndefined();
});

test.each([
  ['gzip', zlib.gzipSync],
  ['deflate', zlib.deflateSync],
  ['deflate', zlib.deflateRawSync],
  ['br', zlib.brotliCompressSync],
])('a %s answer is decoded and its Content-Encoding dropped', async (encoding, compress) => {
  handler = (_req, _body, res) => {
    res.writeHead(200, { 'Content-Encoding': encoding, 'Content-Type': 'application/json' });
    res.end(compress(Buffer.from('\uFEFF{"ok":true}')));
  };
  const res = await transport().send({ method: 'GET', path: '/t', headers: {} });
  expect(res.body).toBe('{"ok":true}');
  expect(res.headers['content-encoding']).toBeUndefined();
  expect(res.headers['content-type']).toBe('application/json');
});

test('the size limit applies to the decoded answer: a small gzip bomb is refused with 502', async () => {
  handler = (_req, _body, res) => {
    res.writeHead(200, { 'Content-Encoding': 'gzip' });
    res.end(zlib.gzipSync(Buffer.alloc(1024 * 1024)));
  };
  const error = await caught(transport({ maxResponseBytes: 64 * 1024 }).send({ method: 'GET', path: '/t', headers: {} }));
  expect(error).toMatchObject({ code: 'BACKEND_ERROR', status: 502 });
});

test('an answer that is not valid gzip is a failed call, not a crash', async () => {
  handler = (_req, _body, res) => {
    res.writeHead(200, { 'Content-Encoding': 'gzip' });
    res.end('not gzip at all');
  };
  expect((await caught(transport().send({ method: 'GET', path: '/t', headers: {} }))).code).toBe('BACKEND_UNAVAILABLE');
});

test('a vendor that never answers is a 504 BACKEND_TIMEOUT after the try timeout', async () => {
  handler = () => undefined;
  const started = Date.now();
  const error = await caught(transport({ timeoutMs: 150 }).send({ method: 'GET', path: '/slow', headers: {} }));
  expect(error).toMatchObject({ code: 'BACKEND_TIMEOUT', status: 504 });
  expect(Date.now() - started).toBeLessThan(2000);
});

test('a connection cut in the middle of an answer fails the call', async () => {
  handler = (_req, _body, res) => {
    res.writeHead(200, { 'Content-Length': '100' });
    res.write('partial');
    setTimeout(() => res.socket?.destroy(), 10);
  };
  expect((await caught(transport().send({ method: 'GET', path: '/cut', headers: {} }))).code).toBe('BACKEND_UNAVAILABLE');
});

test('credentials in the base URL travel as Basic, as node:http sent them', async () => {
  let authorization: string | undefined;
  handler = (req, _body, res) => {
    authorization = req.headers.authorization;
    res.end();
  };
  const withUser = new HttpTransport({ baseUrl: base.replace('http://', 'http://us%40er:p%3Ass@'), timeoutMs: 5000, auth: staticAuth({ 'X-Auth-Token': 't' }) });
  await withUser.send({ method: 'GET', path: '/t', headers: {} });
  expect(authorization).toBe(`Basic ${Buffer.from('us@er:p:ss').toString('base64')}`);
});

test('an answer over the limit is refused while it arrives, without decoding', async () => {
  handler = (_req, _body, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('x'.repeat(70 * 1024));
  };
  const error = await caught(transport({ maxResponseBytes: 64 * 1024 }).send({ method: 'GET', path: '/t', headers: {} }));
  expect(error).toMatchObject({ code: 'BACKEND_ERROR', status: 502 });
});

test('a vendor that closes the connection before answering fails the call as a reset: it may have acted', async () => {
  handler = (req) => req.socket.destroy();
  const error = await caught(transport().send({ method: 'PUT', path: '/t', headers: {}, body: '{}' }));
  expect(error.code).toBe('BACKEND_UNAVAILABLE');
  expect(error.message).toContain('ECONNRESET');
  expect(neverSent(error)).toBe(false);
});

test('a repeated header node:http kept once is read once; others are joined as node:http joined them', async () => {
  handler = (_req, _body, res) => {
    res.setHeader('Content-Type', ['application/json', 'text/plain']);
    res.setHeader('X-Note', ['a', 'b']);
    res.end('{}');
  };
  const res = await transport().send({ method: 'GET', path: '/t', headers: {} });
  expect(res.headers['content-type']).toBe('application/json');
  expect(res.headers['x-note']).toBe('a, b');
});

test('a connection failure after undici started writing the request is not "never sent": the vendor may have it', async () => {
  const controller = { aborted: false, paused: false, reason: null, abort: () => undefined, pause: () => undefined, resume: () => undefined };
  routeVendorCallsThrough({
    dispatch: (_options: unknown, handler: Dispatcher.DispatchHandler) => {
      handler.onRequestStart?.(controller, null);
      handler.onResponseError?.(controller, Object.assign(new Error('no route'), { code: 'EHOSTUNREACH' }));
      return true;
    },
  } as unknown as Dispatcher);
  try {
    const error = await caught(transport().send({ method: 'PUT', path: '/t', headers: {}, body: '{}' }));
    expect(error.code).toBe('BACKEND_UNAVAILABLE');
    expect(neverSent(error)).toBe(false);
  } finally {
    routeVendorCallsThrough(undefined);
  }
});

describe('through a mocked dispatcher (undici MockAgent, as the other unit tests use it)', () => {
  const vendors = useVendorMock();
  const mocked = () => new HttpTransport({ baseUrl: 'http://vendor.test/api', timeoutMs: 1000, auth: staticAuth({ 'X-Auth-Token': 't' }) });

  test('the call reaches the MockAgent with the full path and what the transport added', async () => {
    vendors().get('http://vendor.test').intercept({ path: '/api/x?y=1', method: 'GET', headers: { 'x-auth-token': 't', 'user-agent': `axios/${axios.VERSION}` } })
      .reply(200, 'from the mock', { headers: { 'set-cookie': ['a=1', 'b=2'] } });
    const res = await mocked().send({ method: 'GET', path: '/x?y=1', headers: {} });
    expect(res).toMatchObject({ status: 200, body: 'from the mock', headers: { 'set-cookie': 'a=1, b=2' } });
    vendors().assertNoPendingInterceptors();
  });

  test.each([
    ['UND_ERR_CONNECT_TIMEOUT', 'BACKEND_UNAVAILABLE', true],
    ['ECONNREFUSED', 'BACKEND_UNAVAILABLE', true],
    ['UND_ERR_SOCKET', 'BACKEND_UNAVAILABLE', false],
    ['UND_ERR_HEADERS_TIMEOUT', 'BACKEND_TIMEOUT', false],
  ])('undici failing with %s is %s (never sent: %s)', async (code, expected, notSent) => {
    vendors().get('http://vendor.test').intercept({ path: '/api/x', method: 'PUT' }).replyWithError(Object.assign(new Error(code), { code }));
    const error = await caught(mocked().send({ method: 'PUT', path: '/x', headers: {}, body: '{}' }));
    expect(error.code).toBe(expected);
    expect(neverSent(error)).toBe(notSent);
  });
});

describe('proxies from the environment', () => {
  test.each([
    [{ HTTPS_PROXY: 'http://proxy:3128' }, 'https://vendor.example', true],
    [{ https_proxy: 'http://proxy:3128' }, 'http://vendor.example', false],
    [{ http_proxy: 'http://proxy:3128' }, 'http://vendor.example', true],
    [{ ALL_PROXY: 'http://proxy:3128' }, 'http://vendor.example', true],
    [{ npm_config_proxy: 'http://proxy:3128' }, 'https://vendor.example', true],
    [{ NO_PROXY: '*' }, 'http://vendor.example', false],
    [{}, 'https://vendor.example', false],
  ])('%j for %s: axios own adapter (which reads them) is %s', (env, url, expected) => {
    expect(envProxyFor(url, env)).toBe(expected);
  });

  test('with HTTP_PROXY set, a backend sends through axios and its own adapter (which reads it); otherwise straight over undici', () => {
    const clientOf = (t: HttpTransport) => (t as unknown as { client?: { defaults: { adapter: unknown } } }).client;
    const make = () => new HttpTransport({ baseUrl: 'http://vendor.example/api', timeoutMs: 1000, auth: staticAuth({ 'X-Auth-Token': 't' }) });
    expect(clientOf(make())).toBeUndefined();
    process.env.HTTP_PROXY = 'http://127.0.0.1:3128';
    try {
      expect(clientOf(make())?.defaults.adapter).toEqual(axios.defaults.adapter);
    } finally {
      delete process.env.HTTP_PROXY;
    }
  });
});

test('the path sent is the one the URL parser makes of base + path, with or without the parser on the way', () => {
  const chars = [...'aZ09-._~!$&()*+,;=:@%/?\'" <>{}`|^#[]\\.é'];
  fc.assert(fc.property(
    fc.constantFrom('http://v.test', 'http://v.test/', 'http://v.test/base', 'http://v.test/base/', 'https://u:p@v.test:8443/a%20b', 'http://[::1]:9/x',
      'http://v.test/api\\', 'http://V.TEST:80/a', 'http://v.test/a b', 'http://v.test/a?q=1', 'https://v.test/a%2e%2e/b'),
    fc.array(fc.constantFrom(...chars), { maxLength: 24 }).map((c) => `/${c.join('')}`),
    (baseUrl, path) => {
      const target = { baseUrl: baseUrl.replace(/\/+$/, ''), maxContentLength: 1 } as Parameters<typeof locate>[0];
      let expected: URL;
      try {
        expected = new URL(`${target.baseUrl}/${path.replace(/^\/+/, '')}`);
      } catch {
        return;
      }
      const got = locate(target, path);
      expect([got.protocol, got.host, got.hostname, got.port, got.username, got.password, got.pathname, got.search])
        .toEqual([expected.protocol, expected.host, expected.hostname, expected.port, expected.username, expected.password, expected.pathname, expected.search]);
    },
  ), { numRuns: 2000 });
});

describe('a vendor that never accepts the connection', () => {
  /** A listener whose accept queue is full and that never accepts: connecting hangs (python3, as node always accepts). */
  let listener: ChildProcessWithoutNullStreams;
  let port: number;
  beforeAll(async () => {
    listener = spawn('python3', ['-c', [
      'import socket, sys, time',
      's = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0); port = s.getsockname()[1]',
      'fill = []',
      'for i in range(3):',
      '    c = socket.socket(); c.setblocking(False)',
      '    try: c.connect(("127.0.0.1", port))',
      '    except BlockingIOError: pass',
      '    fill.append(c)',
      'print(port, flush=True); time.sleep(60)',
    ].join('\n')]);
    port = Number(await new Promise<string>((resolve) => listener.stdout.once('data', (d: Buffer) => resolve(d.toString()))));
  });
  afterAll(() => listener.kill());

  test('fails at the connect timeout, exactly, as never sent (safe to retry), not at the later try timeout', async () => {
    const t = new HttpTransport({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 480, connectTimeoutMs: 300, auth: staticAuth({ 'X-Auth-Token': 't' }) });
    const started = performance.now();
    const error = await caught(t.send({ method: 'PUT', path: '/t', headers: {}, body: '{}' }));
    expect(error.code).toBe('BACKEND_UNAVAILABLE');
    expect(neverSent(error)).toBe(true);
    expect(performance.now() - started).toBeLessThan(470);
  });
});
