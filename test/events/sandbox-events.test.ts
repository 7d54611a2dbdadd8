// Change events through the whole gateway on the sandbox config: the feed answers, and the sandbox receiver logs a verified event.
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import eventsSchema from '../../schemas/events.schema.json';
import taskSchema from '../../schemas/task.schema.json';
import type { SqlStore } from '../../src/store/sql-store';
import { startStack, type Stack } from '../helpers/stack';
import { change, commit } from './helpers';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack((config) => {
    config.sync = { ...config.sync, intervalMs: 0 };
  });
});
afterAll(() => stack.close());

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(taskSchema);
ajv.addSchema(eventsSchema);
const matches = (def: string, body: unknown) => {
  const validate = ajv.getSchema(`${eventsSchema.$id}#/$defs/${def}`)!;
  return validate(body) ? [] : validate.errors;
};

test('a committed change reaches the sandbox webhook receiver, signature verified, and reads back from the feed', async () => {
  await commit(stack.gateway.store as unknown as SqlStore, change('3e4c170e', { backend: 'secmaster' }));
  stack.gateway.events.changed();
  for (let i = 0; i < 200 && !stack.logs.some((l) => l.includes('"webhook received"')); i++) await new Promise((r) => setTimeout(r, 50));
  const line = JSON.parse(stack.logs.find((l) => l.includes('"webhook received"'))!);
  expect(line).toMatchObject({ webhook: 'sandbox', signature: 'verified', type: 'taskgate.task.created', source: 'taskgate/secmaster', subject: '3e4c170e' });
  expect(stack.logs.join('\n')).not.toContain('c2FuZGJveC13ZWJob29r');

  const feed = await stack.request('GET', '/v1/events');
  expect(feed.status).toBe(200);
  expect(matches('eventPage', feed.body)).toEqual([]);
  expect(feed.body.items.map((e: any) => e.id)).toEqual([line.webhookId]);
  const hooks = await stack.request('GET', '/v1/webhooks');
  expect(matches('webhookList', hooks.body)).toEqual([]);
  expect(hooks.body.items[0]).toMatchObject({ name: 'sandbox', counts: { delivered: 1, pending: 0, failed: 0 } });
  const deliveries = await stack.request('GET', '/v1/webhooks/sandbox/deliveries');
  expect(matches('deliveryPage', deliveries.body)).toEqual([]);
  expect((await stack.request('GET', '/v1/events', { key: 'soc-bot-key-456' })).status).toBe(403);
  expect((await stack.request('DELETE', '/v1/events')).status).toBe(405);

  const metrics = (await stack.request('GET', '/metrics', { key: null })).text;
  expect(metrics).toMatch(/taskgate_events_recorded_total\{type="taskgate.task.created"\} 1/);
  expect(metrics).toMatch(/taskgate_webhook_deliveries_total\{webhook="sandbox",outcome="delivered"\} 1/);
  expect(metrics).toMatch(/taskgate_webhook_delivery_latency_seconds_count\{webhook="sandbox"\} 1/);
  expect(metrics).toMatch(/taskgate_webhook_oldest_pending_seconds\{webhook="sandbox"\} 0/);
  expect(metrics).not.toContain('c2FuZGJveC13ZWJob29r');
});

test('one curl: an action through the gateway arrives at the sandbox receiver as taskgate.action.performed', async () => {
  const task = '3e4c170e-7cc9-11f0-9216-fa163e209978';
  const res = await stack.request('POST', `/v1/backends/secmaster/tasks/${task}/actions`, { body: { action: 'approve', comment: 'ok' } });
  expect(res.status).toBe(200);
  const arrived = () => stack.logs.map((l) => JSON.parse(l)).find((l) => l.message === 'webhook received' && l.type === 'taskgate.action.performed');
  for (let i = 0; i < 200 && !arrived(); i++) await new Promise((r) => setTimeout(r, 50));
  expect(arrived()).toMatchObject({ signature: 'verified', source: 'taskgate/secmaster', subject: task });
  const feed = await stack.request('GET', '/v1/events?type=taskgate.action.');
  expect(feed.body.items.map((e: any) => e.data)).toEqual([expect.objectContaining({ action: 'approve', result: 'applied', keyName: 'sandbox', requestId: res.headers.get('x-request-id') })]);
});

test('closing the gateway ends its open streams and long polls (they do not hold the shutdown)', async () => {
  const own = await startStack((config) => {
    config.sync = { ...config.sync, intervalMs: 0 };
  });
  const stream = await fetch(`${own.url}/v1/events/stream`, { headers: { 'X-API-Key': 'sandbox-key-123' } });
  const reader = stream.body!.getReader();
  await reader.read();
  const poll = own.request('GET', '/v1/events?wait=30');
  await new Promise((r) => setTimeout(r, 100));
  await own.close();
  const rest = [];
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest.push(chunk.value);
  expect((await poll).body).toEqual({ items: [], nextCursor: '0' });
});
