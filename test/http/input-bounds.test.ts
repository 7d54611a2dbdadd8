// Bounds on input (contract section 8): deep JSON and lone surrogates are 400s on every route and vendor, a request
// without Host is problem+json, and the audit trail keeps at most 4 KiB of a request's parameters.
import net from 'node:net';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

const IBM_TASK = '_TKI:a01b0170.3c1d2e4f.5a6b7c8d.90000001';
const deep = (levels: number) => `{"action":"approve","data":{"a":${'['.repeat(levels)}${']'.repeat(levels)}}}`;

test('a body nested deeper than 64 levels is 400 INVALID_REQUEST, and so is a batch item, in its place', async () => {
  const res = await stack.request('POST', '/v1/backends/secmaster/tasks/t1/actions', { body: deep(6000) });
  expect(res.status).toBe(400);
  expect(res.body).toMatchObject({ code: 'INVALID_REQUEST', detail: expect.stringMatching(/deeper than 64/) });
  const batch = await stack.request('POST', '/v1/actions/batch', {
    body: `{"items":[${deep(6000).replace('{', '{"backend":"ibm","taskId":"x",')},{"backend":"ibm","taskId":"${IBM_TASK}","action":"claim"}]}`,
  });
  expect(batch.status).toBe(200);
  expect(batch.body.results[0]).toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
  expect(batch.body.results[1]).toMatchObject({ result: 'applied' });
});

test.each([
  ['ibm', { action: 'reassign', to: { id: '\ud800' } }],
  ['ibm', { action: 'custom', name: 'x\udfff' }],
  ['oracle', { action: 'approve', comment: 'a\ud800b' }],
  ['k2', { action: 'approve', data: { ['\ud800']: 'v' } }],
  ['secmaster', { action: 'approve', comment: '\udc00' }],
])('%s: a string that is not well-formed Unicode is 400, live and dry-run', async (backend, body) => {
  for (const query of ['', '?dryRun=true']) {
    const res = await stack.request('POST', `/v1/backends/${backend}/tasks/${backend === 'ibm' ? IBM_TASK : 't1'}/actions${query}`, { body });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'INVALID_REQUEST', detail: expect.stringMatching(/well-formed Unicode/) });
  }
});

test('a request without a Host header gets a problem+json 400', async () => {
  const { port } = new URL(stack.url);
  const raw = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => socket.end('GET /v1/backends HTTP/1.1\r\nX-API-Key: sandbox-key-123\r\nConnection: close\r\n\r\n'));
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString()));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
  expect(raw).toMatch(/^HTTP\/1\.1 400 /);
  expect(raw).toMatch(/content-type: application\/problem\+json/i);
  expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toMatchObject({ code: 'INVALID_REQUEST', detail: expect.stringMatching(/Host/) });
});

test('a refused request with a 1 MiB comment adds at most 4 KiB of parameters to the audit trail', async () => {
  const comment = 'x'.repeat(1024 * 1024 - 100);
  const res = await stack.request('POST', '/v1/backends/secmaster/tasks/t1/actions', { body: { action: 'approve', comment, colour: 'red' }, headers: { 'X-Request-Id': 'big-1' } });
  expect(res.status).toBe(400);
  const audit = await stack.request('GET', '/v1/audit?limit=10');
  const item = audit.body.items.find((i: { requestId: string }) => i.requestId === 'big-1');
  expect(item.parametersTruncated).toBe(true);
  expect(Buffer.byteLength(JSON.stringify(item.parameters))).toBeLessThanOrEqual(4096);
  expect(item.parameters.comment).toMatch(/^x{1000,}$/);
  expect(item.errorCode).toBe('INVALID_REQUEST');
});
