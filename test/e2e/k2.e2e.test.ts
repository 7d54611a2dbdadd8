// End to end against the K2 emulator on loopback: the gateway core and the real transport for every supported
// action and for get/list, the escaping proof, and one request through the facade. No mocked dispatcher in this file.
import { createK2Emulator, K2_EMULATOR_DEFAULTS as D, type K2Emulator } from '../../adapters/k2/emulator';
import type { ActionCommand } from '../../src/core/actions';
import { Gateway } from '../../src/core/gateway';
import { createBackend } from '../../src/compose';
import { parseConfig } from '../../src/config/load';
import { listen, type RunningEmulator } from '../../src/emulators/emulator';
import { startStack } from '../helpers/stack';
import { caught } from '../helpers/gateway';

let emulator: K2Emulator;
let served: RunningEmulator;
let gateway: Gateway;

function gatewayFor(url: string, extra: Record<string, unknown> = {}): Gateway {
  const config = parseConfig({
    auth: { apiKeys: [{ name: 't', key: 'key-12345678' }] },
    backends: { k2: { vendor: 'k2', baseUrl: url + D.basePath, auth: { type: 'basic', username: D.username, password: D.password }, timeoutMs: 5000, ...extra } },
  }, {});
  return new Gateway([createBackend('k2', config.backends.k2)]);
}

beforeEach(async () => {
  emulator = createK2Emulator();
  served = await listen(emulator);
  gateway = gatewayFor(served.url);
});
afterEach(() => served.close());

const perform = (c: Omit<ActionCommand, 'backend'>) => gateway.perform({ backend: 'k2', ...c });
const task = (id: string) => gateway.getTask('k2', id);


describe('get and list', () => {
  test('get one task: canonical fields, dates in UTC, allowed actions, data fields', async () => {
    expect(await task('2_24')).toMatchObject({
      id: '2_24', backend: 'k2', vendor: 'k2', name: 'EXP-2024-031 Travel Berlin', status: 'open', vendorStatus: 'Available',
      priority: 1, createdAt: '2025-03-03T08:15:00.000Z', comments: [], attachments: [],
      properties: { processFullName: 'Finance\\Expense Claim', activityName: 'Manager Approval', 'data.Amount': '1250.00', 'data.Currency': 'EUR' },
      allowedActions: ['approve', 'reject', 'complete', 'reassign', 'delegate', 'suspend'],
    });
    expect((await task('2_24')).properties.outcomes).toBe('Approve,Reject,Rework');
    // One Task/Items read filtered by SerialNumber: not the whole worklist.
    expect(emulator.calls.at(-1)?.path).toMatch(new RegExp(`^${D.basePath}/Task/Items\\?filterXml=.*SerialNumber.*2_24.*&piDataField=true$`));
    expect(await task('19_10')).toMatchObject({ status: 'claimed', vendorStatus: 'Open', assignee: 'K2:DENALLIX\\Bob' });
    expect(await task('25_72')).toMatchObject({ status: 'suspended', allowedActions: ['reassign', 'delegate', 'resume'] });
    expect(await task('7_3')).toMatchObject({ status: 'completed', allowedActions: [] });
    expect(await task('31_5')).toMatchObject({ allowedActions: ['complete', 'reassign', 'delegate', 'suspend'], properties: { outcomes: 'Acknowledge' } });
  });

  test('an unknown serial number is TASK_NOT_FOUND', async () => {
    expect((await caught(task('99_9'))).code).toBe('TASK_NOT_FOUND');
  });

  test('list: paging and the folio filter reach the vendor', async () => {
    const page = await gateway.listTasks('k2', { limit: 2, offset: 1, filters: {} });
    expect(page.items.map((t) => t.id)).toEqual(['12_8', '19_10']);
    const all = await gateway.listTasks('k2', { limit: 100, offset: 0, filters: {} });
    expect(all.items.map((t) => [t.id, t.status])).toEqual([
      ['2_24', 'open'], ['12_8', 'open'], ['19_10', 'claimed'], ['31_5', 'claimed'], ['25_72', 'suspended'], ['7_3', 'completed'],
    ]);
    const filtered = await gateway.listTasks('k2', { limit: 20, offset: 0, filters: { folio: 'exp-2024' } });
    expect(filtered.items.map((t) => t.id)).toEqual(['2_24', '25_72', '7_3']);
  });
});

describe('actions', () => {
  test('approve with data: accepted, no task (K2 is asynchronous), comment reported; the item completes with the data', async () => {
    const res = await perform({ taskId: '2_24', action: 'approve', comment: 'fine', data: { CostCenter: 'CC-4711' } });
    expect(res).toEqual({
      backend: 'k2', taskId: '2_24', action: 'approve', result: 'accepted', vendor: { status: 200 },
      warnings: ['K2 task updates have no comment field: `comment` was not sent'],
    });
    expect(await task('2_24')).toMatchObject({ status: 'completed', properties: { 'data.CostCenter': 'CC-4711' } });
    expect(emulator.calls.filter((c) => c.method === 'POST')).toHaveLength(1);
  });

  test('reject uses the configured name; a name the item lacks is BACKEND_REJECTED with K2\'s message', async () => {
    expect((await perform({ taskId: '12_8', action: 'reject' })).result).toBe('accepted');
    expect((await task('12_8')).status).toBe('completed');
    const declining = gatewayFor(served.url, { actionNames: { reject: 'Decline' } });
    const error = await caught(declining.perform({ backend: 'k2', taskId: '2_24', action: 'reject' }));
    expect(error.code).toBe('BACKEND_REJECTED');
    expect(error.context.vendor).toEqual({ status: 400, message: "The action 'Decline' is not available for worklist item 2_24" });
    expect((await task('2_24')).status).toBe('open');
  });

  test('complete with an outcome the item offers', async () => {
    expect((await perform({ taskId: '19_10', action: 'complete', outcome: 'Escalate to CFO' })).result).toBe('accepted');
    expect((await task('19_10')).status).toBe('completed');
    expect(emulator.items.get('19_10')?.completedWith).toBe('Escalate to CFO');
  });

  test('reassign and delegate move the item to the FQN (configured label prefixed)', async () => {
    await perform({ taskId: '19_10', action: 'reassign', to: { id: 'DENALLIX\\joe' } });
    expect(await task('19_10')).toMatchObject({ status: 'open', assignee: 'K2:DENALLIX\\joe' });
    await perform({ taskId: '31_5', action: 'delegate', to: { id: 'K2:DENALLIX\\ann' } });
    expect(await task('31_5')).toMatchObject({ status: 'claimed', assignee: 'K2:DENALLIX\\ann' });
  });

  test('suspend (duration, until, indefinitely) and resume', async () => {
    await perform({ taskId: '2_24', action: 'suspend', durationSeconds: 3600 });
    expect(emulator.items.get('2_24')?.sleepUntil).toBeGreaterThan(Date.now() + 3500_000);
    expect((await task('2_24')).status).toBe('suspended');
    const until = new Date(Date.now() + 86_400_000).toISOString();
    await perform({ taskId: '12_8', action: 'suspend', until });
    expect(emulator.items.get('12_8')?.sleepUntil).toBe(Date.parse(until));
    await perform({ taskId: '31_5', action: 'suspend' });
    expect(emulator.items.get('31_5')?.status).toBe('Sleep');
    expect(emulator.items.get('31_5')?.sleepUntil).toBeUndefined();
    expect((await perform({ taskId: '31_5', action: 'resume' })).result).toBe('accepted');
    expect(await task('31_5')).toMatchObject({ status: 'claimed', vendorStatus: 'Allocated' });
  });

  test('custom: a bare name is a process action, K2 grammar passes through', async () => {
    await perform({ taskId: '2_24', action: 'custom', name: 'Rework' });
    expect(emulator.items.get('2_24')?.completedWith).toBe('Rework');
    await perform({ taskId: '25_72', action: 'custom', name: 's:-1' });
    expect((await task('25_72')).status).toBe('open');
  });

  test('state refusals: completed item CONFLICT, sleeping item CONFLICT for an outcome, unknown item TASK_NOT_FOUND', async () => {
    expect((await caught(perform({ taskId: '7_3', action: 'approve' }))).code).toBe('CONFLICT');
    expect((await caught(perform({ taskId: '25_72', action: 'approve' }))).code).toBe('CONFLICT');
    expect((await caught(perform({ taskId: '99_9', action: 'approve' }))).code).toBe('TASK_NOT_FOUND');
    expect((await caught(perform({ taskId: '2_24', action: 'resume' }))).code).toBe('CONFLICT');
  });

  test('unsupported actions are refused before any vendor call', async () => {
    const before = emulator.calls.length;
    for (const action of ['claim', 'release', 'terminate', 'add_comment', 'update', 'push_back'] as const) {
      expect((await caught(perform({ taskId: '2_24', action }))).code).toBe('UNSUPPORTED_ACTION');
    }
    expect(emulator.calls.length).toBe(before);
  });

  test('wrong vendor credentials are BACKEND_AUTH_FAILED', async () => {
    const config = parseConfig({
      auth: { apiKeys: [{ name: 't', key: 'key-12345678' }] },
      backends: { k2: { vendor: 'k2', baseUrl: served.url + D.basePath, auth: { type: 'basic', username: D.username, password: 'wrong-password-1' } } },
    }, {});
    const wrong = new Gateway([createBackend('k2', config.backends.k2)]);
    const error = await caught(wrong.perform({ backend: 'k2', taskId: '2_24', action: 'approve' }));
    expect({ code: error.code, status: error.status, vendor: error.context.vendor?.status }).toEqual({ code: 'BACKEND_AUTH_FAILED', status: 502, vendor: 401 });
    expect(JSON.stringify(error.context) + error.message).not.toContain('wrong-password-1');
  });
});

describe('escaping: every user value arrives at K2 exactly as sent', () => {
  const nasty = `<x a="1">Tom & Jerry's "best" </x>\n\tend & &amp; ]]>`;

  test('outcome, FQN, custom name and data values', async () => {
    await perform({ taskId: '2_24', action: 'approve', data: { [`n"<&>'`]: nasty } });
    expect(emulator.items.get('2_24')?.data[`n"<&>'`]).toBe(nasty);
    expect((await task('2_24')).properties[`data.n"<&>'`]).toBe(nasty);

    await caught(perform({ taskId: '12_8', action: 'complete', outcome: nasty }));
    await perform({ taskId: '19_10', action: 'reassign', to: { id: `DENALLIX\\o'<b>&"c"` } });
    await caught(perform({ taskId: '31_5', action: 'custom', name: `"/><t:Task SerialNumber="2_24` }));
    expect(emulator.updates.map((u) => [u.serialNumber, u.action])).toEqual([
      ['2_24', 'a:Approve'],
      ['12_8', `a:${nasty}`],
      ['19_10', `r:K2:DENALLIX\\o'<b>&"c"`],
      ['31_5', `a:"/><t:Task SerialNumber="2_24`],
    ]);
    expect(await task('19_10')).toMatchObject({ assignee: `K2:DENALLIX\\o'<b>&"c"` });
    // The injection attempt did not touch the other item.
    expect((await task('2_24')).status).toBe('completed');
    expect(emulator.items.get('31_5')?.status).toBe('Allocated');
  });
});

describe('through the facade', () => {
  test('approve over HTTP: 200 accepted with the warning; dry-run shows the XML and masks the credentials', async () => {
    const stack = await startStack((config) => {
      config.backends['k2-e2e'] = {
        vendor: 'k2', baseUrl: served.url + D.basePath, auth: { type: 'basic', username: D.username, password: D.password },
        timeoutMs: 5000, concurrency: 1024,
      };
    });
    try {
      const dry = await stack.request('POST', '/v1/backends/k2-e2e/tasks/2_24/actions?dryRun=true', { body: { action: 'reject', data: { Reason: 'a < b & c' } } });
      expect(dry.status).toBe(200);
      expect(dry.body.vendorRequests).toEqual([{
        method: 'POST',
        url: `${served.url}${D.basePath}/Task/Items/UpdateTask`,
        headers: { 'Content-Type': 'application/xml', Accept: 'application/xml', Authorization: '***' },
        body: '<?xml version="1.0" encoding="utf-8"?><t:UpdateTask xmlns:t="http://schemas.k2.com/task/d1" xmlns:p="http://schemas.k2.com/process/d1" Action="a:Reject"><t:Task SerialNumber="2_24"><p:ProcessDataField Name="Reason">a &lt; b &amp; c</p:ProcessDataField></t:Task></t:UpdateTask>',
      }]);
      expect(emulator.updates).toEqual([]);

      const res = await stack.request('POST', '/v1/backends/k2-e2e/tasks/2_24/actions', { body: { action: 'approve', comment: 'ok' } });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        backend: 'k2-e2e', taskId: '2_24', action: 'approve', result: 'accepted', vendor: { status: 200 },
        warnings: ['K2 task updates have no comment field: `comment` was not sent'],
      });
      const got = await stack.request('GET', '/v1/backends/k2-e2e/tasks/2_24');
      expect(got.body).toMatchObject({ id: '2_24', status: 'completed', vendorStatus: 'Completed' });
      expect(got.body.raw).toBeUndefined();
      const unsupported = await stack.request('POST', '/v1/backends/k2-e2e/tasks/2_24/actions', { body: { action: 'claim' } });
      expect(unsupported.body).toMatchObject({ status: 422, code: 'UNSUPPORTED_ACTION', supportedActions: ['approve', 'reject', 'complete', 'reassign', 'delegate', 'suspend', 'resume', 'custom'] });
      expect(stack.logs.join('\n')).not.toContain(D.password);
    } finally {
      await stack.close();
    }
  });
});
