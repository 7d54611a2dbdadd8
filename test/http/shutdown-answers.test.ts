// Shutdown as clients see it (contract section 8): from SIGTERM every answer says Connection: close, and a request
// still arriving on a kept-alive connection after the gateway stopped accepting is 503 SHUTTING_DOWN, not run.
import http from 'node:http';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
beforeEach(async () => {
  stack = await startStack();
});
afterEach(() => stack.close());

test('while draining, answers carry Connection: close; /readyz is 503 SHUTTING_DOWN', async () => {
  expect((await stack.request('GET', '/v1/backends')).headers.get('connection')).not.toBe('close');
  stack.gateway.state.ready = false;
  const res = await stack.request('GET', '/v1/backends');
  expect(res.status).toBe(200);
  expect(res.headers.get('connection')).toBe('close');
  const ready = await stack.request('GET', '/readyz');
  expect(ready.status).toBe(503);
  expect(ready.body.code).toBe('SHUTTING_DOWN');
});

test('a request on a kept-alive connection after the server stopped accepting is 503 SHUTTING_DOWN and no action runs', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const post = (path: string) => new Promise<{ status: number; connection?: string; body: any }>((resolve, reject) => {
    const req = http.request(stack.url + path, { method: 'POST', agent, headers: { 'X-API-Key': 'sandbox-key-123', 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ action: 'claim' }));
  });
  const ibm = '/v1/backends/ibm/tasks/_TKI:a01b0170.3c1d2e4f.5a6b7c8d.90000001/actions';
  const first = await post(`${ibm}?dryRun=true`);
  expect(first.status).toBe(200);
  // What close() does first, before the kept-alive socket is reused by the next request.
  stack.gateway.state.stopping = true;
  const before = stack.emulators.ibm.calls.length;
  const late = await post(ibm);
  expect(late.status).toBe(503);
  expect(late.connection).toBe('close');
  expect(late.body.code).toBe('SHUTTING_DOWN');
  expect(stack.emulators.ibm.calls.length).toBe(before);
  stack.gateway.state.stopping = false;
  agent.destroy();
});
