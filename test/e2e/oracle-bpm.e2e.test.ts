// End to end: the gateway core and the real transport against the Oracle BPM emulator on loopback, both shapes;
// then one pass through the HTTP facade. No mocked dispatcher here.
import { createOracleBpmEmulator, ORACLE_BPM_EMULATOR_DEFAULTS as D, type OracleShape } from '../../adapters/oracle-bpm/emulator';
import type { ActionCommand } from '../../src/core/actions';
import { Gateway } from '../../src/core/gateway';
import { createBackend } from '../../src/compose';
import { parseConfig } from '../../src/config/load';
import { listen, type Emulator, type RunningEmulator } from '../../src/emulators/emulator';
import { startStack, type Stack } from '../helpers/stack';
import { caught } from '../helpers/gateway';

const IDS = D.taskIds;
const BASIC = { type: 'basic', username: D.username, password: D.password };

function gatewayFor(url: string, extra: Record<string, unknown> = {}): Gateway {
  const raw = parseConfig({
    auth: { apiKeys: [{ name: 't', key: 'e2e-key-123' }] },
    backends: { oracle: { vendor: 'oracle-bpm', baseUrl: url, auth: BASIC, timeoutMs: 5000, ...extra } },
  }, {}).backends.oracle;
  return new Gateway([createBackend('oracle', raw)]);
}


describe.each<OracleShape>(['a2a', 'classic'])('oracle-bpm end to end, %s shape', (shape) => {
  let emulator: Emulator;
  let running: RunningEmulator;
  let gateway: Gateway;
  const perform = (c: Omit<ActionCommand, 'backend'>) => gateway.perform({ backend: 'oracle', ...c } as ActionCommand);
  const puts = () => emulator.calls.filter((c) => c.method === 'PUT');

  beforeEach(async () => {
    emulator = createOracleBpmEmulator({ shape });
    running = await listen(emulator);
    gateway = gatewayFor(running.url);
  });
  afterEach(() => running.close());

  test('get one task: canonical fields, allowedActions from the actionList', async () => {
    const task = await gateway.getTask('oracle', IDS.open);
    expect(task).toMatchObject({
      id: IDS.open, backend: 'oracle', vendor: 'oracle-bpm', name: 'Approve expense report EXP-2024-1187 (1,240.00 USD)',
      description: 'Client dinner and travel, Q4 sales kickoff', status: 'open', vendorStatus: shape === 'a2a' ? 'submitted' : 'ASSIGNED',
      priority: 3, assignee: 'jcooper', createdAt: '2024-11-14T12:10:27.000Z', dueAt: '2024-11-21T12:10:27.000Z',
      comments: [{ id: '1', text: 'Receipts attached', author: 'achrist', createdAt: '2024-11-14T12:11:02.000Z' }],
      attachments: [{ id: 'receipts.pdf' }],
      properties: { taskId: '3f2a1c9e-7d41-4b6e-9c0a-000000200041', processName: 'ExpenseApproval', identificationKey: 'EXP-2024-1187' },
    });
    expect(task.allowedActions).toEqual(['approve', 'reject', 'claim', 'reassign', 'delegate', 'escalate', 'request_info', 'suspend', 'withdraw', 'custom', 'add_comment', 'update']);
    expect(task.properties).toMatchObject({
      outcomes: 'APPROVE,REJECT',
      vendorActions: 'APPROVE,REJECT,ACQUIRE,REASSIGN,DELEGATE,ESCALATE,INFO_REQUEST,SUSPEND,WITHDRAW,ADHOC_ROUTE,SAVE,DELETE,PURGE',
    });
    const custom = await gateway.getTask('oracle', IDS.customOutcomes);
    expect(custom.allowedActions).toEqual(expect.arrayContaining(['complete', 'reject', 'skip']));
    expect(custom.allowedActions!.filter((a) => a === 'complete')).toHaveLength(1);
    expect(custom.properties.outcomes!.split(',')).toEqual(expect.arrayContaining(['ACCEPT', 'DEFER', 'REJECT']));
  });

  test('every seeded state maps to its canonical status', async () => {
    const status = async (id: string) => (await gateway.getTask('oracle', id)).status;
    expect(await status(IDS.claimed)).toBe('claimed');
    expect(await status(IDS.suspended)).toBe('suspended');
    expect(await status(IDS.infoRequested)).toBe('info_requested');
    expect(await status(IDS.completed)).toBe('completed');
    expect(await status(IDS.withdrawn)).toBe('canceled');
    expect(await status(IDS.expired)).toBe('expired');
  });

  test('list: offset and limit reach the vendor, total comes back', async () => {
    const page = await gateway.listTasks('oracle', { limit: 3, offset: 2, filters: {} });
    expect(page.items.map((t) => t.id)).toEqual([IDS.customOutcomes, IDS.suspended, IDS.infoRequested]);
    expect(page.total).toBe(8);
    expect(emulator.calls.at(-1)?.path).toBe('/bpm/api/4.0/tasks?offset=2&limit=3');
  });

  test('approve with a comment completes the task and stores the comment', async () => {
    const res = await perform({ taskId: IDS.open, action: 'approve', comment: 'Within policy' });
    expect(res).toMatchObject({ result: 'applied', warnings: [], vendor: { status: 200 } });
    expect(res.task).toMatchObject({ status: 'completed', properties: { outcome: 'APPROVE', vendorActions: 'PURGE' }, allowedActions: ['custom'] });
    expect(res.task!.comments.at(-1)).toMatchObject({ text: 'Within policy', author: D.username });
  });

  test('reject, and complete with a Custom outcome', async () => {
    expect((await perform({ taskId: IDS.open, action: 'reject' })).task).toMatchObject({ status: 'completed', properties: { outcome: 'REJECT' } });
    const done = await perform({ taskId: IDS.customOutcomes, action: 'complete', outcome: 'ACCEPT', data: { note: 'x' } });
    expect(done.task).toMatchObject({ status: 'completed', properties: { outcome: 'ACCEPT' } });
    expect(done.warnings).toEqual(['Oracle BPM task actions carry no process data: `data` was not sent']);
  });

  test('claim then release', async () => {
    const claimed = await perform({ taskId: IDS.open, action: 'claim' });
    expect(claimed.task).toMatchObject({ status: 'claimed', assignee: D.username });
    expect(claimed.task!.allowedActions).toContain('release');
    expect((await perform({ taskId: IDS.open, action: 'release' })).task).toMatchObject({ status: 'open' });
  });

  test('reassign and delegate move the task; escalate goes to the manager', async () => {
    const moved = await perform({ taskId: IDS.open, action: 'reassign', to: { id: 'Finance', type: 'group' }, comment: 'Finance owns this' });
    expect(moved.task).toMatchObject({ status: 'open', assignee: 'Finance', properties: { substate: 'REASSIGNED' } });
    expect((await perform({ taskId: IDS.open, action: 'delegate', to: { id: 'wfaulk' } })).task).toMatchObject({ assignee: 'wfaulk', properties: { substate: 'DELEGATED' } });
    expect((await perform({ taskId: IDS.open, action: 'escalate' })).task).toMatchObject({ assignee: 'jstein' });
  });

  test('request_info then submit_info', async () => {
    const asked = await perform({ taskId: IDS.open, action: 'request_info', to: { id: 'achrist' }, comment: 'Which cost center?' });
    expect(asked.task).toMatchObject({ status: 'info_requested', assignee: 'achrist', allowedActions: ['submit_info', 'withdraw', 'custom'] });
    const answered = await perform({ taskId: IDS.open, action: 'submit_info', comment: '4711' });
    expect(answered.task).toMatchObject({ status: 'open', assignee: 'jcooper' });
  });

  test('suspend (a duration is warned, not sent) and resume keep the claim', async () => {
    const suspended = await perform({ taskId: IDS.claimed, action: 'suspend', durationSeconds: 3600 });
    expect(suspended.task).toMatchObject({ status: 'suspended', allowedActions: ['resume', 'withdraw', 'custom'], properties: { vendorActions: 'RESUME,WITHDRAW,DELETE,PURGE' } });
    expect(suspended.warnings).toEqual([expect.stringContaining('`durationSeconds` was not sent')]);
    expect(puts()).toHaveLength(1);
    expect((await perform({ taskId: IDS.claimed, action: 'resume' })).task).toMatchObject({ status: 'claimed', assignee: 'jcooper' });
  });

  test('withdraw cancels', async () => {
    expect((await perform({ taskId: IDS.open, action: 'withdraw', comment: 'duplicate' })).task).toMatchObject({ status: 'canceled' });
  });

  test('skip to the next participant, then push back', async () => {
    expect((await perform({ taskId: IDS.customOutcomes, action: 'skip', comment: 'on leave' })).task).toMatchObject({ assignee: 'wfaulk' });
    expect((await perform({ taskId: IDS.customOutcomes, action: 'push_back' })).task).toMatchObject({ assignee: 'jcooper' });
  });

  test('custom PURGE: applied, no task, and the task is gone', async () => {
    const purged = await perform({ taskId: IDS.completed, action: 'custom', name: 'PURGE' });
    expect(purged).toMatchObject({ result: 'applied', warnings: [] });
    expect(purged.task).toBeUndefined();
    expect((await caught(gateway.getTask('oracle', IDS.completed))).code).toBe('TASK_NOT_FOUND');
  });

  test('vendor refusals: 409 state, 404 number, 400 bad number or missing identities', async () => {
    const conflict = await caught(perform({ taskId: IDS.completed, action: 'approve' }));
    expect(conflict).toMatchObject({ code: 'CONFLICT', status: 409, context: { vendor: { status: 409, message: expect.stringContaining('not allowed') } } });
    expect((await caught(perform({ taskId: '999999', action: 'claim' }))).code).toBe('TASK_NOT_FOUND');
    const bad = await caught(perform({ taskId: 'EXP-1', action: 'approve' }));
    expect(bad).toMatchObject({ code: 'BACKEND_REJECTED', context: { vendor: { status: 400, message: 'The tasknumber is invalid. No action will be performed.' } } });
    const adhoc = await caught(perform({ taskId: IDS.open, action: 'custom', name: 'ADHOC_ROUTE' }));
    expect(adhoc).toMatchObject({ code: 'BACKEND_REJECTED', context: { vendor: { message: 'ADHOC_ROUTE requires identities' } } });
  });
});

describe('oracle-bpm end to end: auth and time zones', () => {
  let running: RunningEmulator;
  afterEach(() => running.close());

  test('bearer works; wrong credentials are BACKEND_AUTH_FAILED', async () => {
    running = await listen(createOracleBpmEmulator());
    const bearer = gatewayFor(running.url, { auth: { type: 'bearer', token: D.token } });
    expect((await bearer.getTask('oracle', IDS.open)).id).toBe(IDS.open);
    const wrong = gatewayFor(running.url, { auth: { type: 'basic', username: D.username, password: 'wrong' } });
    expect(await caught(wrong.getTask('oracle', IDS.open))).toMatchObject({ code: 'BACKEND_AUTH_FAILED', context: { vendor: { status: 401 } } });
  });

  test('a server writing New York wall times, read with timeZone America/New_York, gives the same instants', async () => {
    running = await listen(createOracleBpmEmulator({ shape: 'classic', timeZone: 'America/New_York' }));
    const task = await gatewayFor(running.url, { timeZone: 'America/New_York' }).getTask('oracle', IDS.open);
    expect(task).toMatchObject({ createdAt: '2024-11-14T12:10:27.000Z', dueAt: '2024-11-21T12:10:27.000Z' });
    // The same answer read as UTC is five hours off: the setting matters.
    const utc = await gatewayFor(running.url).getTask('oracle', IDS.open);
    expect(utc.createdAt).toBe('2024-11-14T07:10:27.000Z');
  });
});

describe('oracle-bpm through the HTTP facade', () => {
  let stack: Stack;
  let running: RunningEmulator;
  let emulator: Emulator;

  beforeEach(async () => {
    emulator = createOracleBpmEmulator();
    running = await listen(emulator);
    const raw = parseConfig({
      auth: { apiKeys: [{ name: 't', key: 'e2e-key-123' }] },
      backends: { 'oracle-e2e': { vendor: 'oracle-bpm', baseUrl: running.url, auth: BASIC } },
    }, {}).backends['oracle-e2e'];
    stack = await startStack((config) => {
      config.backends['oracle-e2e'] = raw;
    });
  });
  afterEach(async () => {
    await stack.close();
    await running.close();
  });

  test('manifest, an action, a dry run and a vendor conflict', async () => {
    const manifest = await stack.request('GET', '/v1/backends/oracle-e2e');
    expect(manifest.status).toBe(200);
    expect(manifest.body.actions).toMatchObject({ claim: { supported: true, vendorAction: 'ACQUIRE' }, terminate: { supported: false } });

    const claimed = await stack.request('POST', `/v1/backends/oracle-e2e/tasks/${IDS.open}/actions`, { body: { action: 'claim' } });
    expect(claimed.status).toBe(200);
    expect(claimed.body).toMatchObject({ backend: 'oracle-e2e', taskId: IDS.open, action: 'claim', result: 'applied', task: { status: 'claimed' } });
    expect(claimed.body.task.raw).toBeUndefined();

    const dry = await stack.request('POST', `/v1/backends/oracle-e2e/tasks/${IDS.open}/actions?dryRun=true`, { body: { action: 'reassign', to: { id: 'wfaulk' } } });
    expect(dry.body.vendorRequests).toEqual([expect.objectContaining({
      method: 'PUT', url: `${running.url}/bpm/api/4.0/tasks/${IDS.open}`, headers: expect.objectContaining({ Authorization: '***' }),
    })]);
    expect(JSON.parse(dry.body.vendorRequests[0].body)).toEqual({ action: { id: 'REASSIGN' }, identities: [{ id: 'wfaulk', type: 'user' }] });

    const conflict = await stack.request('POST', `/v1/backends/oracle-e2e/tasks/${IDS.completed}/actions`, { body: { action: 'approve' } });
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({ code: 'CONFLICT', backend: 'oracle-e2e', vendor: { status: 409 } });
    expect(emulator.calls.filter((c) => c.method === 'PUT')).toHaveLength(2);
  });
});
