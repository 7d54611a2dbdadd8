// Hostile K2 answers from a real loopback server: entity bombs, external entities, 10 MB, 10,000-deep nesting.
// Each must give 502 BACKEND_ERROR (refused by its guard, never parsed), and the gateway must serve a normal request right afterwards.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Gateway } from '../../../src/core/gateway';
import { GatewayError } from '../../../src/core/errors';
import { createBackend } from '../../../src/compose';
import { parseConfig } from '../../../src/config/load';

const TASKS = 'xmlns="http://schemas.k2.com/task/d1"';
const NORMAL = `<?xml version="1.0" encoding="utf-8"?><TaskCollection ${TASKS}><Task SerialNumber="2_24"><ProcessFolio>EXP-1</ProcessFolio><Status>Available</Status><Action Name="Approve" Batchable="true"/></Task></TaskCollection>`;
const LOL = '<!ENTITY lol "lol">' + Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`).join('');

type Answer = (res: http.ServerResponse) => void;
const xml = (body: string): Answer => (res) => res.writeHead(200, { 'Content-Type': 'application/xml' }).end(body);

/** Each hostile answer and the guard that must refuse it. */
const HOSTILE: Record<string, [Answer, RegExp]> = {
  'billion laughs entity bomb': [xml(`<?xml version="1.0"?><!DOCTYPE TaskCollection [${LOL}]><TaskCollection ${TASKS}><Task SerialNumber="2_24"><ProcessFolio>&lol9;</ProcessFolio></Task></TaskCollection>`), /DOCTYPE/],
  'external entity (file)': [xml(`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><TaskCollection ${TASKS}><Task SerialNumber="2_24"><ProcessFolio>&xxe;</ProcessFolio></Task></TaskCollection>`), /DOCTYPE/],
  'parameter entity (remote DTD)': [xml(`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % dtd SYSTEM "http://127.0.0.1:1/evil.dtd"> %dtd;]><TaskCollection ${TASKS}/>`), /DOCTYPE/],
  'entities without a DOCTYPE': [xml(`<TaskCollection ${TASKS}><!ENTITY a "b"><Task SerialNumber="2_24"/></TaskCollection>`), /entities/],
  '10,000-deep nesting': [xml(`<TaskCollection ${TASKS}><Task SerialNumber="2_24">${'<x>'.repeat(10_000)}${'</x>'.repeat(10_000)}</Task></TaskCollection>`), /nesting deeper than 64/],
  '10 MB body streamed without Content-Length': [(res) => {
    res.writeHead(200, { 'Content-Type': 'application/xml' });
    const chunk = `<Task SerialNumber="1_1"><Status>Available</Status></Task>`.repeat(1000);
    let sent = 0;
    const push = () => {
      while (sent < 10 * 1024 * 1024) {
        sent += chunk.length;
        if (!res.write(chunk)) return res.once('drain', push);
      }
      res.end('</TaskCollection>');
    };
    res.write(`<TaskCollection ${TASKS}>`);
    push();
  }, /larger than the gateway accepts/],
  '10 MB body with Content-Length': [(res) => {
    const body = Buffer.alloc(10 * 1024 * 1024, 'a');
    res.writeHead(200, { 'Content-Type': 'application/xml', 'Content-Length': String(body.length + 7) });
    res.end(Buffer.concat([Buffer.from('<a>'), body, Buffer.from('</a>')]));
  }, /larger than the gateway accepts/],
};

let server: http.Server;
let answer: Answer = xml(NORMAL);
let gateway: Gateway;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => answer(res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const config = parseConfig({
    auth: { apiKeys: [{ name: 't', key: 'key-12345678' }] },
    backends: { k2: { vendor: 'k2', baseUrl: `http://127.0.0.1:${port}/K2Services/SyncREST.svc`, auth: { type: 'basic', username: 'u', password: 'p-123456' }, timeoutMs: 5000 } },
  }, {});
  gateway = new Gateway([createBackend('k2', config.backends.k2)]);
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function outcome(call: () => Promise<unknown>): Promise<{ code: string; detail: string }> {
  try {
    await call();
    return { code: 'none', detail: '' };
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    return { code: error.code, detail: JSON.stringify({ message: error.message, context: error.context }) };
  }
}

const calls: [string, () => Promise<unknown>][] = [
  ['get task', () => gateway.getTask('k2', '2_24')],
  ['list', () => gateway.listTasks('k2', { limit: 20, offset: 0, filters: {} })],
  ['action (200 with a body)', () => gateway.perform({ backend: 'k2', taskId: '2_24', action: 'approve' })],
];

describe.each(Object.keys(HOSTILE))('%s', (name) => {
  test.each(calls)('%s: 502 BACKEND_ERROR by its guard, then a normal request works', async (_call, call) => {
    const heapBefore = process.memoryUsage().heapUsed;
    const [hostileAnswer, guard] = HOSTILE[name];
    answer = hostileAnswer;
    const hostile = await outcome(call);
    expect(hostile.code).toBe('BACKEND_ERROR');
    expect(hostile.detail).toMatch(guard);
    expect(hostile.detail).not.toMatch(/root:|lollollol/);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(100 * 1024 * 1024);

    answer = xml(NORMAL);
    const task = await gateway.getTask('k2', '2_24');
    expect(task).toMatchObject({ id: '2_24', name: 'EXP-1', status: 'open' });
  });
});

test('an answer just under the limit is read', async () => {
  const filler = `<Task SerialNumber="1_1"><Status>Available</Status></Task>`;
  answer = xml(`<TaskCollection ${TASKS}>${filler.repeat(Math.floor((1.9 * 1024 * 1024) / filler.length))}</TaskCollection>`);
  const page = await gateway.listTasks('k2', { limit: 20, offset: 0, filters: {} });
  // Read whole (a refusal would throw); the gateway then trims the page to the limit asked for.
  expect(page.items).toHaveLength(20);
});
