// Oracle adapter specifics beyond the shared contract suite: backend options, identities rules, error bodies.
import { oracleBpm } from '../../../adapters/oracle-bpm';
import { readActionList, toAllowedActions } from '../../../adapters/oracle-bpm/parse';
import { ACTION_NAMES, type ActionCommand } from '../../../src/core/actions';
import type { VendorResponse } from '../../../src/core/adapter';
import { GatewayError } from '../../../src/core/errors';
import { createBackend } from '../../../src/compose';
import { parseConfig } from '../../../src/config/load';

const backendConfig = (extra: Record<string, unknown> = {}) =>
  parseConfig({
    auth: { apiKeys: [{ name: 't', key: 'unit-test-key-1' }] },
    backends: { oracle: { vendor: 'oracle-bpm', baseUrl: 'https://oracle.example.com', auth: { type: 'basic', username: 'u', password: 'p' }, ...extra } },
  }, {}).backends.oracle;

const opts = { backend: 'oracle', timeZone: 'UTC' };
const cmd = (c: Omit<ActionCommand, 'backend' | 'taskId'>): ActionCommand => ({ backend: 'oracle', taskId: '200041', ...c }) as ActionCommand;
const body = (c: ActionCommand) => JSON.parse(oracleBpm.translate(c, opts)[0].request.body as string);

describe('backend options', () => {
  test('timeZone defaults to UTC and accepts IANA names', () => {
    expect(createBackend('oracle', backendConfig()).options).toEqual({ backend: 'oracle', timeZone: 'UTC', identitiesField: 'identities', a2aTaskNumber: 'metadata' });
    expect(createBackend('oracle', backendConfig({ timeZone: 'America/New_York' })).options).toMatchObject({ timeZone: 'America/New_York' });
  });

  test('an unknown zone is a startup error naming the key', () => {
    expect(() => createBackend('oracle', backendConfig({ timeZone: 'Mars/Olympus' }))).toThrow(/backends\.oracle\.timeZone/);
  });

  test('a wrong type or an unknown key is refused by the config schema', () => {
    // Config types are coerced (`${ENV}` values are text), so 42 is read as "42": still no zone, still refused.
    expect(() => createBackend('oracle', backendConfig({ timeZone: 42 }))).toThrow(/backends\.oracle\.timeZone/);
    expect(() => backendConfig({ timeZone: { zone: 'UTC' } })).toThrow(/backends\.oracle\.timeZone/);
    expect(() => backendConfig({ timezone: 'UTC' })).toThrow(/backends\.oracle\.timezone: unknown key/);
  });

  test('basic and bearer auth; a SecMaster-style token is refused', () => {
    expect(() => createBackend('oracle', backendConfig({ auth: { type: 'bearer', token: 'abc' } }))).not.toThrow();
    expect(() => createBackend('oracle', backendConfig({ auth: { type: 'token', token: 'abc' } }))).toThrow(/auth\.type/);
  });
});

describe('translate', () => {
  test('identities only for reassign, delegate and request_info; type defaults to user', () => {
    expect(body(cmd({ action: 'reassign', to: { id: 'wfaulk' } })).identities).toEqual([{ id: 'wfaulk', type: 'user' }]);
    expect(body(cmd({ action: 'delegate', to: { id: 'Finance', type: 'group' } })).identities).toEqual([{ id: 'Finance', type: 'group' }]);
    expect(body(cmd({ action: 'request_info', to: { id: 'achrist' } })).identities).toEqual([{ id: 'achrist', type: 'user' }]);
    // ACQUIRE must never carry identities, even if a caller-side bug put a target on the command.
    expect(body(cmd({ action: 'claim', to: { id: 'x' } }))).toEqual({ action: { id: 'ACQUIRE' } });
  });

  test('every supported action is one PUT to the task, with the action id in the manifest', () => {
    for (const [action, support] of Object.entries(oracleBpm.actions)) {
      const c = cmd({ action: action as ActionCommand['action'], outcome: 'ACCEPT', name: 'PURGE', to: { id: 'u' }, priority: 2 });
      const calls = oracleBpm.translate(c, opts);
      expect(calls).toHaveLength(1);
      expect(calls[0].request).toMatchObject({ method: 'PUT', path: '/bpm/api/4.0/tasks/200041' });
      const id = JSON.parse(calls[0].request.body as string).action.id;
      if (action === 'complete') expect(id).toBe('ACCEPT');
      else if (action === 'custom') expect(id).toBe('PURGE');
      else expect(support!.vendorAction.split(' ')[0]).toBe(id);
    }
  });

  test('no credential is ever in a translated request', () => {
    const req = oracleBpm.translate(cmd({ action: 'approve', comment: 'x' }), opts)[0].request;
    expect(Object.keys(req.headers).map((h) => h.toLowerCase())).not.toContain('authorization');
  });

  test('warnings: data, until and durationSeconds; nothing otherwise', () => {
    expect(oracleBpm.warnings(cmd({ action: 'approve' }), opts)).toEqual([]);
    expect(oracleBpm.warnings(cmd({ action: 'suspend' }), opts)).toEqual([]);
    expect(oracleBpm.warnings(cmd({ action: 'reject', data: { a: 'b' } }), opts)).toHaveLength(1);
    expect(oracleBpm.warnings(cmd({ action: 'suspend', until: '2030-01-01T00:00:00Z' }), opts)[0]).toMatch(/`until`/);
  });

  test('the list sends offset and limit only', () => {
    expect(oracleBpm.listTasksRequest({ limit: 5, offset: 10, filters: {} }, opts).path).toBe('/bpm/api/4.0/tasks?offset=10&limit=5');
  });
});

describe('errors', () => {
  const fail = (status: number, text: string): GatewayError => {
    const res: VendorResponse = { status, headers: {}, body: text };
    try {
      oracleBpm.parse(res, oracleBpm.translate(cmd({ action: 'approve' }), opts)[0], cmd({ action: 'approve' }), opts);
    } catch (error) {
      if (error instanceof GatewayError) return error;
      throw error;
    }
    throw new Error('expected a GatewayError');
  };

  test('status decides the code; the body only adds sanitized detail', () => {
    expect(fail(400, '')).toMatchObject({ code: 'BACKEND_REJECTED', status: 422 });
    expect(fail(401, '')).toMatchObject({ code: 'BACKEND_AUTH_FAILED', status: 502 });
    expect(fail(404, 'Task not found.').context.vendor).toEqual({ status: 404, message: 'Task not found.' });
    expect(fail(409, '{"title":"Conflict","status":409}').context.vendor).toEqual({ status: 409, message: 'Conflict' });
    expect(fail(503, '')).toMatchObject({ code: 'BACKEND_ERROR' });
  });

  test('HTML pages and 5xx text never reach the client', () => {
    expect(fail(400, '<html><body>Error 400--Bad Request</body></html>').context.vendor).toEqual({ status: 400 });
    expect(fail(500, 'oracle.bpel.services.workflow.WorkflowException: ORA-00001 at line 3').context.vendor).toEqual({ status: 500 });
  });

  test('a 200 that is not a task nor a title is BACKEND_ERROR', () => {
    const parse = (text: string) => () =>
      oracleBpm.parse({ status: 200, headers: {}, body: text }, oracleBpm.translate(cmd({ action: 'approve' }), opts)[0], cmd({ action: 'approve' }), opts);
    expect(parse('<html>login</html>')).toThrow(expect.objectContaining({ code: 'BACKEND_ERROR' }));
    expect(parse('{"foo":1}')).toThrow(expect.objectContaining({ code: 'BACKEND_ERROR' }));
    expect(parse('{"kind":"task","status":{"state":"completed"}}')).toThrow(/without an id/);
  });
});

test('allowedActions: canonical names only, deduplicated; Custom outcomes are complete, other System actions custom', () => {
  const list = [
    { actionId: 'APPROVE', actionType: 'Custom' }, { actionId: 'ACCEPT', actionType: 'Custom' }, { actionId: 'ACQUIRE', actionType: 'System' },
    { actionId: 'SKIP_CURRENT_ASSIGNMENT', actionType: 'System' }, { actionId: 'PUSHBACK' }, { actionId: 'INFO_REQUEST' },
    { actionId: 'DELETE', actionType: 'System' }, { actionId: 'APPROVE', actionType: 'System' }, { title: 'no id' },
    { actionId: 'DEFER', actionType: 'Custom' }, { actionId: 'PURGE', actionType: 'System' }, { actionId: 'ESCALATE_TO_CFO' },
  ];
  expect(toAllowedActions(list)).toEqual(['approve', 'complete', 'claim', 'skip', 'push_back', 'request_info', 'custom']);
  // Nothing is lost: the vendor's ids are kept; an untyped id the vendor doc does not list is an outcome.
  expect(readActionList(list)).toEqual({
    allowedActions: ['approve', 'complete', 'claim', 'skip', 'push_back', 'request_info', 'custom'],
    outcomes: ['APPROVE', 'ACCEPT', 'DEFER', 'ESCALATE_TO_CFO'],
    vendorActions: ['APPROVE', 'ACCEPT', 'ACQUIRE', 'SKIP_CURRENT_ASSIGNMENT', 'PUSHBACK', 'INFO_REQUEST', 'DELETE', 'DEFER', 'PURGE', 'ESCALATE_TO_CFO'],
  });
  expect(toAllowedActions(['APPROVE', 'SAVE'])).toEqual(['approve', 'add_comment', 'update', 'custom']);
  expect(toAllowedActions({ items: [] })).toEqual([]);
  expect(toAllowedActions(undefined)).toBeUndefined();
});

test('every allowed action is a canonical action name', () => {
  const task = oracleBpm.toTask({ number: 1, state: 'ASSIGNED', actionList: [
    { actionId: 'ACCEPT', actionType: 'Custom' }, { actionId: 'ADHOC_ROUTE', actionType: 'System' }, { actionId: 'ERROR', actionType: 'System' }, { actionId: 'WITHDRAW', actionType: 'System' },
  ] }, opts);
  expect(task.allowedActions).toEqual(['complete', 'custom', 'withdraw']);
  expect(task.allowedActions!.every((a) => (ACTION_NAMES as readonly string[]).includes(a))).toBe(true);
  expect(task.properties).toMatchObject({ outcomes: 'ACCEPT', vendorActions: 'ACCEPT,ADHOC_ROUTE,ERROR,WITHDRAW' });
});

test('A2A: metadata.number (the path id) wins over id; a numeric-string priority is a number', () => {
  const task = oracleBpm.toTask({ kind: 'task', id: 'a2a-guid', status: { state: 'submitted' }, metadata: { number: 200041, priority: '4' } }, opts);
  expect(task).toMatchObject({ id: '200041', priority: 4, status: 'open' });
  expect(oracleBpm.toTask({ kind: 'task', id: '200042', status: { state: 'working' } }, opts).id).toBe('200042');
  expect(oracleBpm.toTask({ number: '7', state: 'ASSIGNED', priority: 'high' }, opts).priority).toBeUndefined();
});

describe('options and the fields the PUT document offers', () => {
  test('identitiesField=assignees puts the targets in `assignees`, never in `identities`', () => {
    const assignees = { ...opts, identitiesField: 'assignees' as const };
    const sent = JSON.parse(oracleBpm.translate(cmd({ action: 'reassign', to: { id: 'wfaulk' } }), assignees)[0].request.body as string);
    expect(sent).toEqual({ action: { id: 'REASSIGN' }, assignees: [{ id: 'wfaulk', type: 'user' }] });
  });

  test('update is a SAVE with priority; fields the PUT cannot carry are warnings, or a 400 when nothing is left', () => {
    expect(body(cmd({ action: 'update', priority: 1, dueAt: '2030-01-01T00:00:00Z' }))).toEqual({ action: { id: 'SAVE' }, priority: 1 });
    expect(oracleBpm.warnings(cmd({ action: 'update', priority: 1, dueAt: '2030-01-01T00:00:00Z' }), opts)).toEqual([
      "Oracle BPM's task PUT has no place for `dueAt` (only priority): it was not sent",
    ]);
    expect(() => oracleBpm.translate(cmd({ action: 'update', name: 'x' }), opts)).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST' }));
  });

  test('custom parameters: routing fields for ADHOC_ROUTE only, identities in the configured field, others refused', () => {
    const adhoc = cmd({ action: 'custom', name: 'ADHOC_ROUTE', parameters: { routingType: 'Parallel', votersPercentage: 50, defaultActionForGroupVote: 'APPROVE', identities: [{ id: 'a', type: 'user' }] } });
    expect(JSON.parse(oracleBpm.translate(adhoc, { ...opts, identitiesField: 'assignees' })[0].request.body as string)).toEqual({
      action: { id: 'ADHOC_ROUTE' }, routingType: 'Parallel', votersPercentage: 50, defaultActionForGroupVote: 'APPROVE', assignees: [{ id: 'a', type: 'user' }],
    });
    expect(body(cmd({ action: 'custom', name: 'SAVE', parameters: { priority: 4 } }))).toEqual({ action: { id: 'SAVE' }, priority: 4 });
    for (const parameters of [{ routingType: 'Simple' }, { votersPercentage: 101 }, { colour: 'red' }]) {
      const name = 'routingType' in parameters ? 'DELETE' : 'ADHOC_ROUTE';
      expect(() => oracleBpm.translate(cmd({ action: 'custom', name, parameters }), opts)).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST' }));
    }
  });

  test('a2aTaskNumber: the id is read where the option says', () => {
    const a2a = { kind: 'task', id: '3f2a-guid', status: { state: 'submitted' }, metadata: { number: 200041, state: 'ASSIGNED' } };
    expect(oracleBpm.toTask(a2a, opts).id).toBe('200041');
    expect(oracleBpm.toTask({ ...a2a, id: '200041', metadata: { state: 'ASSIGNED' } }, { ...opts, a2aTaskNumber: 'id' }).id).toBe('200041');
    expect(oracleBpm.toTask(a2a, { ...opts, a2aTaskNumber: 'id' }).id).toBe('3f2a-guid');
  });

  test('A2A `unknown` without metadata.state: suspended after a SUSPEND, or the state the message names', () => {
    const answer = (text: string) => ({ status: 200, headers: {}, body: JSON.stringify({ kind: 'task', id: '7', status: { state: 'unknown', message: { parts: [{ kind: 'text', text }] } } }) });
    const suspend = cmd({ action: 'suspend' });
    expect(oracleBpm.parse(answer('on hold'), oracleBpm.translate(suspend, opts)[0], suspend, opts).task?.status).toBe('suspended');
    expect(oracleBpm.toTask(JSON.parse(answer('EXPIRED: jcooper').body), opts).status).toBe('expired');
    expect(oracleBpm.toTask(JSON.parse(answer('SUSPENDED: jcooper').body), opts).status).toBe('suspended');
    expect(oracleBpm.toTask(JSON.parse(answer('whatever').body), opts)).toMatchObject({ status: 'unknown', vendorStatus: 'unknown' });
  });
});
