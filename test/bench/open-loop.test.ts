// The benchmark's open-loop generator counts what came back: 200s as latencies, everything else as errors.
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { OpenLoop } from '../../bench/open-loop';

async function serve<S extends net.Server>(server: S): Promise<{ server: S; port: number }> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

describe('OpenLoop', () => {
  const sockets: net.Socket[] = [];
  const servers: net.Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
    sockets.splice(0).forEach((s) => s.destroy());
  });

  it('sends every request once, with its body, and times each 200 from its due time', async () => {
    const seen: string[] = [];
    const { server, port } = await serve(http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push(`${req.method} ${req.url} ${req.headers['x-key']} ${body}`);
        setTimeout(() => res.writeHead(200, { 'Content-Length': '2' }).end('ok'), 10);
      });
    }));
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
    // The server's 10 ms timer (node may fire it up to a loop turn early): a generator timing only its write would see < 1 ms.
    expect(Math.min(...run.latenciesMs)).toBeGreaterThanOrEqual(5);
  });

  it('counts other statuses, unframed answers and dropped connections as errors', async () => {
    let n = 0;
    const { server, port } = await serve(http.createServer((req, res) => {
      req.resume();
      const i = n++;
      if (i % 4 === 0) res.writeHead(200, { 'Content-Length': '0' }).end();
      else if (i % 4 === 1) res.writeHead(503, { 'Content-Length': '0' }).end();
      else if (i % 4 === 2) res.writeHead(200).end('chunked'); // no Content-Length: chunked framing
      else req.socket.destroy();
    }));
    servers.push(server);
    const generator = new OpenLoop('127.0.0.1', port, { method: 'GET', path: '/', headers: {} });
    const run = await generator.run(200, 0.2);
    generator.close();

    expect(n).toBe(40);
    expect(run.latenciesMs).toHaveLength(10);
    expect(run.errors).toBe(30);
  });

  it('reads an answer that arrives in pieces', async () => {
    const { server, port } = await serve(net.createServer((socket) => {
      sockets.push(socket);
      socket.on('data', () => {
        // Each piece 5 ms after the one before (chained: two timers of 5 and 10 ms may fire out of order after a stall).
        socket.write(OK.slice(0, 10));
        setTimeout(() => {
          socket.write(OK.slice(10, 30));
          setTimeout(() => socket.write(OK.slice(30)), 5);
        }, 5);
      });
    }));
    servers.push(server);
    const generator = new OpenLoop('127.0.0.1', port, { method: 'GET', path: '/', headers: {} });
    const run = await generator.run(100, 0.2);
    generator.close();
    expect(run.latenciesMs).toHaveLength(20);
    expect(Math.min(...run.latenciesMs)).toBeGreaterThanOrEqual(5); // the last piece leaves after 10 ms
  });

  it('drops a connection that sends bytes nobody asked for, and the next request goes on a new one', async () => {
    let connections = 0;
    const { server, port } = await serve(net.createServer((socket) => {
      sockets.push(socket);
      connections++;
      socket.on('data', () => {
        socket.write(OK);
        setTimeout(() => socket.writable && socket.write(OK), 20); // unasked, while the connection is idle
      });
    }));
    servers.push(server);
    const openOnServer = () => new Promise<number>((r) => server.getConnections((_e, n) => r(n)));
    const generator = new OpenLoop('127.0.0.1', port, { method: 'GET', path: '/', headers: {} });
    const first = await generator.run(10, 0.1); // one request
    while ((await openOnServer()) > 0) await new Promise((r) => setTimeout(r, 5)); // the generator hangs up
    const second = await generator.run(10, 0.1);
    generator.close();
    expect(first).toMatchObject({ errors: 0, latenciesMs: expect.objectContaining({ length: 1 }) });
    expect(second).toMatchObject({ errors: 0, latenciesMs: expect.objectContaining({ length: 1 }) });
    expect(connections).toBe(2);
  });

  it('ends a run whose answers do not come, counts them as errors, and the next run starts clean', async () => {
    let answer = false;
    const { server, port } = await serve(net.createServer((socket) => {
      sockets.push(socket);
      socket.on('data', () => answer && socket.write(OK));
    }));
    servers.push(server);
    const generator = new OpenLoop('127.0.0.1', port, { method: 'GET', path: '/', headers: {} }, 200);
    const silent = await generator.run(100, 0.1);
    expect(silent.latenciesMs).toHaveLength(0);
    expect(silent.errors).toBe(10);
    answer = true;
    const next = await generator.run(100, 0.1);
    generator.close();
    expect(next.errors).toBe(0);
    expect(next.latenciesMs).toHaveLength(10);
  });

  it('ends a run with nothing to send at once', async () => {
    const generator = new OpenLoop('127.0.0.1', 9, { method: 'GET', path: '/', headers: {} });
    await expect(generator.run(1000, 0)).resolves.toMatchObject({ errors: 0, latenciesMs: new Float64Array(0) });
  });
});
