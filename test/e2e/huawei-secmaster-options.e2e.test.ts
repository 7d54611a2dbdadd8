// End to end against the strict SecMaster emulator: each configurable choice in its non-default form, AK/SK
// signing, the list filters and the custom parameters.
import { startStack, type Stack } from '../helpers/stack';

const WAITING = '3e4c170e-7cc9-11f0-9216-fa163e209978';
const WITH_COMMENT = '5b1f3a52-7cca-11f0-9216-fa163e209978';
const ids = (res: { body: { items: { id: string }[] } }) => res.body.items.map((t) => t.id);
const act = (stack: Stack, taskId: string, body: unknown) => stack.request('POST', `/v1/backends/secmaster/tasks/${taskId}/actions`, { body });

describe('huawei-secmaster options end to end', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  test('offsetUnit=page: the adapter sends a page index, and the emulator counting pages serves the right records', async () => {
    stack = await startStack((c) => {
      c.backends.secmaster.offsetUnit = 'page';
    }, { secmaster: { offsetUnit: 'page' } });
    const second = await stack.request('GET', '/v1/backends/secmaster/tasks?limit=1&offset=1&sort=createdAt');
    expect(second.status).toBe(200);
    expect(ids(second)).toEqual([WITH_COMMENT]);
    expect(stack.emulators.secmaster.calls.at(-1)?.path).toContain('offset=1&limit=1');
    const third = await stack.request('GET', '/v1/backends/secmaster/tasks?limit=1&offset=2&sort=createdAt');
    expect(ids(third)).toEqual(['7d90c2e4-7ccb-11f0-9216-fa163e209978']);
    expect(stack.emulators.secmaster.calls.at(-1)?.path).toContain('offset=2&limit=1');
    const ragged = await stack.request('GET', '/v1/backends/secmaster/tasks?limit=2&offset=1');
    expect(ragged.body).toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
  });

  test('offsetUnit=record (default) against the same page-counting emulator would skip records: the option decides', async () => {
    stack = await startStack(() => {}, { secmaster: { offsetUnit: 'page' } });
    const res = await stack.request('GET', '/v1/backends/secmaster/tasks?limit=1&offset=1&sort=createdAt');
    expect(ids(res)).toEqual([WITH_COMMENT]); // offset 1 record = page 1 when limit is 1
    const two = await stack.request('GET', '/v1/backends/secmaster/tasks?limit=2&offset=1&sort=createdAt');
    expect(ids(two)).toEqual(['7d90c2e4-7ccb-11f0-9216-fa163e209978']); // page 1 of 2: records 2-3, one skipped
  });

  test('an emulator that answers 400 for an unknown task: the adapter still says TASK_NOT_FOUND, for a read and an action', async () => {
    stack = await startStack(() => {}, { secmaster: { unknownTask: 400 } });
    const read = await stack.request('GET', '/v1/backends/secmaster/tasks/no-such-task');
    expect(read.status).toBe(404);
    expect(read.body).toMatchObject({ code: 'TASK_NOT_FOUND', vendor: { status: 400, code: 'SecMaster.11060404' } });
    const action = await act(stack, 'no-such-task', { action: 'approve' });
    expect(action.body).toMatchObject({ status: 404, code: 'TASK_NOT_FOUND', vendor: { status: 400 } });
  });

  test('a 400 whose code is not among the configured ones is still TASK_NOT_FOUND when its message says the task does not exist', async () => {
    stack = await startStack((c) => {
      c.backends.secmaster.taskNotFoundCodes = ['SecMaster.99999999'];
    }, { secmaster: { unknownTask: 400 } });
    expect((await act(stack, 'gone', { action: 'reject' })).body.code).toBe('TASK_NOT_FOUND');
    // Any other 400 stays a refusal.
    expect((await act(stack, '9a3e6f10-7ccc-11f0-9216-fa163e209978', { action: 'reject' })).body.code).toBe('BACKEND_REJECTED');
  });

  test('AK/SK: every call signed, the emulator verifies it; a wrong secret is 502 BACKEND_AUTH_FAILED', async () => {
    const pair = { accessKey: 'HPUAK0000EXAMPLE', secretKey: 'sandbox-secret-key-0123456789' };
    stack = await startStack((c) => {
      c.backends.secmaster.auth = { type: 'aksk', ...pair };
    }, { secmaster: { aksk: pair } });
    const list = await stack.request('GET', '/v1/backends/secmaster/tasks?limit=5&name=Approve');
    expect(list.status).toBe(200);
    const approved = await act(stack, WAITING, { action: 'approve', comment: 'signed: ü & "quotes"' });
    expect(approved.status).toBe(200);
    expect(approved.body.task.status).toBe('completed');
    const dry = await stack.request('POST', `/v1/backends/secmaster/tasks/${WITH_COMMENT}/actions?dryRun=true`, { body: { action: 'approve' } });
    expect(dry.body.vendorRequests[0].headers.Authorization).toBe('***');
    await stack.close();
    stack = await startStack((c) => {
      c.backends.secmaster.auth = { type: 'aksk', accessKey: pair.accessKey, secretKey: 'not-the-secret-key' };
    }, { secmaster: { aksk: pair } });
    const refused = await act(stack, WITH_COMMENT, { action: 'approve' });
    expect(refused.status).toBe(502);
    expect(refused.body).toMatchObject({ code: 'BACKEND_AUTH_FAILED', vendor: { status: 401, code: 'APIG.0301' } });
    expect(refused.text + stack.logs.join('\n')).not.toContain('not-the-secret-key');
  });

  test('list filters: creatorName, note, fromDate/toDate in the vendor form, status completed and canceled', async () => {
    stack = await startStack();
    const byCreator = await stack.request('GET', '/v1/backends/secmaster/tasks?creatorName=soc-admin&limit=100');
    expect(byCreator.body.items).toHaveLength(3);
    expect((await stack.request('GET', '/v1/backends/secmaster/tasks?creatorName=nobody')).body.items).toEqual([]);
    const byNote = await stack.request('GET', '/v1/backends/secmaster/tasks?note=006');
    expect(ids(byNote)).toEqual([WAITING]);
    const since = await stack.request('GET', '/v1/backends/secmaster/tasks?fromDate=2025-08-20T00:00:00Z&toDate=2025-08-20T23:59:59.999Z');
    expect(since.status).toBe(200);
    expect(ids(since)).toEqual([WITH_COMMENT]);
    expect(stack.emulators.secmaster.calls.at(-1)?.path).toContain('from_date=2025-08-20T08%3A00%3A00.000Z%2B0800');
    const completed = await stack.request('GET', '/v1/backends/secmaster/tasks?status=completed');
    expect(completed.body.items.map((t: { status: string }) => t.status)).toEqual(['completed']);
    const canceled = await stack.request('GET', '/v1/backends/secmaster/tasks?status=canceled');
    expect(canceled.body.items.map((t: { status: string }) => t.status)).toEqual(['canceled']);
    const contradiction = await stack.request('GET', '/v1/backends/secmaster/tasks?status=completed&queryType=my_todo');
    expect(contradiction.body).toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
  });

  test('offset beyond 9999 is a 400 before any vendor call', async () => {
    stack = await startStack();
    const before = stack.emulators.secmaster.calls.length;
    const res = await stack.request('GET', '/v1/backends/secmaster/tasks?offset=20000');
    expect(res.body).toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
    expect(stack.emulators.secmaster.calls.length).toBe(before);
  });

  test('custom with the declared parameters reaches the vendor; an undeclared one is a 400 before any call', async () => {
    stack = await startStack();
    const linked = await act(stack, WAITING, { action: 'custom', name: 'ADD_ATTACHMENT', parameters: { attachment_id: 'att-9' } });
    expect(linked.status).toBe(200);
    expect(linked.body.task.attachments).toEqual([{ id: 'att-9' }]);
    const commentId = (await act(stack, WITH_COMMENT, { action: 'add_comment', comment: 'x' })).body.task.comments[1].id;
    const removed = await act(stack, WITH_COMMENT, { action: 'custom', name: 'DELETE_COMMENT', parameters: { comment_id: commentId } });
    expect(removed.body.task.comments).toHaveLength(1);
    const before = stack.emulators.secmaster.calls.length;
    const bad = await act(stack, WAITING, { action: 'custom', name: 'ADD_ATTACHMENT', parameters: { attachmentId: 'att-9' } });
    expect(bad.body).toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
    expect(stack.emulators.secmaster.calls.length).toBe(before);
  });
});
