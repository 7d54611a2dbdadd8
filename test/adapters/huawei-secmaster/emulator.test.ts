// The SecMaster emulator against its vendor document: envelope, dates, token check, paging, state rules.
import { createSecMasterEmulator, SECMASTER_EMULATOR_DEFAULTS as D } from '../../../adapters/huawei-secmaster/emulator';
import { listen, type RunningEmulator } from '../../../src/emulators/emulator';

const BASE = `/v1/${D.projectId}/workspaces/${D.workspaceId}/soc/tasks`;
const WAITING = '3e4c170e-7cc9-11f0-9216-fa163e209978';
let emu: RunningEmulator;

beforeEach(async () => {
  emu = await listen(createSecMasterEmulator());
});
afterEach(() => emu.close());

const call = async (method: string, path: string, body?: unknown, token: string | null = D.token) => {
  const headers: Record<string, string> = { 'Content-Type': 'application/json;charset=UTF-8' };
  if (token) headers['X-Auth-Token'] = token;
  const res = await fetch(emu.url + path, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
};

test('the token is checked by the API gateway layer: APIG.0301', async () => {
  expect(await call('GET', BASE, undefined, null)).toMatchObject({ status: 401, body: { error_code: 'APIG.0301', error_msg: expect.stringContaining('x-auth-token not found') } });
  expect(await call('GET', BASE, undefined, 'nope')).toMatchObject({ status: 401, body: { error_code: 'APIG.0301' } });
});

test('list: documented envelope, defaults (my_todo, limit 10, create_time DESC), paging echoes', async () => {
  const { status, body } = await call('GET', BASE);
  expect(status).toBe(200);
  expect(body).toMatchObject({ code: '00000000', success: true, total: 3, page: 0, size: 10 });
  expect(body.data.every((t: any) => t.status === 'waiting')).toBe(true);
  expect(body.data[0].create_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z\+0800$/);
  const created = body.data.map((t: any) => t.create_time);
  expect([...created].sort().reverse()).toEqual(created);
  const page = await call('GET', `${BASE}?offset=2&limit=1&sort_dir=ASC`);
  expect(page.body).toMatchObject({ total: 3, page: 2, size: 1 });
  expect(page.body.data).toHaveLength(1);
  expect((await call('GET', `${BASE}?limit=101`)).status).toBe(400);
  expect((await call('GET', `${BASE}?sort_key=name`)).body.code).toMatch(/^SecMaster\./);
});

test('list filters: name substring, business_type, query_type, from/to dates', async () => {
  expect((await call('GET', `${BASE}?name=isolate`)).body.total).toBe(1);
  expect((await call('GET', `${BASE}?business_type=WORKFLOWPUBLISH`)).body.total).toBe(1);
  const handled = await call('GET', `${BASE}?query_type=all_handled`);
  expect(handled.body.data.map((t: any) => t.status).sort()).toEqual(['canceled', 'finished']);
  const from = encodeURIComponent('2025-08-20T09:00:00.000Z+0800');
  expect((await call('GET', `${BASE}?from_date=${from}`)).body.total).toBe(2);
  expect((await call('GET', `${BASE}?from_date=2025-08-20`)).status).toBe(400);
});

test('CONTINUE finishes a waiting task; any action after that is a 400 SecMaster code', async () => {
  const done = await call('PUT', `${BASE}/${WAITING}`, { action: 'CONTINUE' });
  expect(done).toMatchObject({ status: 200, body: { code: '00000000', success: true, data: { id: WAITING, status: 'finished' } } });
  const again = await call('PUT', `${BASE}/${WAITING}`, { action: 'TERMINATE' });
  expect(again).toMatchObject({ status: 400, body: { code: 'SecMaster.11061001' } });
  expect((await call('GET', `${BASE}/${WAITING}`)).body.data.status).toBe('finished');
});

test('TERMINATE cancels; comments get epoch-ms times; bad bodies and unknown tasks are refused', async () => {
  const commented = await call('PUT', `${BASE}/${WAITING}`, { action: 'ADD_COMMENT', comment: 'hi' });
  expect(typeof commented.body.data.comments[0].time).toBe('number');
  expect((await call('PUT', `${BASE}/${WAITING}`, { action: 'ADD_COMMENT' })).status).toBe(400);
  expect((await call('PUT', `${BASE}/${WAITING}`, '{oops')).body.code).toBe('SecMaster.00010002');
  expect((await call('PUT', `${BASE}/${WAITING}`, { action: 'DANCE' })).status).toBe(400);
  expect((await call('PUT', `${BASE}/nope`, { action: 'CONTINUE' })).status).toBe(404);
  expect((await call('PUT', `${BASE}/${WAITING}`, { action: 'TERMINATE' })).body.data.status).toBe('canceled');
});

test('an unknown workspace is refused', async () => {
  expect((await call('GET', `/v1/${D.projectId}/workspaces/other/soc/tasks`)).status).toBe(404);
});

test('Content-Type is required on every task call, GETs included', async () => {
  const res = await fetch(emu.url + BASE, { headers: { 'X-Auth-Token': D.token } });
  expect(res.status).toBe(400);
  expect(((await res.json()) as any).code).toBe('SecMaster.00010001');
  const text = await fetch(`${emu.url}${BASE}/${WAITING}`, { method: 'PUT', headers: { 'X-Auth-Token': D.token, 'Content-Type': 'text/plain' }, body: '{"action":"CONTINUE"}' });
  expect(text.status).toBe(400);
  expect((await call('GET', `${BASE}/${WAITING}`)).body.data.status).toBe('waiting');
});

test('business_type must be a documented type; dates must be in the documented Z+0800 form, not plain ISO', async () => {
  expect((await call('GET', `${BASE}?business_type=SOMETHING`)).status).toBe(400);
  expect((await call('GET', `${BASE}?from_date=${encodeURIComponent('2025-08-20T09:00:00.000Z')}`)).status).toBe(400);
  expect((await call('GET', `${BASE}?to_date=${encodeURIComponent('2025-08-20T09:00:00.000+08:00')}`)).status).toBe(400);
  expect((await call('GET', `${BASE}?to_date=${encodeURIComponent('2025-08-20T09:00:00.000Z+0800')}`)).status).toBe(200);
});

describe('offsetUnit', () => {
  const names = async (query: string) => (await call('GET', `${BASE}?sort_dir=ASC&${query}`)).body.data.map((t: any) => t.id);

  test("'record' (default): offset skips that many records", async () => {
    const all = await names('limit=3');
    expect(await names('offset=1&limit=2')).toEqual(all.slice(1, 3));
  });

  test("'page': offset counts pages of limit records, so the record reading gives another page", async () => {
    const all = await names('limit=3');
    await emu.close();
    emu = await listen(createSecMasterEmulator({ offsetUnit: 'page' }));
    expect(await names('offset=1&limit=2')).toEqual(all.slice(2, 3));
    expect(await names('offset=0&limit=2')).toEqual(all.slice(0, 2));
    expect((await call('GET', `${BASE}?offset=1&limit=2`)).body).toMatchObject({ page: 1, size: 2, total: 3 });
  });
});

describe('emulator-only admin routes (/_emulator/tasks)', () => {
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${emu.url}/_emulator/tasks${path}`, { method, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as any };
  };

  test('a created task is a waiting to-do in the vendor list, in the vendor shape; no vendor token needed and no vendor call counted', async () => {
    const emulator = createSecMasterEmulator();
    await emu.close();
    emu = await listen(emulator);
    const created = await admin('POST', '', { name: 'Approve blocking of 198.51.100.9', description: 'd', assignee: 'li.wei', dueAt: '2030-01-31T09:00:00+08:00' });
    expect(created.status).toBe(201);
    expect(created.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(emulator.calls).toEqual([]);
    const list = await call('GET', `${BASE}?name=198.51.100.9`);
    expect(list.body).toMatchObject({ total: 1, data: [{ id: created.body.id, status: 'waiting', description: 'd', approver: 'li.wei', business_type: 'PLAYBOOKNODEAPPROVE' }] });
    expect(list.body.data[0].due_date).toBe('2030-01-31T09:00:00.000Z+0800');
    expect(list.body.data[0].update_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z\+0800$/);
    expect((await admin('GET', '')).body.items.map((t: any) => t.id)).toContain(created.body.id);
  });

  test('a change sets the fields and update_time; finished leaves my_todo for all_handled', async () => {
    const { body } = await admin('POST', '', { name: 'Review playbook x' });
    const before = (await call('GET', `${BASE}/${body.id}`)).body.data;
    expect(before).toMatchObject({ approver: '', due_date: '' });
    const changed = await admin('PATCH', `/${body.id}`, { assignee: 'zhang.min', name: 'Review playbook y' });
    expect(changed).toMatchObject({ status: 200, body: { id: body.id, task: { approver: 'zhang.min', approveuser_name: 'zhang.min', name: 'Review playbook y' } } });
    expect((await admin('PATCH', `/${body.id}`, { vendorStatus: 'finished' })).status).toBe(200);
    expect((await call('GET', `${BASE}?name=Review playbook y`)).body.total).toBe(0);
    expect((await call('GET', `${BASE}?name=Review playbook y&query_type=all_handled`)).body.total).toBe(1);
  });

  test('bad bodies are 400 naming the problem; an unknown id 404; vendor routes stay strict', async () => {
    expect(await admin('POST', '', { description: 'no name' })).toMatchObject({ status: 400, body: { message: 'name is required' } });
    expect(await admin('POST', '', { name: 'x', priority: 3 })).toMatchObject({ status: 400, body: { message: expect.stringContaining('priority') } });
    expect((await admin('POST', '', { name: 'x', dueAt: 'tomorrow' })).status).toBe(400);
    expect((await admin('POST', '', '[1]')).status).toBe(400);
    expect(await admin('PATCH', `/${WAITING}`, { vendorStatus: 'done' })).toMatchObject({ status: 400, body: { message: expect.stringContaining('waiting, finished, canceled') } });
    expect((await admin('PATCH', `/${WAITING}`, {})).status).toBe(400);
    expect((await admin('PATCH', '/nope', { name: 'x' })).status).toBe(404);
    expect((await admin('DELETE', `/${WAITING}`)).status).toBe(404);
    expect((await call('GET', BASE, undefined, null)).status).toBe(401);
  });
});
