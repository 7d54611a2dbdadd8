// The K2 emulator against its vendor document, by real HTTP: Basic auth, XML only (JSON gets 202, no change), worklist state rules.
import { createK2Emulator, K2_EMULATOR_DEFAULTS as D, type K2Emulator } from '../../../adapters/k2/emulator';
import { parseXml } from '../../../adapters/k2/xml';
import { listen, type RunningEmulator } from '../../../src/emulators/emulator';

const ROOT = D.basePath;
const T = 'http://schemas.k2.com/task/d1';
const P = 'http://schemas.k2.com/process/d1';
let clock = Date.parse('2025-03-06T12:00:00.000Z');
let emulator: K2Emulator;
let emu: RunningEmulator;

beforeEach(async () => {
  clock = Date.parse('2025-03-06T12:00:00.000Z');
  emulator = createK2Emulator({ now: () => clock });
  emu = await listen(emulator);
});
afterEach(() => emu.close());

const basic = (user: string = D.username, pass: string = D.password) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

async function call(method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  const res = await fetch(emu.url + ROOT + path, { method, body, headers: { Authorization: basic(), ...headers } });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

const update = (serial: string, action: string, inner = '') =>
  call('POST', '/Task/Items/UpdateTask',
    `<?xml version="1.0" encoding="utf-8"?><t:UpdateTask xmlns:t="${T}" xmlns:p="${P}" Action="${action}"><t:Task SerialNumber="${serial}">${inner}</t:Task></t:UpdateTask>`,
    { 'Content-Type': 'application/xml' });

/** The worklist as the service answers it: serial number to { status, allocated user, action names }. */
async function worklist(query = '') {
  const res = await call('GET', `/Task/Items${query}`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/application\/xml/);
  const doc = parseXml(res.text, { arrays: ['Task', 'Action', 'ProcessDataField'], trim: false });
  const tasks = ((doc.TaskCollection as any)?.Task ?? []) as any[];
  return Object.fromEntries(tasks.map((t) => [t['@SerialNumber'], {
    status: t.Status, allocatedUser: t.AllocatedUser, actions: (t.Action ?? []).map((a: any) => a['@Name']),
    data: Object.fromEntries((t.ProcessDataField ?? []).map((f: any) => [f['@Name'], f['#text'] ?? ''])),
  }]));
}

const failure = (text: string) => (parseXml(text).Failure as any)?.Message as string;

test('Basic credentials are required: 401 with a Basic challenge', async () => {
  for (const auth of [undefined, basic(D.username, 'wrong'), basic('DENALLIX\\mallory', D.password), 'Bearer x']) {
    const res = await fetch(`${emu.url}${ROOT}/Task/Items`, { headers: auth ? { Authorization: auth } : {} });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic/);
  }
  expect(emulator.updates).toEqual([]);
});

test('Task/Items: the seeded TaskCollection with fixed serial numbers, statuses and actions', async () => {
  const list = await worklist();
  expect(Object.keys(list)).toEqual(['2_24', '12_8', '19_10', '31_5', '25_72', '7_3']);
  expect(list['2_24']).toMatchObject({ status: 'Available', actions: ['Approve', 'Reject', 'Rework'] });
  expect(list['19_10']).toMatchObject({ status: 'Open', allocatedUser: 'K2:DENALLIX\\Bob' });
  expect(list['31_5']).toMatchObject({ status: 'Allocated', actions: ['Acknowledge', 'Sign'] });
  expect(list['25_72'].status).toBe('Sleep');
  expect(list['7_3']).toMatchObject({ status: 'Completed', actions: [] });
});

test('Task/Items: $skip/$top paging ($top=0 means all), case-insensitive options, filterXml', async () => {
  expect(Object.keys(await worklist('?$skip=1&$top=2'))).toEqual(['12_8', '19_10']);
  expect(Object.keys(await worklist('?%24SKIP=4&%24Top=0'))).toEqual(['25_72', '7_3']);
  const criteria = (field: string, comparison: string, value: string) =>
    `?filterXml=${encodeURIComponent(`<Criteria xmlns="http://schemas.k2.com/worklist/d1"><Filter Field="${field}" Comparison="${comparison}" ValueType="String">${value}</Filter></Criteria>`)}`;
  expect(Object.keys(await worklist(criteria('SerialNumber', 'Equal', '19_10')))).toEqual(['19_10']);
  expect(Object.keys(await worklist(criteria('ProcessFolio', 'Like', 'exp-2024')))).toEqual(['2_24', '25_72', '7_3']);
  const bad = await call('GET', `/Task/Items${criteria('Colour', 'Equal', 'red')}`);
  expect(bad.status).toBe(400);
  expect(failure(bad.text)).toMatch(/Colour/);
  const hostile = await call('GET', `/Task/Items?filterXml=${encodeURIComponent('<!DOCTYPE c [<!ENTITY x "y">]><Criteria/>')}`);
  expect(hostile.status).toBe(400);
});

test('piDataField=true adds the process data fields', async () => {
  expect((await worklist('?piDataField=true'))['2_24'].data).toEqual({ Amount: '1250.00', Currency: 'EUR' });
  expect((await worklist())['2_24'].data).toEqual({});
});

test('a JSON request gets 202, no body, and changes nothing (the documented quirk)', async () => {
  const before = await worklist();
  const json = await call('POST', '/Task/Items/UpdateTask', JSON.stringify({ SerialNumber: '2_24', Action: 'a:Approve' }), { 'Content-Type': 'application/json' });
  expect(json).toMatchObject({ status: 202, text: '' });
  // A JSON body is JSON whatever the Content-Type says.
  expect((await call('POST', '/Task/Items/UpdateTask', '{"Action":"a:Approve"}', { 'Content-Type': 'application/xml' })).status).toBe(202);
  expect(await worklist()).toEqual(before);
  expect(emulator.updates).toEqual([]);
});

test('a body that is neither XML nor JSON is 415', async () => {
  expect((await call('POST', '/Task/Items/UpdateTask', 'Action=a:Approve', { 'Content-Type': 'text/plain' })).status).toBe(415);
});

test('a process action completes the item: 200 with Content-Length 0, data stored exactly', async () => {
  const res = await update('2_24', 'a:Approve', `<p:ProcessDataField Name="Note">  &lt;ok&gt; &amp; "fine"&#xA;</p:ProcessDataField><Unknown>ignored</Unknown>`);
  expect(res).toMatchObject({ status: 200, text: '' });
  expect(res.headers.get('content-length')).toBe('0');
  expect((await worklist('?piDataField=true'))['2_24']).toMatchObject({
    status: 'Completed', actions: [], data: { Amount: '1250.00', Currency: 'EUR', Note: '  <ok> & "fine"\n' },
  });
  expect(emulator.updates).toEqual([{ serialNumber: '2_24', action: 'a:Approve', data: { Note: '  <ok> & "fine"\n' } }]);
});

test('action names match case-insensitively', async () => {
  expect((await update('12_8', 'a:rework')).status).toBe(200);
  expect((await update('19_10', 'A:APPROVE')).status).toBe(200);
  const list = await worklist();
  expect([list['12_8'].status, list['19_10'].status]).toEqual(['Completed', 'Completed']);
});

describe('updateTaskId', () => {
  const post = (xml: string) => call('POST', '/Task/Items/UpdateTask', xml, { 'Content-Type': 'application/xml' });
  const withId = (id: string, serial: string) => `<t:UpdateTask xmlns:t="${T}" ID="${id}" Action="a:Approve"><t:Task SerialNumber="${serial}"/></t:UpdateTask>`;

  test("'absent' (default, the doc's example): an @ID is refused and changes nothing; @ID alone names no item", async () => {
    const res = await post(withId('2_24', '2_24'));
    expect(res.status).toBe(400);
    expect(failure(res.text)).toMatch(/UpdateTask\/@ID/);
    expect((await post(`<t:UpdateTask xmlns:t="${T}" ID="2_24" Action="a:Approve"/>`)).status).toBe(400);
    expect((await worklist())['2_24'].status).toBe('Available');
  });

  test("'required' (the doc's attribute list): @ID must be sent and equal Task/@SerialNumber", async () => {
    await emu.close();
    emulator = createK2Emulator({ now: () => clock, updateTaskId: 'required' });
    emu = await listen(emulator);
    expect((await update('2_24', 'a:Approve')).status).toBe(400);
    expect((await post(withId('12_8', '2_24'))).status).toBe(400);
    expect((await worklist())['2_24'].status).toBe('Available');
    expect((await post(withId('2_24', '2_24'))).status).toBe(200);
    expect((await worklist())['2_24'].status).toBe('Completed');
  });
});

test('Task/@Priority and @ProcessFolio are applied; a Priority that is not an integer is 400 and changes nothing', async () => {
  const post = (attrs: string, action = 'd:K2:DENALLIX\\ann') =>
    call('POST', '/Task/Items/UpdateTask', `<t:UpdateTask xmlns:t="${T}" Action="${action}"><t:Task SerialNumber="31_5" ${attrs}/></t:UpdateTask>`, { 'Content-Type': 'application/xml' });
  expect((await post('Priority="high"')).status).toBe(400);
  expect((await post('Priority="1.5"')).status).toBe(400);
  expect(emulator.items.get('31_5')).toMatchObject({ priority: 1, processFolio: 'NDA Contoso', allocatedUser: 'K2:DENALLIX\\administrator' });
  expect((await post('Priority="3" ProcessFolio="NDA Contoso &amp; Co"')).status).toBe(200);
  expect(emulator.items.get('31_5')).toMatchObject({ priority: 3, processFolio: 'NDA Contoso & Co', allocatedUser: 'K2:DENALLIX\\ann' });
  expect(emulator.updates.at(-1)).toEqual({ serialNumber: '31_5', action: 'd:K2:DENALLIX\\ann', data: {}, priority: '3', folio: 'NDA Contoso & Co' });
});

test('an action the item does not offer, or one that is not batchable, is refused and changes nothing', async () => {
  const missing = await update('2_24', 'a:Escalate to CFO');
  expect(missing.status).toBe(400);
  expect(failure(missing.text)).toBe("The action 'Escalate to CFO' is not available for worklist item 2_24");
  const notBatchable = await update('31_5', 'a:Sign');
  expect(notBatchable.status).toBe(400);
  expect(failure(notBatchable.text)).toMatch(/not batchable/);
  const list = await worklist();
  expect([list['2_24'].status, list['31_5'].status]).toEqual(['Available', 'Allocated']);
});

test('unknown serial number 404; any action on a completed item 409', async () => {
  expect((await update('99_1', 'a:Approve')).status).toBe(404);
  for (const action of ['a:Approve', 'r:K2:DENALLIX\\bob', 's:0', 's:-1']) expect((await update('7_3', action)).status).toBe(409);
});

test('redirect allocates the item to the new user and makes it Available; delegate changes the user, keeps the status', async () => {
  expect((await update('19_10', 'r:K2:DENALLIX\\joe')).status).toBe(200);
  expect((await update('31_5', 'd:K2:DENALLIX\\ann')).status).toBe(200);
  const list = await worklist();
  expect(list['19_10']).toMatchObject({ status: 'Available', allocatedUser: 'K2:DENALLIX\\joe' });
  expect(list['31_5']).toMatchObject({ status: 'Allocated', allocatedUser: 'K2:DENALLIX\\ann' });
  const bad = await update('2_24', 'r:DENALLIX\\nolabel');
  expect(bad.status).toBe(400);
  expect(failure(bad.text)).toMatch(/fully qualified/);
});

test('sleep for seconds wakes by itself to the previous status; process actions wait for the wake', async () => {
  expect((await update('19_10', 's:60')).status).toBe(200);
  expect((await worklist())['19_10'].status).toBe('Sleep');
  expect((await update('19_10', 'a:Approve')).status).toBe(409);
  clock += 61_000;
  expect((await worklist())['19_10'].status).toBe('Open');
});

test('sleep indefinitely (s:0) until woken (s:-1); waking an awake item is 409', async () => {
  expect((await update('2_24', 's:0')).status).toBe(200);
  clock += 365 * 86_400_000;
  expect((await worklist())['2_24'].status).toBe('Sleep');
  expect((await update('2_24', 's:-1')).status).toBe(200);
  expect((await worklist())['2_24'].status).toBe('Available');
  expect((await update('2_24', 's:-1')).status).toBe(409);
  expect((await update('25_72', 's:-5')).status).toBe(200);
  expect((await worklist())['25_72'].status).toBe('Available');
});

test('sleep until a dateTime with a zone; a past time or a zoneless one is 400', async () => {
  expect((await update('12_8', 's:2025-03-06T14:00:00+01:00')).status).toBe(200);
  clock = Date.parse('2025-03-06T12:59:00Z');
  expect((await worklist())['12_8'].status).toBe('Sleep');
  clock = Date.parse('2025-03-06T13:00:00Z');
  expect((await worklist())['12_8'].status).toBe('Available');
  expect((await update('2_24', 's:2020-01-01T00:00:00Z')).status).toBe(400);
  expect((await update('2_24', 's:2030-01-01T00:00:00')).status).toBe(400);
  expect((await update('2_24', 's:soon')).status).toBe(400);
});

test('malformed documents are 400 and change nothing: wrong namespace, no Action, DOCTYPE, unknown grammar', async () => {
  const post = (xml: string) => call('POST', '/Task/Items/UpdateTask', xml, { 'Content-Type': 'application/xml' });
  expect((await post(`<UpdateTask Action="a:Approve"><Task SerialNumber="2_24"/></UpdateTask>`)).status).toBe(400);
  expect((await post(`<t:UpdateTask xmlns:t="urn:other" Action="a:Approve"><t:Task SerialNumber="2_24"/></t:UpdateTask>`)).status).toBe(400);
  expect((await post(`<t:UpdateTask xmlns:t="${T}"><t:Task SerialNumber="2_24"/></t:UpdateTask>`)).status).toBe(400);
  expect((await post(`<!DOCTYPE t [<!ENTITY a "a:Approve">]><t:UpdateTask xmlns:t="${T}" Action="&a;"><t:Task SerialNumber="2_24"/></t:UpdateTask>`)).status).toBe(400);
  expect((await update('2_24', 'x:Approve')).status).toBe(400);
  expect((await post(`<t:UpdateTask xmlns:t="${T}" Action="a:Approve"><t:Task SerialNumber="2_24">`)).status).toBe(400);
  expect((await worklist())['2_24'].status).toBe('Available');
});

test('a default namespace works as well as the t: prefix', async () => {
  const res = await call('POST', '/Task/Items/UpdateTask', `<UpdateTask xmlns="${T}" Action="a:Reject"><Task SerialNumber="2_24"/></UpdateTask>`, { 'Content-Type': 'text/xml' });
  expect(res.status).toBe(200);
  expect((await worklist())['2_24'].status).toBe('Completed');
});

test('credentials and seed can be overridden', async () => {
  const custom = createK2Emulator({ username: 'K2\\me', password: 'other', items: [] });
  const served = await listen(custom);
  try {
    const ok = await fetch(`${served.url}${ROOT}/Task/Items`, { headers: { Authorization: basic('K2\\me', 'other') } });
    expect(ok.status).toBe(200);
    expect(parseXml(await ok.text()).TaskCollection).toBeDefined();
    expect((await fetch(`${served.url}${ROOT}/Task/Items`, { headers: { Authorization: basic() } })).status).toBe(401);
  } finally {
    await served.close();
  }
});

describe('emulator-only admin routes (/_emulator/tasks)', () => {
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${emu.url}/_emulator/tasks${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as any };
  };

  test('a created item is in the worklist XML: Available, or Allocated to its FQN assignee, with the standard actions; no vendor call counted', async () => {
    const open = await admin('POST', '', { name: 'EXP-2030-001 Admin route', priority: 2 });
    expect(open).toMatchObject({ status: 201, body: { id: '32_1', task: { processFolio: 'EXP-2030-001 Admin route', priority: 2, status: 'Available' } } });
    const allocated = await admin('POST', '', { name: 'EXP-2030-002', assignee: 'K2:DENALLIX\\carol' });
    expect(allocated.body.id).toBe('33_1');
    expect(emulator.calls).toEqual([]);
    const items = await worklist();
    expect(items['32_1']).toMatchObject({ status: 'Available', allocatedUser: undefined, actions: ['Approve', 'Reject', 'Rework'] });
    expect(items['33_1']).toMatchObject({ status: 'Allocated', allocatedUser: 'K2:DENALLIX\\carol' });
  });

  test('a change sets folio, allocated user and status; Completed clears the actions and the vendor rules follow', async () => {
    const { body } = await admin('POST', '', { name: 'EXP-2030-003' });
    expect((await admin('PATCH', `/${body.id}`, { assignee: 'K2:DENALLIX\\dave', name: 'EXP-2030-003b' })).body.task).toMatchObject({ allocatedUser: 'K2:DENALLIX\\dave', processFolio: 'EXP-2030-003b' });
    expect((await admin('PATCH', `/${body.id}`, { vendorStatus: 'Completed' })).status).toBe(200);
    expect((await worklist())[body.id]).toMatchObject({ status: 'Completed', allocatedUser: 'K2:DENALLIX\\dave', actions: [] });
    expect((await update(body.id, 'a:Approve')).status).toBe(409);
  });

  test('fields K2 items do not have, a bare user name and an unknown status are 400; an unknown item 404', async () => {
    expect((await admin('POST', '', { name: 'x', dueAt: '2030-01-31T09:00:00Z' })).body.message).toContain('dueAt');
    expect((await admin('POST', '', { name: 'x', description: 'd' })).status).toBe(400);
    expect((await admin('POST', '', { name: 'x', assignee: 'carol' })).body.message).toContain('fully qualified');
    expect((await admin('GET', '')).body.items).toHaveLength(6);
    expect((await admin('PATCH', '/2_24', { vendorStatus: 'Done' })).status).toBe(400);
    expect((await admin('PATCH', '/99_9', { priority: 1 })).status).toBe(404);
    expect((await fetch(`${emu.url}${ROOT}/Task/Items`)).status).toBe(401);
  });
});
