// SecMaster adapter specifics beyond the shared contract suite: custom with a comment, envelope and list leniency.
import { huaweiSecMaster } from '../../../adapters/huawei-secmaster';
import type { ActionCommand } from '../../../src/core/actions';
import type { VendorResponse } from '../../../src/core/adapter';
import { thrown } from '../../helpers/gateway';

const opts = { backend: 'secmaster', projectId: 'p1', workspaceId: 'w1' };
const TASK = '3e4c170e-7cc9-11f0-9216-fa163e209978';
const cmd = (c: Omit<ActionCommand, 'backend' | 'taskId'>): ActionCommand => ({ backend: 'secmaster', taskId: TASK, ...c }) as ActionCommand;
const ok = (body: unknown): VendorResponse => ({ status: 200, headers: {}, body: JSON.stringify(body) });
const info = { id: TASK, name: 'test task', status: 'waiting' };

describe('custom', () => {
  const bodies = (c: ActionCommand) => huaweiSecMaster.translate(c, opts).map((call) => [call.step, JSON.parse(call.request.body as string)]);

  test('a comment never rides on an outcome body: ADD_COMMENT first, then the action alone', () => {
    expect(bodies(cmd({ action: 'custom', name: 'CONTINUE', comment: 'via custom' }))).toEqual([
      ['add_comment', { action: 'ADD_COMMENT', comment: 'via custom' }],
      ['custom', { action: 'CONTINUE' }],
    ]);
  });

  test('custom ADD_COMMENT carries its comment in its own single call', () => {
    expect(bodies(cmd({ action: 'custom', name: 'ADD_COMMENT', comment: 'hello' }))).toEqual([
      ['custom', { action: 'ADD_COMMENT', comment: 'hello' }],
    ]);
  });

  test('without a comment it is one call with the action only', () => {
    expect(bodies(cmd({ action: 'custom', name: 'TERMINATE' }))).toEqual([['custom', { action: 'TERMINATE' }]]);
  });
});

describe('the 200 envelope', () => {
  const parse = (body: unknown) => huaweiSecMaster.parse(ok(body), undefined as never, cmd({ action: 'approve' }), opts);

  test.each([
    ['success true, code ""', { success: true, code: '', data: info }],
    ['success true, code null', { success: true, code: null, data: info }],
    ['success true, code 0', { success: true, code: 0, data: info }],
    ['success true, some other code', { success: true, code: 'SecMaster.0001', data: info }],
    ['no success, code 00000000', { code: '00000000', data: info }],
    ['no success, no code', { data: info }],
  ])('%s is applied', (_label, body) => {
    expect(parse(body)).toMatchObject({ result: 'applied', task: { id: TASK, status: 'open' } });
  });

  test.each([
    ['success false, code 00000000', { success: false, code: '00000000', message: 'no' }],
    ['success false, code ""', { success: false, code: '', message: 'no' }],
    ['no success, another code', { code: 'SecMaster.11061001', message: 'already handled' }],
  ])('%s is a rejection', (_label, body) => {
    expect(thrown(() => parse(body))).toMatchObject({ code: 'BACKEND_REJECTED', status: 422 });
  });
});

describe('the list', () => {
  const list = (body: unknown) => huaweiSecMaster.parseTaskList(ok(body), opts);

  test('missing or null data is an empty page', () => {
    expect(list({ code: '00000000', success: true, total: 0 })).toEqual({ items: [], total: 0 });
    expect(list({ code: '00000000', success: true, data: null })).toEqual({ items: [] });
  });

  test('total as a number or a numeric string', () => {
    expect(list({ success: true, data: [info], total: 7 }).total).toBe(7);
    expect(list({ success: true, data: [info], total: '7' }).total).toBe(7);
    expect(list({ success: true, data: [info], total: 'many' }).total).toBeUndefined();
  });

  test('data that is not a list is still a broken answer', () => {
    expect(thrown(() => list({ success: true, data: { id: TASK } }))).toMatchObject({ code: 'BACKEND_ERROR', status: 502 });
  });
});

test('a comment without an id gets its 1-based position as id', () => {
  const task = huaweiSecMaster.toTask({
    ...info,
    comments: [{ message: 'first' }, { id: 'c-2', message: 'second' }, { id: '', message: 'third' }, { id: 4, message: 'fourth' }],
  }, opts);
  expect(task.comments.map((c) => c.id)).toEqual(['1', 'c-2', '3', '4']);
});
