// End to end: the gateway core, the real transport and the IBM BPM emulator on loopback (no mocked dispatcher here),
// every supported action, get and list, the BPMCSRFToken flow, and one pass through the HTTP facade.
import { createIbmBpmEmulator, IBM_BPM_EMULATOR_DEFAULTS, type IbmBpmEmulator, type IbmBpmEmulatorOptions } from '../../adapters/ibm-bpm/emulator';
import type { ActionCommand } from '../../src/core/actions';
import { Gateway } from '../../src/core/gateway';
import { createBackend } from '../../src/compose';
import { parseConfig } from '../../src/config/load';
import { listen, type RunningEmulator } from '../../src/emulators/emulator';
import { startStack, type Stack } from '../helpers/stack';
import { caught } from '../helpers/gateway';

const { username, password, taskIds } = IBM_BPM_EMULATOR_DEFAULTS;
const OUTCOMES = {
  approve: { document: { approved: true } },
  reject: { faultName: 'RejectedFault', document: { reason: 'rejected' } },
  needs_rework: { document: { decision: 'REWORK' } },
};

let emulator: IbmBpmEmulator;
let running: RunningEmulator;
let gateway: Gateway;

async function start(backend: Record<string, unknown> = {}, emulatorOptions: IbmBpmEmulatorOptions = {}) {
  emulator = createIbmBpmEmulator(emulatorOptions);
  running = await listen(emulator);
  const raw = { vendor: 'ibm-bpm', baseUrl: running.url, auth: { type: 'basic', username, password }, timeoutMs: 5000, outcomes: OUTCOMES, ...backend };
  const config = parseConfig({ auth: { apiKeys: [{ name: 'e2e', key: 'e2e-key-12345' }] }, backends: { ibm: raw } }, {});
  gateway = new Gateway([createBackend('ibm', config.backends.ibm)]);
}
afterEach(async () => running?.close());

const perform = (taskId: string, c: Omit<ActionCommand, 'backend' | 'taskId'>) => gateway.perform({ backend: 'ibm', taskId, ...c } as ActionCommand);


describe('ibm-bpm end to end (gateway core)', () => {
  beforeEach(() => start());

  test('get one task', async () => {
    const task = await gateway.getTask('ibm', taskIds.ready);
    expect(task).toMatchObject({
      id: taskIds.ready, backend: 'ibm', vendor: 'ibm-bpm', name: 'Approve purchase order PO-4711', status: 'open', vendorStatus: 'STATE_READY',
      priority: 3, createdAt: '2025-09-01T08:15:00.000Z', dueAt: '2025-09-05T17:00:00.000Z', properties: { orderId: 'PO-4711', amount: '12500.00' },
    });
  });

  test('list: every seeded task, paging, and each status filter the adapter declares', async () => {
    const all = await gateway.listTasks('ibm', { limit: 20, offset: 0, filters: {} });
    expect(all.items.map((t) => [t.id, t.status])).toEqual([
      [taskIds.ready, 'open'], [taskIds.claimed, 'claimed'], [taskIds.claimedByOther, 'claimed'],
      [taskIds.suspended, 'suspended'], [taskIds.finished, 'completed'], [taskIds.terminated, 'canceled'],
    ]);
    const page = await gateway.listTasks('ibm', { limit: 2, offset: 1, filters: {} });
    expect(page.items.map((t) => t.id)).toEqual([taskIds.claimed, taskIds.claimedByOther]);
    for (const status of ['open', 'claimed', 'suspended', 'completed', 'canceled'] as const) {
      const filtered = await gateway.listTasks('ibm', { limit: 20, offset: 0, status, filters: {} });
      expect(filtered.items.length).toBeGreaterThan(0);
      expect(filtered.items.every((t) => t.status === status)).toBe(true);
    }
  });

  test('claim, release: applied and re-read', async () => {
    const claimed = await perform(taskIds.ready, { action: 'claim' });
    expect(claimed).toMatchObject({ result: 'applied', warnings: [], vendor: { status: 200 }, task: { status: 'claimed', assignee: username } });
    const released = await perform(taskIds.ready, { action: 'release' });
    expect(released.task).toMatchObject({ status: 'open', vendorStatus: 'STATE_READY' });
    expect(released.task?.assignee).toBeUndefined();
    expect(emulator.calls.slice(-2)).toEqual([
      { method: 'PUT', path: `/rest/bpm/htm/v1/task/${taskIds.ready}?action=cancel` },
      { method: 'GET', path: `/rest/bpm/htm/v1/task/${taskIds.ready}` },
    ]);
  });

  test('approve sends the configured output message and completes the task', async () => {
    const res = await perform(taskIds.claimed, { action: 'approve' });
    expect(res.task).toMatchObject({ status: 'completed', vendorStatus: 'STATE_FINISHED', allowedActions: [] });
    expect(emulator.completionOf(taskIds.claimed)).toEqual({ body: '{"approved":true}', contentType: 'application/json' });
  });

  test('reject completes with the configured fault: the task fails', async () => {
    const res = await perform(taskIds.claimed, { action: 'reject', comment: 'too expensive' });
    expect(res.task).toMatchObject({ status: 'failed', vendorStatus: 'STATE_FAILED' });
    expect(res.warnings).toEqual(['IBM BPM human tasks have no comments: `comment` was not sent']);
    expect(emulator.completionOf(taskIds.claimed)).toMatchObject({ faultName: 'RejectedFault', body: '{"reason":"rejected"}' });
  });

  test('complete with a configured outcome; an unconfigured one is a bodiless complete with a warning', async () => {
    const res = await perform(taskIds.claimed, { action: 'complete', outcome: 'needs_rework' });
    expect(res).toMatchObject({ result: 'applied', warnings: [], task: { status: 'completed' } });
    expect(emulator.completionOf(taskIds.claimed)?.body).toBe('{"decision":"REWORK"}');
    await perform(taskIds.ready, { action: 'claim' });
    emulator.calls.length = 0;
    const plain = await perform(taskIds.ready, { action: 'complete', outcome: 'escalate' });
    expect(plain).toMatchObject({ result: 'applied', task: { status: 'completed' } });
    expect(plain.warnings).toEqual([expect.stringContaining("outcome 'escalate' was not carried")]);
    expect(emulator.calls[0]).toEqual({ method: 'PUT', path: `/rest/bpm/htm/v1/task/${taskIds.ready}?action=complete` });
    expect(emulator.completionOf(taskIds.ready)?.body).toBe('');
  });

  test('suspend (indefinite, until, duration) and resume', async () => {
    expect((await perform(taskIds.ready, { action: 'suspend' })).task).toMatchObject({ status: 'suspended', vendorStatus: 'STATE_READY' });
    expect((await perform(taskIds.ready, { action: 'resume' })).task?.status).toBe('open');
    const until = new Date(Date.now() + 3_600_000).toISOString();
    expect((await perform(taskIds.ready, { action: 'suspend', until })).task?.status).toBe('suspended');
    expect((await perform(taskIds.ready, { action: 'resume' })).task?.status).toBe('open');
    expect((await perform(taskIds.claimed, { action: 'suspend', durationSeconds: 90 })).task).toMatchObject({ status: 'suspended', vendorStatus: 'STATE_CLAIMED' });
    expect(emulator.calls.filter((c) => c.method === 'PUT').map((c) => c.path.split('?')[1])).toEqual([
      'action=suspend', 'action=resume', `action=suspend&deadline=${encodeURIComponent(until)}`, 'action=resume', 'action=suspend&duration=PT1M30S',
    ]);
  });

  test('terminate', async () => {
    expect((await perform(taskIds.suspended, { action: 'terminate' })).task).toMatchObject({ status: 'canceled', vendorStatus: 'STATE_TERMINATED' });
  });

  test('reassign to a user, then to a group', async () => {
    expect((await perform(taskIds.claimed, { action: 'reassign', to: { id: 'maria.lopez' } })).task).toMatchObject({ status: 'claimed', assignee: 'maria.lopez' });
    const grouped = await perform(taskIds.claimed, { action: 'reassign', to: { id: 'cn=approvers,o=acme', type: 'group' } });
    expect(grouped.task).toMatchObject({ status: 'open', assignee: 'cn=approvers,o=acme' });
  });

  test('update: every canonical property reaches the task', async () => {
    const res = await perform(taskIds.ready, {
      action: 'update', priority: 1, dueAt: '2025-09-30T17:00:00+02:00', name: 'Approve PO-4711 (urgent)', description: 'Escalated', properties: { costCenter: 'CC-100' },
    });
    expect(res.task).toMatchObject({
      name: 'Approve PO-4711 (urgent)', priority: 1, description: 'Escalated', dueAt: '2025-09-30T15:00:00.000Z',
      properties: { orderId: 'PO-4711', amount: '12500.00', costCenter: 'CC-100' },
    });
  });

  test('custom passes the action name through', async () => {
    expect((await perform(taskIds.ready, { action: 'custom', name: 'claim' })).task?.status).toBe('claimed');
  });

  test('a state conflict is 409 CONFLICT with the vendor code; programmersDetails never leaves', async () => {
    const error = await caught(perform(taskIds.finished, { action: 'claim' }));
    expect({ code: error.code, status: error.status }).toEqual({ code: 'CONFLICT', status: 409 });
    expect(error.context.vendor).toMatchObject({ status: 409, code: 'CWTKA0007E' });
    expect(error.context.vendor?.message).toMatch(/^CWTKA0007E: The state of the object does not allow the requested action/);
    expect(JSON.stringify({ message: error.message, context: error.context })).not.toMatch(/stackTrace|ProcessException|\.java/);
  });

  test('an unknown task is TASK_NOT_FOUND', async () => {
    expect((await caught(gateway.getTask('ibm', '_TKI:a01b0170.ffffffff.ffffffff.ffffffff'))).code).toBe('TASK_NOT_FOUND');
    expect((await caught(perform('_TKI:nope', { action: 'resume' }))).code).toBe('TASK_NOT_FOUND');
  });
});

describe('ibm-bpm end to end: configuration variants', () => {
  test('wrong Basic credentials: BACKEND_AUTH_FAILED', async () => {
    await start({ auth: { type: 'basic', username, password: 'wrong-password' } });
    const error = await caught(gateway.getTask('ibm', taskIds.ready));
    expect({ code: error.code, vendor: error.context.vendor }).toEqual({ code: 'BACKEND_AUTH_FAILED', vendor: { status: 401 } });
    expect(JSON.stringify(error.context)).not.toContain('wrong-password');
  });

  test('no reject mapping: reject is 422 before any call; approve is a bodiless complete', async () => {
    await start({ outcomes: {} });
    const error = await caught(perform(taskIds.claimed, { action: 'reject' }));
    expect(error.code).toBe('UNSUPPORTED_ACTION');
    expect(error.context.supportedActions).not.toContain('reject');
    expect(emulator.calls).toEqual([]);
    expect((await perform(taskIds.claimed, { action: 'approve' })).task?.status).toBe('completed');
    expect(emulator.completionOf(taskIds.claimed)).toEqual({ body: '' });
  });

  test('CSRF: one login shared by concurrent requests, then the token is sent with every call', async () => {
    await start({ csrf: true }, { csrf: true });
    const [a, b] = await Promise.all([gateway.getTask('ibm', taskIds.ready), gateway.getTask('ibm', taskIds.claimed)]);
    expect([a.status, b.status]).toEqual(['open', 'claimed']);
    await perform(taskIds.ready, { action: 'claim' });
    expect(emulator.calls.filter((c) => c.path === '/bpm/system/login')).toHaveLength(1);
  });

  test('CSRF: an expired token (403 CWTBG0651E) is refreshed once and the action resent, then re-read', async () => {
    await start({ csrf: true }, { csrf: true });
    await gateway.getTask('ibm', taskIds.ready);
    emulator.expireCsrfTokens();
    emulator.calls.length = 0;
    const res = await perform(taskIds.ready, { action: 'claim' });
    expect(res).toMatchObject({ result: 'applied', warnings: [], task: { status: 'claimed' } });
    const claim = `/rest/bpm/htm/v1/task/${taskIds.ready}?action=claim`;
    expect(emulator.calls).toEqual([
      { method: 'PUT', path: claim },
      { method: 'POST', path: '/bpm/system/login' },
      { method: 'PUT', path: claim },
      { method: 'GET', path: `/rest/bpm/htm/v1/task/${taskIds.ready}` },
    ]);
  });

  test('CSRF required by the server but not configured: BACKEND_AUTH_FAILED with the vendor code, no retry', async () => {
    await start({}, { csrf: true });
    const error = await caught(perform(taskIds.ready, { action: 'claim' }));
    expect({ code: error.code, vendor: error.context.vendor?.code }).toEqual({ code: 'BACKEND_AUTH_FAILED', vendor: 'CWTBG0651E' });
    expect(emulator.calls).toHaveLength(1);
  });
});

describe('ibm-bpm through the HTTP facade', () => {
  let stack: Stack;
  let facadeEmulator: RunningEmulator;
  beforeEach(async () => {
    facadeEmulator = await listen(createIbmBpmEmulator());
    // Through the real config validation, so every default the gateway expects is filled in.
    const ibm = { vendor: 'ibm-bpm', baseUrl: facadeEmulator.url, auth: { type: 'basic', username, password }, timeoutMs: 5000 };
    const { backends } = parseConfig({ auth: { apiKeys: [{ name: 'e2e', key: 'e2e-key-12345' }] }, backends: { ibm } }, {});
    stack = await startStack((config) => {
      config.backends.ibm = backends.ibm;
    });
  });
  afterEach(async () => {
    await stack.close();
    await facadeEmulator.close();
  });

  test('claim over HTTP: 200 with the re-read task; reject without a mapping: 422 without reject in supportedActions', async () => {
    const path = `/v1/backends/ibm/tasks/${taskIds.ready}/actions`;
    const claimed = await stack.request('POST', path, { body: { action: 'claim' } });
    expect(claimed.status).toBe(200);
    expect(claimed.body).toMatchObject({ backend: 'ibm', taskId: taskIds.ready, action: 'claim', result: 'applied', task: { status: 'claimed', assignee: username } });
    const rejected = await stack.request('POST', path, { body: { action: 'reject' } });
    expect(rejected.status).toBe(422);
    expect(rejected.body).toMatchObject({ code: 'UNSUPPORTED_ACTION' });
    expect(rejected.body.supportedActions).not.toContain('reject');
  });
});
