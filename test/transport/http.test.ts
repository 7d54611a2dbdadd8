// Vendor calls on axios (HttpTransport): what a vendor receives, compressed answers, limits, timeouts, failures, proxies.
// Request shapes through nock; refused, reset, slow and cut connections on real loopback sockets.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import http from 'node:http';
import type net from 'node:net';
import zlib from 'node:zlib';
import axios from 'axios';
import { HttpTransport, neverSent, USER_AGENT } from '../../src/transport/http';
import { proxyConfigured } from '../../src/transport/node-adapter';
import { staticAuth } from '../../src/core/auth';
import { version } from '../../package.json';
import { caught } from '../helpers/gateway';
import { assertAllUsed, nock, useVendorMock } from '../helpers/vendor-mock';

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

test('a vendor receives its path under baseUrl, auth, length, User-Agent taskgate/<version>, axios Accept and Accept-Encoding', async () => {
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
    'user-agent': `taskgate/${version}`, 'accept-encoding': 'gzip, compress, deflate, br', accept: axios.defaults.headers.common.Accept,
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

test('header values are cleaned by axios: control characters removed, ends trimmed; the credential wins', async () => {
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

test.each([
  ['gzip', 'not gzip at all'],
  ['deflate', 'not deflate either'],
  ['br', 'nor brotli'],
])('a corrupt %s answer is 502 BACKEND_ERROR, never 503: the vendor answered and may have acted', async (encoding, body) => {
  handler = (_req, _body, res) => {
    res.writeHead(200, { 'Content-Encoding': encoding });
    res.end(body);
  };
  const error = await caught(transport().send({ method: 'PUT', path: '/t', headers: {}, body: '{}' }));
  expect(error).toMatchObject({ code: 'BACKEND_ERROR', status: 502 });
  expect(neverSent(error)).toBe(false);
});

test('a vendor that never answers is a 504 BACKEND_TIMEOUT after the try timeout', async () => {
  handler = () => undefined;
  const error = await caught(transport({ timeoutMs: 150 }).send({ method: 'GET', path: '/slow', headers: {} }));
  expect(error).toMatchObject({ code: 'BACKEND_TIMEOUT', status: 504 });
});

test('a connection cut in the middle of an answer is 502 BACKEND_ERROR: the vendor had answered', async () => {
  handler = (_req, _body, res) => {
    res.writeHead(200, { 'Content-Length': '100' });
    res.write('partial');
    setTimeout(() => res.socket?.destroy(), 10);
  };
  expect(await caught(transport().send({ method: 'GET', path: '/cut', headers: {} }))).toMatchObject({ code: 'BACKEND_ERROR', status: 502 });
});

test('credentials in the base URL travel as Basic (axios reads them from the URL)', async () => {
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

test('a repeated header node:http keeps once is read once; others are joined as node:http joins them', async () => {
  handler = (_req, _body, res) => {
    res.setHeader('Content-Type', ['application/json', 'text/plain']);
    res.setHeader('X-Note', ['a', 'b']);
    res.end('{}');
  };
  const res = await transport().send({ method: 'GET', path: '/t', headers: {} });
  expect(res.headers['content-type']).toBe('application/json');
  expect(res.headers['x-note']).toBe('a, b');
});

describe('through nock (the real axios instance and adapter; only the socket is mocked)', () => {
  useVendorMock();
  const mocked = () => new HttpTransport({ baseUrl: 'http://vendor.test/api', timeoutMs: 1000, auth: staticAuth({ 'X-Auth-Token': 't' }) });

  test('the call reaches the vendor with the full path, the credential and User-Agent taskgate/<version>', async () => {
    nock('http://vendor.test', { reqheaders: { 'x-auth-token': 't', 'user-agent': USER_AGENT } }).get('/api/x?y=1')
      .reply(200, 'from the mock', { 'Set-Cookie': ['a=1', 'b=2'] });
    const res = await mocked().send({ method: 'GET', path: '/x?y=1', headers: {} });
    expect(USER_AGENT).toBe(`taskgate/${version}`);
    expect(res).toMatchObject({ status: 200, body: 'from the mock', headers: { 'set-cookie': 'a=1, b=2' } });
    assertAllUsed();
  });

  test('a redirect is never followed: the 3xx is handed back, the other host is not called', async () => {
    const elsewhere = nock('http://elsewhere.test').get('/steal').reply(200, 'followed');
    nock('http://vendor.test').get('/api/x').reply(307, '', { Location: 'http://elsewhere.test/steal' });
    const res = await mocked().send({ method: 'GET', path: '/x', headers: {} });
    expect(res).toMatchObject({ status: 307, headers: { location: 'http://elsewhere.test/steal' } });
    expect(elsewhere.isDone()).toBe(false);
  });

  test('every status is handed back as it is, with its body as text (no JSON parsing)', async () => {
    nock('http://vendor.test').put('/api/x', '{"a":1}').reply(500, '{"error":"boom"}', { 'Content-Type': 'application/json' });
    const res = await mocked().send({ method: 'PUT', path: '/x', headers: { 'Content-Type': 'application/json' }, body: '{"a":1}' });
    expect(res).toMatchObject({ status: 500, body: '{"error":"boom"}' });
  });

  test('an answer over maxResponseBytes is 502 BACKEND_ERROR', async () => {
    nock('http://vendor.test').get('/api/x').reply(200, 'x'.repeat(2048));
    const small = new HttpTransport({ baseUrl: 'http://vendor.test/api', timeoutMs: 1000, maxResponseBytes: 1024, auth: staticAuth({ 'X-Auth-Token': 't' }) });
    expect(await caught(small.send({ method: 'GET', path: '/x', headers: {} }))).toMatchObject({ code: 'BACKEND_ERROR', status: 502 });
  });

});

describe('failures before any byte was sent (real sockets and a real DNS lookup)', () => {
  test('connection refused: 503, tagged as never sent', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const { port } = closed.address() as net.AddressInfo;
    await new Promise((r) => closed.close(r));
    const t = new HttpTransport({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 2000, auth: staticAuth({ 'X-Auth-Token': 't' }) });
    const error = await caught(t.send({ method: 'PUT', path: '/t', headers: {}, body: '{}' }));
    expect(error).toMatchObject({ code: 'BACKEND_UNAVAILABLE', status: 503, message: expect.stringContaining('ECONNREFUSED') });
    expect(neverSent(error)).toBe(true);
  });

  test('a host that does not resolve: 503, tagged as never sent', async () => {
    const t = new HttpTransport({ baseUrl: 'http://no-such-host.invalid', timeoutMs: 5000, auth: staticAuth({ 'X-Auth-Token': 't' }) });
    const error = await caught(t.send({ method: 'PUT', path: '/t', headers: {}, body: '{}' }));
    expect(error.code).toBe('BACKEND_UNAVAILABLE');
    expect(neverSent(error)).toBe(true);
  });
});

describe('proxies from the environment, through axios', () => {
  /** A forward proxy on loopback: it answers itself and records the absolute URL it was asked for. */
  let proxy: http.Server;
  let proxied: string[] = [];
  const saved = { ...process.env };
  beforeAll(async () => {
    proxy = http.createServer((req, res) => {
      proxied.push(req.url ?? '');
      res.end('via the proxy');
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  });
  afterAll(() => new Promise<void>((r) => proxy.close(() => r())));
  beforeEach(() => {
    proxied = [];
    for (const name of ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'no_proxy', 'NO_PROXY', 'all_proxy', 'ALL_PROXY']) delete process.env[name];
    process.env.HTTP_PROXY = `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
  });
  afterEach(() => {
    process.env = { ...saved };
  });
  const vendorCall = () => transport().send({ method: 'GET', path: '/t', headers: {} });

  test('HTTP_PROXY set: the call goes through the proxy, which is asked for the vendor URL', async () => {
    handler = (_req, _body, res) => res.end('direct');
    expect((await vendorCall()).body).toBe('via the proxy');
    expect(proxied).toEqual([`${base}/t`]);
  });

  test.each([
    [{ HTTPS_PROXY: 'http://proxy:3128' }, true],
    [{ http_proxy: 'http://proxy:3128' }, true],
    [{ ALL_PROXY: 'http://proxy:3128' }, true],
    [{ npm_config_proxy: 'http://proxy:3128' }, true],
    [{ NO_PROXY: '*' }, false],
    [{}, false],
  ])('%j hands calls to axios own http adapter (which applies it and NO_PROXY): %s', (env, expected) => {
    expect(proxyConfigured(env)).toBe(expected);
  });

  test('NO_PROXY naming the vendor host is honoured: the call goes straight to the vendor', async () => {
    process.env.NO_PROXY = 'example.com,127.0.0.1';
    handler = (_req, _body, res) => res.end('direct');
    expect((await vendorCall()).body).toBe('direct');
    expect(proxied).toEqual([]);
  });
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

  test('fails at the connect timeout as never sent (safe to retry), not at the later try timeout', async () => {
    const t = new HttpTransport({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 900, connectTimeoutMs: 300, auth: staticAuth({ 'X-Auth-Token': 't' }) });
    // The try timeout would be a BACKEND_TIMEOUT, and not "never sent".
    const error = await caught(t.send({ method: 'PUT', path: '/t', headers: {}, body: '{}' }));
    expect(error.code).toBe('BACKEND_UNAVAILABLE');
    expect(error.message).toContain('ERR_SOCKET_CONNECTION_TIMEOUT');
    expect(neverSent(error)).toBe(true);
  });
});
