// The Oracle BPM emulator by real HTTP: auth, the documented 400/404/409, identities rules, actionList by state, shapes.
import { createOracleBpmEmulator, ORACLE_BPM_EMULATOR_DEFAULTS as D, type OracleEmulatorOptions } from '../../../adapters/oracle-bpm/emulator';
import { listen, type RunningEmulator } from '../../../src/emulators/emulator';

const BASE = '/bpm/api/4.0/tasks';
const IDS = D.taskIds;
const BASIC = `Basic ${Buffer.from(`${D.username}:${D.password}`).toString('base64')}`;
let emu: RunningEmulator;

async function start(options: OracleEmulatorOptions = {}): Promise<void> {
  emu = await listen(createOracleBpmEmulator(options));
}
afterEach(() => emu?.close());

async function call(method: string, path: string, body?: unknown, auth: string | null = BASIC) {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (auth) headers.Authorization = auth;
  const res = await fetch(emu.url + path, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

const act = (id: string, body: unknown, auth?: string | null) => call('PUT', `${BASE}/${id}`, body, auth);
const actionIds = (task: any): string[] => (task.metadata ?? task).actionList.map((a: { actionId: string }) => a.actionId);

describe('auth', () => {
  beforeEach(() => start());

  test('Basic and the bearer token are accepted; anything else is 401 with a Basic challenge', async () => {
    expect((await call('GET', `${BASE}/${IDS.open}`)).status).toBe(200);
    expect((await call('GET', `${BASE}/${IDS.open}`, undefined, `Bearer ${D.token}`)).status).toBe(200);
    const none = await call('GET', `${BASE}/${IDS.open}`, undefined, null);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic/);
    const wrong = await call('GET', `${BASE}/${IDS.open}`, undefined, `Basic ${Buffer.from(`${D.username}:nope`).toString('base64')}`);
    expect(wrong).toMatchObject({ status: 401, body: { title: 'Unauthorized', status: 401 } });
    expect((await call('GET', `${BASE}/${IDS.open}`, undefined, 'Bearer nope')).status).toBe(401);
  });

  test('credentials can be overridden; ACQUIRE records the caller (bearer: tokenUser)', async () => {
    await emu.close();
    await start({ username: 'u', password: 'p', token: 't', tokenUser: 'oauth-user', shape: 'classic' });
    expect((await call('GET', `${BASE}/${IDS.open}`)).status).toBe(401);
    const claimed = await act(IDS.open, { action: { id: 'ACQUIRE' } }, 'Bearer t');
    expect(claimed.body).toMatchObject({ state: 'ASSIGNED', acquiredBy: 'oauth-user', substate: 'ACQUIRED' });
  });
});

describe('A2A shape (default, as the vendor doc documents)', () => {
  beforeEach(() => start());

  test('a task is {kind, id, contextId, status{state, timestamp}, metadata: classic task}', async () => {
    const { status, body } = await call('GET', `${BASE}/${IDS.open}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      kind: 'task', id: expect.stringMatching(/^[0-9a-f-]{36}$/), contextId: expect.stringMatching(/^[0-9a-f-]{36}$/), final: false,
      status: { state: 'submitted', timestamp: '2024-11-14T12:10:27.000Z', message: { kind: 'message', role: 'agent' } },
      metadata: { number: 200041, state: 'ASSIGNED', createdDate: '2024-11-14 12:10:27', title: expect.any(String) },
      artifacts: [], history: [],
    });
  });

  test('states: working once acquired, input-required, unknown for SUSPENDED and EXPIRED, final when terminal', async () => {
    const state = async (id: string) => (await call('GET', `${BASE}/${id}`)).body;
    expect((await state(IDS.claimed)).status.state).toBe('working');
    expect((await state(IDS.infoRequested)).status.state).toBe('input-required');
    expect((await state(IDS.suspended)).status.state).toBe('unknown');
    expect((await state(IDS.expired)).status.state).toBe('unknown');
    expect(await state(IDS.completed)).toMatchObject({ status: { state: 'completed' }, final: true });
    expect((await state(IDS.withdrawn)).status.state).toBe('canceled');
  });
});

describe('classic shape', () => {
  beforeEach(() => start({ shape: 'classic', timeZone: 'Asia/Kolkata' }));

  test('the classic task JSON, dates as YYYY-MM-DD HH:mm:ss in the configured zone', async () => {
    const { body } = await call('GET', `${BASE}/${IDS.open}`);
    expect(body).toMatchObject({
      number: 200041, state: 'ASSIGNED', priority: 3, createdDate: '2024-11-14 17:40:27',
      assignees: { items: [{ id: 'jcooper', type: 'user' }] },
      comments: { items: [{ commentStr: 'Receipts attached', updatedBy: 'achrist' }] },
      attachments: { items: [{ title: 'receipts.pdf', uri: { rel: 'stream' } }] },
    });
    expect(body.kind).toBeUndefined();
  });

  test('actionList depends on state', async () => {
    const list = async (id: string) => actionIds((await call('GET', `${BASE}/${id}`)).body);
    const open = await list(IDS.open);
    expect(open.slice(0, 2)).toEqual(['APPROVE', 'REJECT']);
    expect(open).toEqual(expect.arrayContaining(['ACQUIRE', 'REASSIGN', 'DELEGATE', 'INFO_REQUEST', 'SUSPEND', 'PURGE']));
    expect(open).not.toContain('RELEASE');
    expect(open).not.toContain('PUSHBACK');
    expect(open).not.toContain('SKIP_CURRENT_ASSIGNMENT');
    const claimed = await list(IDS.claimed);
    expect(claimed).toContain('RELEASE');
    expect(claimed).toContain('PUSHBACK');
    expect(claimed).not.toContain('ACQUIRE');
    expect(await list(IDS.customOutcomes)).toEqual(expect.arrayContaining(['ACCEPT', 'DEFER', 'SKIP_CURRENT_ASSIGNMENT']));
    expect(await list(IDS.suspended)).toEqual(['RESUME', 'WITHDRAW', 'DELETE', 'PURGE']);
    expect(await list(IDS.infoRequested)).toEqual(['INFO_SUBMIT', 'WITHDRAW', 'DELETE', 'PURGE']);
    expect(await list(IDS.completed)).toEqual(['PURGE']);
    const custom = (await call('GET', `${BASE}/${IDS.open}`)).body.actionList[0];
    expect(custom).toEqual({ actionId: 'APPROVE', actionType: 'Custom', title: 'Approve' });
  });

  test('the documented 400 for a bad task number, 404 for an unknown one', async () => {
    expect(await act('abc', { action: { id: 'APPROVE' } })).toMatchObject({
      status: 400, body: { detail: 'The tasknumber is invalid. No action will be performed.' },
    });
    expect(await act('999999', { action: { id: 'APPROVE' } })).toMatchObject({ status: 404, body: { detail: 'Task not found.' } });
    expect((await call('GET', `${BASE}/999999`)).status).toBe(404);
  });

  test('bad bodies are 400: not JSON, no action id, unknown action, bad comment, bad priority', async () => {
    expect((await act(IDS.open, 'not json')).status).toBe(400);
    expect((await act(IDS.open, { action: 'APPROVE' })).status).toBe(400);
    expect((await act(IDS.open, { action: { id: 'FROBNICATE' } })).status).toBe(400);
    expect((await act(IDS.open, { action: { id: 'APPROVE' }, comment: 'text' })).status).toBe(400);
    expect((await act(IDS.open, { action: { id: 'APPROVE' }, priority: 9 })).status).toBe(400);
    expect((await call('GET', `${BASE}/${IDS.open}`)).body.state).toBe('ASSIGNED');
  });

  test('identities: required for REASSIGN, DELEGATE, INFO_REQUEST; refused on ACQUIRE; types checked', async () => {
    for (const id of ['REASSIGN', 'DELEGATE', 'INFO_REQUEST']) {
      expect(await act(IDS.open, { action: { id } })).toMatchObject({ status: 400, body: { detail: `${id} requires identities` } });
    }
    expect((await act(IDS.open, { action: { id: 'ACQUIRE' }, identities: [{ id: 'jcooper', type: 'user' }] })).status).toBe(400);
    expect((await act(IDS.open, { action: { id: 'REASSIGN' }, identities: [{ id: 'x', type: 'robot' }] })).status).toBe(400);
    expect((await act(IDS.open, { action: { id: 'REASSIGN' }, identities: [] })).status).toBe(400);
    // Only the configured field (identities by default): the 26b rendering's `assignees` is refused.
    expect((await act(IDS.open, { action: { id: 'REASSIGN' }, assignees: [{ id: 'Finance', type: 'group' }] })).status).toBe(400);
    const moved = await act(IDS.open, { action: { id: 'REASSIGN' }, identities: [{ id: 'Finance', type: 'group' }] });
    expect(moved.body).toMatchObject({ assignees: { items: [{ id: 'Finance', type: 'group' }] }, substate: 'REASSIGNED' });
  });

  test('409 for an action the state does not offer; nothing changes', async () => {
    expect(await act(IDS.completed, { action: { id: 'APPROVE' } })).toMatchObject({ status: 409, body: { title: 'Conflict' } });
    expect((await act(IDS.claimed, { action: { id: 'ACQUIRE' } })).status).toBe(409);
    expect((await act(IDS.open, { action: { id: 'RELEASE' } })).status).toBe(409);
    expect((await act(IDS.open, { action: { id: 'PUSHBACK' } })).status).toBe(409);
    expect((await act(IDS.suspended, { action: { id: 'APPROVE' } })).status).toBe(409);
    expect((await act(IDS.open, { action: { id: 'ERROR' } })).status).toBe(409);
    expect((await call('GET', `${BASE}/${IDS.completed}`)).body).toMatchObject({ state: 'COMPLETED', outcome: 'APPROVE' });
  });

  test('claim, release, outcome with a comment', async () => {
    expect((await act(IDS.open, { action: { id: 'ACQUIRE' } })).body).toMatchObject({ acquiredBy: 'jcooper' });
    const released = await act(IDS.open, { action: { id: 'RELEASE' } });
    expect(released.body.acquiredBy).toBeUndefined();
    const done = await act(IDS.open, { action: { id: 'APPROVE' }, comment: { commentStr: 'ok by me', commentScope: 'TASK' } });
    expect(done.body).toMatchObject({ state: 'COMPLETED', outcome: 'APPROVE', actionList: [{ actionId: 'PURGE' }] });
    expect(done.body.comments.items.at(-1)).toMatchObject({ commentStr: 'ok by me', commentScope: 'TASK', updatedBy: 'jcooper' });
    // A task's own Custom outcome completes it; another task's outcome is not a valid action here.
    expect((await act(IDS.customOutcomes, { action: { id: 'DEFER' } })).body).toMatchObject({ state: 'COMPLETED', outcome: 'DEFER' });
    expect((await act(IDS.claimed, { action: { id: 'DEFER' } })).status).toBe(400);
  });

  test('info request round trip returns the task to its assignees', async () => {
    const asked = await act(IDS.open, { action: { id: 'INFO_REQUEST' }, identities: [{ id: 'achrist', type: 'user' }] });
    expect(asked.body).toMatchObject({ state: 'INFO_REQUESTED', assignees: { items: [{ id: 'achrist' }] } });
    const answered = await act(IDS.open, { action: { id: 'INFO_SUBMIT' }, comments: 'cost center 4711' });
    expect(answered.body).toMatchObject({ state: 'ASSIGNED', substate: 'INFO_SUBMITTED', assignees: { items: [{ id: 'jcooper' }] } });
    expect(answered.body.comments.items.at(-1).commentStr).toBe('cost center 4711');
  });

  test('suspend keeps the acquisition across resume; withdraw ends the task', async () => {
    expect((await act(IDS.claimed, { action: { id: 'SUSPEND' } })).body.state).toBe('SUSPENDED');
    expect((await act(IDS.claimed, { action: { id: 'RESUME' } })).body).toMatchObject({ state: 'ASSIGNED', acquiredBy: 'jcooper' });
    expect((await act(IDS.claimed, { action: { id: 'WITHDRAW' } })).body.state).toBe('WITHDRAWN');
  });

  test('skip moves to the next participant, push back returns to the previous one, escalate to the manager', async () => {
    expect((await act(IDS.customOutcomes, { action: { id: 'SKIP_CURRENT_ASSIGNMENT' } })).body).toMatchObject({ assignees: { items: [{ id: 'wfaulk' }] }, substate: 'SKIPPED' });
    const back = await act(IDS.customOutcomes, { action: { id: 'PUSHBACK' } });
    expect(back.body).toMatchObject({ assignees: { items: [{ id: 'jcooper' }] }, substate: 'PUSHED_BACK' });
    expect(actionIds(back.body)).toContain('SKIP_CURRENT_ASSIGNMENT');
    expect((await act(IDS.open, { action: { id: 'ESCALATE' } })).body).toMatchObject({ assignees: { items: [{ id: 'jstein' }] }, substate: 'ESCALATED' });
  });

  test('ADHOC_ROUTE needs identities and a routingType', async () => {
    expect((await act(IDS.open, { action: { id: 'ADHOC_ROUTE' }, identities: [{ id: 'wfaulk', type: 'user' }] })).status).toBe(400);
    const routed = await act(IDS.open, { action: { id: 'ADHOC_ROUTE' }, identities: [{ id: 'wfaulk', type: 'user' }], routingType: 'Simple' });
    expect(routed.body).toMatchObject({ substate: 'ROUTED', assignees: { items: [{ id: 'wfaulk' }] } });
  });

  test('PURGE answers a title and the task is gone', async () => {
    expect(await act(IDS.completed, { action: { id: 'PURGE' } })).toMatchObject({ status: 200, body: { title: 'Task 200046 purged successfully.' } });
    expect((await call('GET', `${BASE}/${IDS.completed}`)).status).toBe(404);
  });

  test('list: offset/limit, ordered by number, totals', async () => {
    const page = await call('GET', `${BASE}?offset=2&limit=3`);
    expect(page.body).toMatchObject({ offset: 2, limit: 3, hasMore: true, totalResults: 8 });
    expect(page.body.items.map((t: { number: number }) => t.number)).toEqual([200043, 200044, 200045]);
    const last = await call('GET', `${BASE}?offset=6`);
    expect(last.body).toMatchObject({ hasMore: false, limit: 25 });
    expect(last.body.items).toHaveLength(2);
    expect((await call('GET', `${BASE}?limit=0`)).status).toBe(400);
    expect((await call('GET', `${BASE}?offset=-1`)).status).toBe(400);
  });
});

describe('strict forms of the ambiguous choices', () => {
  test("identitiesField 'assignees' (Fusion 26b): assignees carry the targets; identities is refused", async () => {
    await start({ shape: 'classic', identitiesField: 'assignees' });
    expect((await act(IDS.open, { action: { id: 'DELEGATE' }, identities: [{ id: 'wfaulk', type: 'user' }] })).status).toBe(400);
    expect((await act(IDS.open, { action: { id: 'DELEGATE' } })).body).toMatchObject({ status: 400, detail: 'DELEGATE requires identities' });
    const moved = await act(IDS.open, { action: { id: 'DELEGATE' }, assignees: [{ id: 'wfaulk', type: 'user' }] });
    expect(moved.body).toMatchObject({ assignees: { items: [{ id: 'wfaulk', type: 'user' }] }, substate: 'DELEGATED' });
  });

  test("a2aTaskNumber: 'metadata' (default) puts the number in metadata only; 'id' in id only", async () => {
    await start();
    const byMetadata = (await call('GET', `${BASE}/${IDS.open}`)).body;
    expect(byMetadata.metadata.number).toBe(200041);
    expect(byMetadata.id).not.toBe(IDS.open);
    await emu.close();
    await start({ a2aTaskNumber: 'id' });
    const byId = (await call('GET', `${BASE}/${IDS.open}`)).body;
    expect(byId.id).toBe(IDS.open);
    expect(byId.metadata).not.toHaveProperty('number');
    expect(byId.metadata).toMatchObject({ taskId: byId.contextId, state: 'ASSIGNED' });
  });
});

describe('request checks', () => {
  beforeEach(() => start({ shape: 'classic' }));

  test('the PUT body must be application/json: another or a missing Content-Type is 415 and changes nothing', async () => {
    const put = (headers: Record<string, string>, body: string | Uint8Array) => fetch(`${emu.url}${BASE}/${IDS.open}`, { method: 'PUT', headers: { Authorization: BASIC, ...headers }, body });
    const approve = JSON.stringify({ action: { id: 'APPROVE' } });
    expect((await put({ 'Content-Type': 'text/plain' }, approve)).status).toBe(415);
    expect((await put({}, new TextEncoder().encode(approve))).status).toBe(415);
    expect((await call('GET', `${BASE}/${IDS.open}`)).body.state).toBe('ASSIGNED');
    expect((await put({ 'Content-Type': 'application/json; charset=utf-8' }, approve)).status).toBe(200);
  });

  test('votersPercentage is an integer 0-100, defaultActionForGroupVote and the routing fields strings', async () => {
    const route = { action: { id: 'ADHOC_ROUTE' }, identities: [{ id: 'wfaulk', type: 'user' }], routingType: 'Parallel' };
    for (const bad of [{ votersPercentage: '50' }, { votersPercentage: 50.5 }, { votersPercentage: 101 }, { defaultActionForGroupVote: 1 }, { routingAction: true }, { routingType: 3 }]) {
      expect({ bad, status: (await act(IDS.open, { ...route, ...bad })).status }).toEqual({ bad, status: 400 });
    }
    expect((await call('GET', `${BASE}/${IDS.open}`)).body.state).toBe('ASSIGNED');
    const routed = await act(IDS.open, { ...route, votersPercentage: 50, defaultActionForGroupVote: 'APPROVE', routingAction: 'APPROVE' });
    expect(routed.body).toMatchObject({ substate: 'ROUTED' });
  });
});

test('a bad shape or zone is refused when the emulator is created', () => {
  expect(() => createOracleBpmEmulator({ identitiesField: 'targets' as never })).toThrow(/identitiesField/);
  expect(() => createOracleBpmEmulator({ a2aTaskNumber: 'number' as never })).toThrow(/a2aTaskNumber/);
  expect(() => createOracleBpmEmulator({ shape: 'xml' as never })).toThrow(/shape/);
  expect(() => createOracleBpmEmulator({ timeZone: 'Mars/Olympus' })).toThrow();
});

describe('emulator-only admin routes (/_emulator/tasks)', () => {
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${emu.url}/_emulator/tasks${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as any };
  };

  test('a created task is numbered after the highest and listed in the configured shape; no auth needed', async () => {
    await start({ shape: 'classic' });
    const created = await admin('POST', '', { name: 'Approve expense report EXP-2030-1', description: 'd', assignee: 'wfaulk', priority: 2, dueAt: '2030-01-31T09:00:00Z' });
    expect(created).toMatchObject({ status: 201, body: { id: '200049' } });
    const list = await call('GET', `${BASE}?offset=8`);
    expect(list.body.items).toEqual([expect.objectContaining({
      number: 200049, title: 'Approve expense report EXP-2030-1', state: 'ASSIGNED', description: 'd', priority: 2, assignees: { items: [{ id: 'wfaulk', type: 'user' }] },
    })]);
    expect(actionIds(list.body.items[0])).toContain('ACQUIRE');
    expect(actionIds(list.body.items[0])).not.toContain('PUSHBACK');
    expect((await act('200049', { action: { id: 'APPROVE' } })).body).toMatchObject({ state: 'COMPLETED', outcome: 'APPROVE' });
  });

  test('a change moves the assignee (no longer acquired) and the state; priority stays 1-5', async () => {
    await start();
    const changed = await admin('PATCH', `/${IDS.claimed}`, { assignee: 'achrist' });
    expect(changed.body.task.metadata).toMatchObject({ assignees: { items: [{ id: 'achrist', type: 'user' }] }, substate: 'REASSIGNED' });
    expect(changed.body.task.metadata.acquiredBy).toBeUndefined();
    expect((await admin('PATCH', `/${IDS.open}`, { vendorStatus: 'SUSPENDED' })).body.task.status.state).toBe('unknown');
    expect((await act(IDS.open, { action: { id: 'RESUME' } })).status).toBe(200);
    expect((await admin('PATCH', `/${IDS.open}`, { priority: 9 })).status).toBe(400);
    expect((await admin('POST', '', { name: 'x', priority: 0 })).status).toBe(400);
    expect((await admin('GET', '')).body.items).toHaveLength(8);
    expect((await admin('PATCH', '/999999', { name: 'x' })).status).toBe(404);
    expect((await admin('PATCH', '/abc', { name: 'x' })).status).toBe(404);
    expect((await call('GET', BASE, undefined, null)).status).toBe(401);
  });
});
