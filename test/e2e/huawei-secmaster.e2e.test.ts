// End to end through the facade, the real transport and the SecMaster emulator on loopback.
import { startStack, type Stack } from '../helpers/stack';

const WAITING = '3e4c170e-7cc9-11f0-9216-fa163e209978';
const WITH_COMMENT = '5b1f3a52-7cca-11f0-9216-fa163e209978';
const FINISHED = '9a3e6f10-7ccc-11f0-9216-fa163e209978';
const act = (stack: Stack, taskId: string, body: unknown, query = '') =>
  stack.request('POST', `/v1/backends/secmaster/tasks/${taskId}/actions${query}`, { body });

describe('huawei-secmaster end to end', () => {
  let stack: Stack;
  beforeEach(async () => {
    stack = await startStack();
  });
  afterEach(() => stack.close());

  test('get one task: dates converted exactly, comments from epoch ms', async () => {
    const res = await stack.request('GET', `/v1/backends/secmaster/tasks/${WITH_COMMENT}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: WITH_COMMENT, backend: 'secmaster', vendor: 'huawei-secmaster', status: 'open', vendorStatus: 'waiting',
      createdAt: '2025-08-20T01:10:00.000Z',
      comments: [{ id: '909494e3-558e-46b6-a9eb-07a8e18ca62f', text: 'Looks fine to me', author: 'li.wei', createdAt: new Date(1755656000000).toISOString() }],
      attachments: [{ id: 'att-0001' }],
    });
    expect(res.body.raw).toBeUndefined();
    const raw = await stack.request('GET', `/v1/backends/secmaster/tasks/${WITH_COMMENT}?include=raw`);
    expect(raw.body.raw.create_time).toBe('2025-08-20T09:10:00.000Z+0800');
  });

  test('list: paging, total, sort and filters reach the vendor', async () => {
    const page = await stack.request('GET', '/v1/backends/secmaster/tasks?limit=2&offset=1&sort=createdAt');
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ limit: 2, offset: 1, total: 3 });
    expect(page.body.items.map((t: { id: string }) => t.id)).toEqual([WITH_COMMENT, '7d90c2e4-7ccb-11f0-9216-fa163e209978']);
    const filtered = await stack.request('GET', '/v1/backends/secmaster/tasks?businessType=WORKFLOWPUBLISH');
    expect(filtered.body.items.map((t: { id: string }) => t.id)).toEqual([WITH_COMMENT]);
    const handled = await stack.request('GET', '/v1/backends/secmaster/tasks?queryType=all_handled');
    expect(handled.body.items.map((t: { status: string }) => t.status).sort()).toEqual(['canceled', 'completed']);
  });

  test('approve with a comment: ADD_COMMENT then CONTINUE, task finished', async () => {
    const res = await act(stack, WAITING, { action: 'approve', comment: 'verified <b>&"ok"' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ backend: 'secmaster', taskId: WAITING, action: 'approve', result: 'applied', warnings: [], vendor: { status: 200 } });
    expect(res.body.task).toMatchObject({ status: 'completed', vendorStatus: 'finished' });
    expect(res.body.task.comments.map((c: { text: string }) => c.text)).toEqual(['verified <b>&"ok"']);
    const puts = stack.emulators.secmaster.calls.filter((c) => c.method === 'PUT');
    expect(puts).toHaveLength(2);
  });

  test('reject and terminate cancel the task', async () => {
    const rejected = await act(stack, WAITING, { action: 'reject' });
    expect(rejected.body.task).toMatchObject({ status: 'canceled', vendorStatus: 'canceled' });
    const terminated = await act(stack, '7d90c2e4-7ccb-11f0-9216-fa163e209978', { action: 'terminate' });
    expect(terminated.body.task.status).toBe('canceled');
  });

  test('an outcome on a task no longer waiting is 422 BACKEND_REJECTED with the vendor code', async () => {
    const res = await act(stack, FINISHED, { action: 'approve' });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ code: 'BACKEND_REJECTED', backend: 'secmaster', taskId: FINISHED, action: 'approve', vendor: { status: 400, code: 'SecMaster.11061001' } });
  });

  test('comments and attachments round-trip', async () => {
    const added = await act(stack, WAITING, { action: 'add_comment', comment: 'first' });
    const commentId = added.body.task.comments[0].id;
    const deleted = await act(stack, WAITING, { action: 'delete_comment', commentId });
    expect(deleted.body.task.comments).toEqual([]);
    const linked = await act(stack, WAITING, { action: 'add_attachment', attachmentId: 'att-77' });
    expect(linked.body.task.attachments).toEqual([{ id: 'att-77' }]);
    const unlinked = await act(stack, WAITING, { action: 'delete_attachment', attachmentId: 'att-77' });
    expect(unlinked.body.task.attachments).toEqual([]);
    const unknown = await act(stack, WAITING, { action: 'delete_comment', commentId: 'nope' });
    expect(unknown.body).toMatchObject({ status: 422, code: 'BACKEND_REJECTED', vendor: { code: 'SecMaster.11061002' } });
  });

  test('custom passes the vendor action through', async () => {
    const res = await act(stack, WAITING, { action: 'custom', name: 'CONTINUE' });
    expect(res.body.task.status).toBe('completed');
    const bad = await act(stack, WITH_COMMENT, { action: 'custom', name: 'EXPLODE' });
    expect(bad.body).toMatchObject({ status: 422, code: 'BACKEND_REJECTED', vendor: { code: 'SecMaster.00010001' } });
  });

  test('a comment refused as the first step applies nothing and says so by omission', async () => {
    await act(stack, WAITING, { action: 'approve' });
    // The task is finished: ADD_COMMENT is refused first, so nothing is applied.
    const res = await act(stack, WAITING, { action: 'reject', comment: 'too late' });
    expect(res.body.code).toBe('BACKEND_REJECTED');
    expect(res.body.applied).toBeUndefined();
  });

  test('dry-run sends nothing and masks the token', async () => {
    const before = stack.emulators.secmaster.calls.length;
    const res = await act(stack, WAITING, { action: 'reject', comment: 'no' }, '?dryRun=true');
    expect(res.status).toBe(200);
    expect(res.body.dryRun).toBe(true);
    expect(res.body.vendorRequests).toHaveLength(2);
    expect(res.body.vendorRequests[1]).toEqual({
      method: 'PUT',
      url: `${stack.config.backends.secmaster.baseUrl}/v1/15645222e8744afa985c93dab6341da6/workspaces/75645d0a-93b8-4a7f-a77c-e97009389445/soc/tasks/${WAITING}`,
      headers: { 'Content-Type': 'application/json;charset=UTF-8', Accept: 'application/json', 'X-Auth-Token': '***' },
      body: '{"action":"TERMINATE"}',
    });
    expect(stack.emulators.secmaster.calls.length).toBe(before);
    expect(JSON.stringify(res.body)).not.toContain('sandbox-secmaster-token');
  });

  test('a wrong vendor token is 502 BACKEND_AUTH_FAILED and the token never appears in the answer or logs', async () => {
    await stack.close();
    stack = await startStack((config) => {
      config.backends.secmaster.auth = { type: 'token', token: 'wrong-secret-token-xyz' };
    });
    const res = await act(stack, WAITING, { action: 'approve' });
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({ code: 'BACKEND_AUTH_FAILED', vendor: { status: 401, code: 'APIG.0301' } });
    expect(res.text + stack.logs.join('\n')).not.toContain('wrong-secret-token-xyz');
  });
});
