// Gateway behaviour shared by every adapter: list hygiene, 422 details, and the get-one fallback search.
import { caught, gatewayFor } from '../helpers/gateway';
import { assertAllUsed, nock, useVendorMock } from '../helpers/vendor-mock';

const BASE = 'https://secmaster.gateway.test';
const TASKS = '/v1/p1/workspaces/w1/soc/tasks';
const backend = { vendor: 'huawei-secmaster', baseUrl: BASE, projectId: 'p1', workspaceId: 'w1', auth: { type: 'token', token: 'gateway-test-token' }, timeoutMs: 2000 };
const info = (id: string, status = 'waiting') => ({ id, name: `task ${id}`, status, comments: [], attachment_id_list: [] });
const page = (items: unknown[], total = items.length) => ({ code: '00000000', success: true, total, data: items });

useVendorMock();
const secmaster = () => nock(BASE);
/** The list route with any query, or none. */
const anyQuery = (path: string) => (actual: string) => actual === path || actual.startsWith(`${path}?`);
/** A JSON answer, as SecMaster labels it. */
const asJson = { 'content-type': 'application/json' };

test('a list never holds more than limit items, nor items of another status than asked for', async () => {
  secmaster().intercept(anyQuery(TASKS), 'GET').reply(200, page([info('a'), info('b', 'finished'), info('c'), info('d')]), asJson);
  const result = await gatewayFor('s', backend).listTasks('s', { limit: 2, offset: 0, status: 'open', filters: {} });
  expect(result.items.map((t) => t.id)).toEqual(['a', 'c']);
  expect(result.total).toBe(4);
});

test('a 404 on the list route is BACKEND_ERROR, not TASK_NOT_FOUND', async () => {
  secmaster().intercept(anyQuery(TASKS), 'GET').reply(404, { error_code: 'APIGW.0101', error_msg: 'The API does not exist' }, asJson);
  const error = await caught(gatewayFor('s', backend).listTasks('s', { limit: 20, offset: 0, filters: {} }));
  expect({ code: error.code, status: error.status }).toEqual({ code: 'BACKEND_ERROR', status: 502 });
  expect(error.context.vendor).toMatchObject({ status: 404, code: 'APIGW.0101' });
});

test('a vendor refusal (422 BACKEND_REJECTED) does not carry supportedActions: only UNSUPPORTED_ACTION does', async () => {
  secmaster().intercept(`${TASKS}/t1`, 'PUT').reply(400, { code: 'SecMaster.11061001', message: 'already handled' }, asJson);
  const error = await caught(gatewayFor('s', backend).perform({ backend: 's', taskId: 't1', action: 'approve' }));
  expect(error.code).toBe('BACKEND_REJECTED');
  expect(error.context.supportedActions).toBeUndefined();
  expect(error.mayHaveActed).toBe(true);
  const unsupported = await caught(gatewayFor('s', backend).perform({ backend: 's', taskId: 't1', action: 'claim' }));
  expect(unsupported.code).toBe('UNSUPPORTED_ACTION');
  expect(unsupported.context.supportedActions).toEqual(['approve', 'reject', 'terminate', 'add_comment', 'delete_comment', 'add_attachment', 'delete_attachment', 'custom']);
  expect(unsupported.mayHaveActed).toBe(false);
});

describe('SecMaster get-one falls back to searching the to-do list when ShowTask answers 404', () => {
  test('found among handled tasks on a later page', async () => {
    secmaster().intercept(`${TASKS}/t-150`, 'GET').reply(404, { error_code: 'APIGW.0101', error_msg: 'The API does not exist' }, asJson);
    secmaster().intercept(TASKS, 'GET').query({ offset: '0', limit: '100', query_type: 'my_todo' }).reply(200, page([info('x')]), asJson);
    secmaster().intercept(TASKS, 'GET').query({ offset: '0', limit: '100', query_type: 'all_handled' })
      .reply(200, page(Array.from({ length: 100 }, (_, i) => info(`h${i}`, 'finished'))), asJson);
    secmaster().intercept(TASKS, 'GET').query({ offset: '100', limit: '100', query_type: 'all_handled' }).reply(200, page([info('t-150', 'finished')]), asJson);
    const task = await gatewayFor('s', backend).getTask('s', 't-150');
    expect(task).toMatchObject({ id: 't-150', status: 'completed' });
    assertAllUsed();
  });

  test('nowhere to be found: the original TASK_NOT_FOUND', async () => {
    secmaster().intercept(`${TASKS}/gone`, 'GET').reply(404, { code: 'SecMaster.11060404', message: 'The to-do task does not exist' }, asJson);
    secmaster().intercept(anyQuery(TASKS), 'GET').times(2).reply(200, page([info('x')]), asJson);
    const error = await caught(gatewayFor('s', backend).getTask('s', 'gone'));
    expect(error.code).toBe('TASK_NOT_FOUND');
    expect(error.context.vendor).toMatchObject({ status: 404, code: 'SecMaster.11060404' });
  });

  test('a failing search still answers the original TASK_NOT_FOUND', async () => {
    secmaster().intercept(`${TASKS}/gone`, 'GET').reply(404, '');
    secmaster().intercept(anyQuery(TASKS), 'GET').reply(500, 'boom');
    expect((await caught(gatewayFor('s', backend).getTask('s', 'gone'))).code).toBe('TASK_NOT_FOUND');
  });
});

describe('whether a failed action may have reached the vendor (what the Idempotency-Key keeps)', () => {
  test('a reset after the request left may have acted', async () => {
    // Reset once the request is on the wire: the vendor may have applied it.
    secmaster().intercept(`${TASKS}/t1`, 'PUT').replyWithError('socket hang up');
    const reset = await caught(gatewayFor('s', backend).perform({ backend: 's', taskId: 't1', action: 'approve' }));
    expect(reset.code).toBe('BACKEND_UNAVAILABLE');
    expect(reset.mayHaveActed).toBe(true);
  });

  test('refused before sending (an unsafe path, a refused connection, an open circuit) never acted', async () => {
    const unsafe = await caught(gatewayFor('s', backend).perform({ backend: 's', taskId: '..', action: 'approve' }));
    expect(unsafe.code).toBe('INVALID_REQUEST');
    expect(unsafe.mayHaveActed).toBe(false);
    const closed = gatewayFor('s', { ...backend, baseUrl: 'http://127.0.0.1:9', circuitBreaker: { failureThreshold: 1, openMs: 60_000 }, retries: { max: 0 } });
    const refused = await caught(closed.perform({ backend: 's', taskId: 't1', action: 'approve' }));
    expect(refused.mayHaveActed).toBe(false);
    const open = await caught(closed.perform({ backend: 's', taskId: 't1', action: 'approve' }));
    expect(open.message).toMatch(/circuit .* is open/);
    expect(open.mayHaveActed).toBe(false);
  });
});
