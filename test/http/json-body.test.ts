// The JSON body reader: its direct path reads what express.json reads, and everything else still goes to express.json.
import http from 'node:http';
import net from 'node:net';
import zlib from 'node:zlib';
import express from 'express';
import { byteLimit, jsonBody } from '../../src/http/json-body';

/** A server that answers with what the reader made of the body: the value, or the error's type. */
async function serve(reader: express.RequestHandler): Promise<{ url: string; close: () => Promise<void> }> {
  const app = express();
  app.post('/', reader, (req, res) => void res.json({ body: req.body as unknown }));
  app.use((error: { type?: string; status?: number }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(error.status ?? 500).json({ error: error.type });
  });
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/`, close: () => new Promise((r) => server.close(() => r())) };
}

function post(url: string, body: Buffer, headers: Record<string, string> = {}): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(Buffer.concat(chunks).toString()) as unknown }));
    });
    req.on('error', reject);
    if (headers['Transfer-Encoding'] === undefined) req.setHeader('Content-Length', body.length);
    req.end(body);
  });
}

let direct: Awaited<ReturnType<typeof serve>>;
let reference: Awaited<ReturnType<typeof serve>>;
beforeAll(async () => {
  direct = await serve(jsonBody('1kb'));
  reference = await serve(express.json({ limit: '1kb', strict: false, type: () => true }));
});
afterAll(() => Promise.all([direct.close(), reference.close()]));

// Every row has its headers: jest would take a missing third argument for a done callback.
const bodies: [string, Buffer, Record<string, string>][] = [
  ['an object', Buffer.from('{"action":"approve","comment":"ok"}'), {}],
  ['any JSON value', Buffer.from('"just a string"'), {}],
  ['UTF-8 text', Buffer.from('{"comment":"审批通过 ✓"}'), {}],
  ['a leading BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}')]), {}],
  ['bytes that are not UTF-8', Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), {}],
  ['broken JSON', Buffer.from('{"action":'), {}],
  ['charset=utf-8 said', Buffer.from('{"a":1}'), { 'Content-Type': 'application/json; charset=UTF-8' }],
  ['another charset (express.json: 415)', Buffer.from('{"a":1}'), { 'Content-Type': 'application/json; charset=latin1' }],
  ['charset=utf8, which express.json refuses (415)', Buffer.from('{"a":1}'), { 'Content-Type': 'application/json; charset=utf8' }],
  ['over the limit (express.json: 413)', Buffer.from(`{"a":"${'x'.repeat(2000)}"}`), {}],
  ['gzip (express.json inflates it)', zlib.gzipSync('{"a":1}'), { 'Content-Encoding': 'gzip' }],
  ['chunked (express.json reads it)', Buffer.from('{"a":2}'), { 'Transfer-Encoding': 'chunked' }],
];

test.each(bodies)('%s: the same outcome as express.json', async (_name, body, headers) => {
  const [mine, theirs] = await Promise.all([post(direct.url, body, headers), post(reference.url, body, headers)]);
  expect(mine).toEqual(theirs);
});

test('the limit is read as the config schema writes it', () => {
  expect([byteLimit('512'), byteLimit('512b'), byteLimit('2kb'), byteLimit('1mb')]).toEqual([512, 512, 2048, 1048576]);
  expect(() => byteLimit('1gb')).toThrow('not a size');
});

test('a client that goes away in the middle of its body is request.aborted (a 400), not an unexpected error', async () => {
  const seen: string[] = [];
  const app = express();
  app.post('/', jsonBody('1kb'), (_req, res) => void res.end());
  app.use((error: { type?: string }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    seen.push(String(error.type));
    res.end();
  });
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"action":');
  await new Promise((r) => setTimeout(r, 30));
  socket.destroy();
  for (let i = 0; i < 50 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  expect(seen).toEqual(['request.aborted']);
  await new Promise((r) => server.close(r));
});
