// The IBM BPM emulator's documented behaviour and state rules, by real HTTP on an ephemeral loopback port.
import { createIbmBpmEmulator, IBM_BPM_EMULATOR_DEFAULTS, type IbmBpmEmulator, type IbmBpmEmulatorOptions } from '../../../adapters/ibm-bpm/emulator';
import { listen, type RunningEmulator } from '../../../src/emulators/emulator';

const { username, password, taskIds } = IBM_BPM_EMULATOR_DEFAULTS;
const BASIC = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

let emulator: IbmBpmEmulator;
let running: RunningEmulator;

async function start(options: IbmBpmEmulatorOptions = {}) {
  emulator = createIbmBpmEmulator(options);
  running = await listen(emulator);
}
afterEach(async () => running?.close());

const taskUrl = (tkiid: string, suffix = '') => `${running.url}/rest/bpm/htm/v1/task/${encodeURIComponent(tkiid)}${suffix}`;

async function call(method: string, url: string, init: { headers?: Record<string, string>; body?: string | Uint8Array } = {}) {
  const res = await fetch(url, { method, headers: { Authorization: BASIC, Accept: 'application/json', ...init.headers }, body: init.body });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, type: res.headers.get('content-type') ?? '' };
}

const act = (tkiid: string, query: string, init?: { headers?: Record<string, string>; body?: string | Uint8Array }) => call('PUT', taskUrl(tkiid, `?${query}`), init);
const read = async (tkiid: string) => (await call('GET', taskUrl(tkiid))).json;

describe('IBM BPM emulator', () => {
  beforeEach(() => start());

  test('Basic auth: missing or wrong credentials give 401 with WebSphere text', async () => {
    const none = await fetch(taskUrl(taskIds.ready));
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect(await none.text()).toContain('SRVE0295E');
    const wrong = await call('GET', taskUrl(taskIds.ready), { headers: { Authorization: `Basic ${Buffer.from(`${username}:nope`).toString('base64')}` } });
    expect(wrong.status).toBe(401);
  });

  test('GET task and the seeded states', async () => {
    expect(await read(taskIds.ready)).toMatchObject({ tkiid: taskIds.ready, state: 'STATE_READY', suspended: false });
    expect(await read(taskIds.claimed)).toMatchObject({ state: 'STATE_CLAIMED', owner: username });
    expect(await read(taskIds.claimedByOther)).toMatchObject({ state: 'STATE_CLAIMED', owner: 'maria.lopez' });
    expect(await read(taskIds.suspended)).toMatchObject({ state: 'STATE_READY', suspended: true });
    expect(await read(taskIds.finished)).toMatchObject({ state: 'STATE_FINISHED' });
    expect(await read(taskIds.terminated)).toMatchObject({ state: 'STATE_TERMINATED' });
  });

  test('unknown task: 404 with the HTM error envelope', async () => {
    const res = await call('GET', taskUrl('_TKI:nope'));
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ errorNumber: 'CWTKA0002E', errorMessageParameters: ['_TKI:nope'] });
    expect(res.json.programmersDetails).toBeDefined();
  });

  test('claim only when ready; it answers the input document (XML unless JSON is accepted); a second claim is 409 CWTKA0007E', async () => {
    const xml = await act(taskIds.ready, 'action=claim', { headers: { Accept: '*/*' } });
    expect(xml.status).toBe(200);
    expect(xml.type).toMatch(/application\/xml/);
    expect(xml.text).toContain('<orderId>PO-4711</orderId>');
    expect(await read(taskIds.ready)).toMatchObject({ state: 'STATE_CLAIMED', owner: username });
    const again = await act(taskIds.ready, 'action=claim');
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({ errorNumber: 'CWTKA0007E' });
    expect(again.json.errorMessage).toMatch(/^CWTKA0007E: The state of the object does not allow the requested action/);
  });

  test('claim with Accept JSON answers the input as JSON', async () => {
    const res = await act(taskIds.ready, 'action=claim');
    expect(res.json).toEqual({ orderId: 'PO-4711', amount: '12500.00' });
  });

  test('cancel (release) only when claimed; the task is ready again with no owner', async () => {
    expect((await act(taskIds.ready, 'action=cancel')).status).toBe(409);
    const res = await act(taskIds.claimed, 'action=cancel');
    expect({ status: res.status, text: res.text }).toEqual({ status: 200, text: '' });
    const task = await read(taskIds.claimed);
    expect(task.state).toBe('STATE_READY');
    expect(task.owner).toBeUndefined();
  });

  test('complete only when claimed; an output message is kept; faultName ends in STATE_FAILED', async () => {
    expect((await act(taskIds.ready, 'action=complete')).status).toBe(409);
    const done = await act(taskIds.claimed, 'action=complete', { headers: { 'Content-Type': 'application/json' }, body: '{"approved":true}' });
    expect(done.status).toBe(200);
    expect(await read(taskIds.claimed)).toMatchObject({ state: 'STATE_FINISHED' });
    expect(emulator.completionOf(taskIds.claimed)).toEqual({ body: '{"approved":true}', contentType: 'application/json' });
    expect((await act(taskIds.claimedByOther, 'action=complete&faultName=Rejected')).status).toBe(200);
    expect(await read(taskIds.claimedByOther)).toMatchObject({ state: 'STATE_FAILED' });
    expect(emulator.completionOf(taskIds.claimedByOther)).toMatchObject({ faultName: 'Rejected', body: '' });
  });

  test('complete with a broken JSON output message or an unknown content type is 415', async () => {
    expect((await act(taskIds.claimed, 'action=complete', { headers: { 'Content-Type': 'application/json' }, body: '{nope' })).status).toBe(415);
    expect((await act(taskIds.claimed, 'action=complete', { headers: { 'Content-Type': 'text/plain' }, body: 'hello' })).status).toBe(415);
    expect(await read(taskIds.claimed)).toMatchObject({ state: 'STATE_CLAIMED' });
  });

  test('suspend: indefinite, then resume; a suspended task cannot be claimed; resume needs a suspended task', async () => {
    expect((await act(taskIds.ready, 'action=resume')).status).toBe(409);
    expect((await act(taskIds.ready, 'action=suspend')).status).toBe(200);
    expect(await read(taskIds.ready)).toMatchObject({ state: 'STATE_READY', suspended: true });
    expect((await act(taskIds.ready, 'action=suspend')).status).toBe(409);
    expect((await act(taskIds.ready, 'action=claim')).status).toBe(409);
    expect((await act(taskIds.ready, 'action=resume')).status).toBe(200);
    expect(await read(taskIds.ready)).toMatchObject({ suspended: false });
  });

  test('suspend with a deadline in the past resumes on the next read; a duration keeps it suspended', async () => {
    expect((await act(taskIds.ready, 'action=suspend&deadline=2020-01-01T00%3A00%3A00Z')).status).toBe(200);
    expect(await read(taskIds.ready)).toMatchObject({ suspended: false });
    expect((await act(taskIds.claimed, 'action=suspend&duration=P14D')).status).toBe(200);
    expect(await read(taskIds.claimed)).toMatchObject({ state: 'STATE_CLAIMED', suspended: true });
  });

  test('suspend parameters are checked: both, a bad deadline or a bad duration are 400', async () => {
    for (const query of ['action=suspend&deadline=2030-01-01T00%3A00%3A00Z&duration=P1D', 'action=suspend&deadline=tomorrow', 'action=suspend&duration=14D']) {
      const res = await act(taskIds.ready, query);
      expect({ query, status: res.status, code: res.json?.errorNumber }).toEqual({ query, status: 400, code: 'CWTKA0016E' });
    }
  });

  test('terminate any live task, suspended too; not an ended one', async () => {
    expect((await act(taskIds.suspended, 'action=terminate')).status).toBe(200);
    expect(await read(taskIds.suspended)).toMatchObject({ state: 'STATE_TERMINATED', suspended: false });
    expect((await act(taskIds.finished, 'action=terminate')).status).toBe(409);
  });

  test('JSON is the default content type: an update or an output message without Content-Type is read as JSON', async () => {
    // A byte body: fetch adds no Content-Type (a string body would get text/plain).
    const untyped = (text: string) => ({ body: new TextEncoder().encode(text) });
    expect((await act(taskIds.ready, 'action=update', untyped('{"priority":2}'))).status).toBe(200);
    expect(await read(taskIds.ready)).toMatchObject({ priority: 2 });
    expect((await act(taskIds.ready, 'action=update', untyped('priority=1'))).status).toBe(415);
    expect((await act(taskIds.claimed, 'action=complete', untyped('<out/>'))).status).toBe(415);
    expect((await act(taskIds.claimed, 'action=complete', untyped('{"approved":true}'))).status).toBe(200);
    expect(emulator.completionOf(taskIds.claimed)).toEqual({ body: '{"approved":true}' });
  });

  test('a suspend with a duration ends when the duration has passed', async () => {
    await running.close();
    let clock = Date.parse('2025-09-01T08:00:00Z');
    await start({ now: () => clock });
    expect((await act(taskIds.ready, 'action=suspend&duration=PT60S')).status).toBe(200);
    clock += 59_999;
    expect(await read(taskIds.ready)).toMatchObject({ suspended: true });
    clock += 1;
    expect(await read(taskIds.ready)).toMatchObject({ suspended: false });
  });

  test('update: JSON only (else 415), applies the Task Update properties, merges customProperties', async () => {
    expect((await act(taskIds.ready, 'action=update', { headers: { 'Content-Type': 'text/plain' }, body: 'priority=1' })).status).toBe(415);
    expect((await act(taskIds.ready, 'action=update', { headers: { 'Content-Type': 'application/json' }, body: '{priority:1' })).status).toBe(415);
    const body = { priority: 1, dueTime: '2025-09-30T17:00:00+02:00', displayName: 'Urgent', description: 'now', customProperties: { costCenter: 'CC-100' } };
    const res = await act(taskIds.ready, 'action=update', { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    expect({ status: res.status, text: res.text }).toEqual({ status: 200, text: '' });
    expect(await read(taskIds.ready)).toMatchObject({
      priority: 1, dueTime: '2025-09-30T15:00:00.000Z', displayName: 'Urgent', description: 'now', customProperties: { orderId: 'PO-4711', amount: '12500.00', costCenter: 'CC-100' },
    });
    const wrongType = await act(taskIds.ready, 'action=update', { headers: { 'Content-Type': 'application/json' }, body: '{"priority":"high"}' });
    expect(wrongType.status).toBe(400);
    expect((await act(taskIds.finished, 'action=update', { headers: { 'Content-Type': 'application/json' }, body: '{"priority":1}' })).status).toBe(409);
  });

  test('transfer of the owner role: only when claimed; toUser changes the owner, toGroup offers it to the group', async () => {
    expect((await call('PUT', taskUrl(taskIds.ready, '/role/owner?action=transfer&toUser=maria.lopez'))).status).toBe(409);
    expect((await call('PUT', taskUrl(taskIds.claimed, '/role/owner?action=transfer&toUser=maria.lopez'))).status).toBe(200);
    expect(await read(taskIds.claimed)).toMatchObject({ state: 'STATE_CLAIMED', owner: 'maria.lopez' });
    expect((await call('PUT', taskUrl(taskIds.claimedByOther, '/role/owner?action=transfer&toGroup=approvers'))).status).toBe(200);
    const grouped = await read(taskIds.claimedByOther);
    expect(grouped).toMatchObject({ state: 'STATE_READY', assignedTo: 'approvers', assignedToType: 'Group' });
    expect(grouped.owner).toBeUndefined();
  });

  test('transfer needs exactly one target', async () => {
    expect((await call('PUT', taskUrl(taskIds.claimed, '/role/owner?action=transfer'))).status).toBe(400);
    expect((await call('PUT', taskUrl(taskIds.claimed, '/role/owner?action=transfer&toUser=a&toGroup=b'))).status).toBe(400);
  });

  test('missing or unknown action is 400', async () => {
    expect((await call('PUT', taskUrl(taskIds.ready))).status).toBe(400);
    expect((await act(taskIds.ready, 'action=frobnicate')).json).toMatchObject({ errorNumber: 'CWTKA0016E' });
  });

  test('tasks/filter: where clause on state and suspension, offset and size', async () => {
    const list = async (query: string) => (await call('GET', `${running.url}/rest/bpm/htm/v1/tasks/filter?${query}`)).json;
    expect((await list('')).items.map((t: { tkiid: string }) => t.tkiid)).toEqual(Object.values(taskIds));
    expect(await list('offset=1&size=2')).toMatchObject({ identifier: 'tkiid', items: [{ tkiid: taskIds.claimed }, { tkiid: taskIds.claimedByOther }] });
    const where = new URLSearchParams({ whereClause: 'TASK.STATE=TASK.STATE.STATE_READY AND TASK.SUSPENDED=FALSE' }).toString();
    expect((await list(where)).items.map((t: { tkiid: string }) => t.tkiid)).toEqual([taskIds.ready]);
    expect((await list('whereClause=TASK.SUSPENDED%3DTRUE')).items.map((t: { tkiid: string }) => t.tkiid)).toEqual([taskIds.suspended]);
    const bad = await call('GET', `${running.url}/rest/bpm/htm/v1/tasks/filter?whereClause=1%3D1%3B+DROP+TABLE`);
    expect(bad.status).toBe(400);
  });

  test('calls are recorded', async () => {
    await read(taskIds.ready);
    expect(emulator.calls).toEqual([{ method: 'GET', path: `/rest/bpm/htm/v1/task/${encodeURIComponent(taskIds.ready)}` }]);
  });
});

describe('IBM BPM emulator with CSRF', () => {
  beforeEach(() => start({ csrf: true }));

  const login = async () => (await call('POST', `${running.url}/bpm/system/login`, { headers: { 'Content-Type': 'application/json' }, body: '{"refresh-groups":false,"requested-lifetime":7200}' })).json;

  test('without a token, or with an unknown one: 403 CWTBG0651E', async () => {
    expect((await call('GET', taskUrl(taskIds.ready))).json).toMatchObject({ errorNumber: 'CWTBG0651E' });
    const res = await act(taskIds.ready, 'action=claim', { headers: { BPMCSRFToken: 'made-up' } });
    expect(res.status).toBe(403);
    expect(res.json.errorNumber).toBe('CWTBG0651E');
  });

  test('login needs Basic auth and answers csrf_token; the token works until expired', async () => {
    expect((await fetch(`${running.url}/bpm/system/login`, { method: 'POST' })).status).toBe(401);
    const { csrf_token: token } = await login();
    expect(typeof token).toBe('string');
    expect((await act(taskIds.ready, 'action=claim', { headers: { BPMCSRFToken: token } })).status).toBe(200);
    emulator.expireCsrfTokens();
    expect((await act(taskIds.claimed, 'action=cancel', { headers: { BPMCSRFToken: token } })).status).toBe(403);
  });

  test('the granted lifetime is capped by the emulator option', async () => {
    await running.close();
    let clock = Date.parse('2025-09-01T08:00:00Z');
    await start({ csrf: true, csrfLifetimeSeconds: 1, now: () => clock });
    const { csrf_token: token } = await login();
    clock += 999;
    expect((await call('GET', taskUrl(taskIds.ready), { headers: { BPMCSRFToken: token } })).status).toBe(200);
    clock += 1;
    expect((await call('GET', taskUrl(taskIds.ready), { headers: { BPMCSRFToken: token } })).status).toBe(403);
  });
});

describe('emulator-only admin routes (/_emulator/tasks)', () => {
  beforeEach(() => start({ csrf: true }));
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${running.url}/_emulator/tasks${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as any };
  };
  const filter = async () => {
    const login = await call('POST', `${running.url}/bpm/system/login`, { body: '{}' });
    const res = await call('GET', `${running.url}/rest/bpm/htm/v1/tasks/filter`, { headers: { BPMCSRFToken: login.json.csrf_token } });
    return res.json.items as any[];
  };

  test('a created task is in tasks/filter as HTM task JSON: ready without an assignee, claimed by one; no auth or CSRF, no vendor call counted', async () => {
    const open = await admin('POST', '', { name: 'Approve purchase order PO-9001', description: 'd', priority: 2, dueAt: '2030-01-31T09:00:00Z' });
    expect(open.status).toBe(201);
    expect(open.body.id).toMatch(/^_TKI:a01b0170\.[0-9a-f]{8}\.[0-9a-f]{8}\.[0-9a-f]{8}$/);
    expect(emulator.calls).toEqual([]);
    const owned = await admin('POST', '', { name: 'Verify invoice INV-9', assignee: 'maria.lopez' });
    const items = await filter();
    expect(items.find((t) => t.tkiid === open.body.id)).toMatchObject({
      displayName: 'Approve purchase order PO-9001', state: 'STATE_READY', description: 'd', priority: 2, dueTime: '2030-01-31T09:00:00.000Z',
    });
    expect(items.find((t) => t.tkiid === owned.body.id)).toMatchObject({ state: 'STATE_CLAIMED', owner: 'maria.lopez' });
    expect(items.at(-1).tkiid).toBe(owned.body.id);
  });

  test('a change sets the fields and lastModificationTime; the vendor state rules then apply to the new state', async () => {
    const { body } = await admin('POST', '', { name: 'Approve purchase order PO-9003' });
    const before = body.task.lastModificationTime;
    await new Promise((r) => setTimeout(r, 5));
    const changed = await admin('PATCH', `/${encodeURIComponent(body.id)}`, { assignee: 'anna.schmidt', priority: 1 });
    expect(changed.body.task).toMatchObject({ state: 'STATE_CLAIMED', owner: 'anna.schmidt', priority: 1 });
    expect(changed.body.task.lastModificationTime > before).toBe(true);
    expect((await admin('PATCH', `/${encodeURIComponent(body.id)}`, { vendorStatus: 'STATE_FINISHED' })).body.task.completionTime).toEqual(expect.any(String));
    const login = await call('POST', `${running.url}/bpm/system/login`, { body: '{}' });
    expect((await act(body.id, 'action=claim', { headers: { BPMCSRFToken: login.json.csrf_token } })).status).toBe(409);
  });

  test('bad bodies are 400; an unknown id 404; vendor routes stay strict', async () => {
    expect((await admin('POST', '', { name: '' })).status).toBe(400);
    expect((await admin('POST', '', { name: 'x', priority: 1.5 })).status).toBe(400);
    expect((await admin('POST', '', { name: 'x', colour: 'red' })).body.message).toContain('colour');
    expect((await admin('PATCH', `/${encodeURIComponent(taskIds.ready)}`, { vendorStatus: 'READY' })).status).toBe(400);
    expect((await admin('PATCH', '/_TKI:nope', { name: 'x' })).status).toBe(404);
    expect((await fetch(`${running.url}/rest/bpm/htm/v1/tasks/filter`)).status).toBe(401);
  });
});
