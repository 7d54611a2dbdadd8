// The benchmark's open-loop generator counts what came back: 200s as latencies, everything else as errors.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { OpenLoop } from '../../bench/open-loop';

async function serve(handler: http.RequestListener): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

describe('OpenLoop', () => {
  const servers: http.Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  it('sends every request once, with its body, and times each 200 from its due time', async () => {
    const seen: string[] = [];
    const { server, port } = await serve((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push(`${req.method} ${req.url} ${req.headers['x-key']} ${body}`);
        res.writeHead(200, { 'Content-Length': '2' }).end('ok');
      });
    });
    servers.push(server);
    const generator = new OpenLoop('127.0.0.1', port, { method: 'POST', path: '/a/b', headers: { 'X-Key': 'k' }, body: '{"x":1}' });
    const warm = await generator.run(500, 0.1);
    const run = await generator.run(500, 0.2);
    generator.close();

    expect(warm.latenciesMs).toHaveLength(50);
    expect(run.latenciesMs).toHaveLength(100);
    expect(run.errors).toBe(0);
    expect(seen).toHaveLength(150);
    expect(new Set(seen)).toEqual(new Set(['POST /a/b k {"x":1}']));
    expect(Math.min(...run.latenciesMs)).toBeGreaterThan(0);
  });

  it('counts other statuses, unframed answers and dropped connections as errors', async () => {
    let n = 0;
    const { server, port } = await serve((req, res) => {
      req.resume();
      const i = n++;
      if (i % 4 === 0) res.writeHead(200, { 'Content-Length': '0' }).end();
      else if (i % 4 === 1) res.writeHead(503, { 'Content-Length': '0' }).end();
      else if (i % 4 === 2) res.writeHead(200).end('chunked'); // no Content-Length: chunked framing
      else req.socket.destroy();
    });
    servers.push(server);
    const generator = new OpenLoop('127.0.0.1', port, { method: 'GET', path: '/', headers: {} });
    const run = await generator.run(200, 0.2);
    generator.close();

    expect(n).toBe(40);
    expect(run.latenciesMs).toHaveLength(10);
    expect(run.errors).toBe(30);
  });
});
