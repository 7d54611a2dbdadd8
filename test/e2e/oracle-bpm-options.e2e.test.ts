// End to end against the strict Oracle BPM emulator: identitiesField and a2aTaskNumber in their non-default forms,
// update (SAVE + priority), add_comment (SAVE + comment) and custom parameters.
import { startStack, type Stack } from '../helpers/stack';

const OPEN = '200041';
const SUPPLIER = '200043';
const act = (stack: Stack, taskId: string, body: unknown) => stack.request('POST', `/v1/backends/oracle/tasks/${taskId}/actions`, { body });

describe('oracle-bpm options end to end', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  test('identitiesField=assignees: the emulator taking `assignees` only accepts the reassign', async () => {
    stack = await startStack((c) => {
      c.backends.oracle.identitiesField = 'assignees';
    }, { oracle: { identitiesField: 'assignees' } });
    const res = await act(stack, OPEN, { action: 'reassign', to: { id: 'wfaulk' } });
    expect(res.status).toBe(200);
    expect(res.body.task).toMatchObject({ id: OPEN, assignee: 'wfaulk' });
  });

  test('the default (identities) against that emulator is refused: the option is what makes it work', async () => {
    stack = await startStack(() => {}, { oracle: { identitiesField: 'assignees' } });
    const res = await act(stack, OPEN, { action: 'reassign', to: { id: 'wfaulk' } });
    expect(res.body).toMatchObject({ status: 422, code: 'BACKEND_REJECTED', vendor: { status: 400 } });
  });

  test('a2aTaskNumber=id: ids read from `id`; the same option against an emulator putting the GUID in `id` reads the GUID', async () => {
    stack = await startStack((c) => {
      c.backends.oracle.a2aTaskNumber = 'id';
    }, { oracle: { a2aTaskNumber: 'id' } });
    const list = await stack.request('GET', '/v1/backends/oracle/tasks?limit=3');
    expect(list.body.items.map((t: { id: string }) => t.id)).toEqual(['200041', '200042', '200043']);
    const claimed = await act(stack, OPEN, { action: 'claim' });
    expect(claimed.body.task).toMatchObject({ id: OPEN, status: 'claimed' });
    await stack.close();
    stack = await startStack((c) => {
      c.backends.oracle.a2aTaskNumber = 'id';
    }, { oracle: { a2aTaskNumber: 'metadata' } });
    const byGuid = await stack.request('GET', `/v1/backends/oracle/tasks/${OPEN}`);
    expect(byGuid.body.id).toBe('3f2a1c9e-7d41-4b6e-9c0a-000000200041');
  });

  test('update sets the priority through a SAVE; add_comment adds a comment through a SAVE', async () => {
    stack = await startStack();
    const updated = await act(stack, OPEN, { action: 'update', priority: 1, dueAt: '2030-01-01T00:00:00Z' });
    expect(updated.status).toBe(200);
    expect(updated.body.task).toMatchObject({ priority: 1, status: 'open' });
    expect(updated.body.warnings).toEqual(["Oracle BPM's task PUT has no place for `dueAt` (only priority): it was not sent"]);
    const commented = await act(stack, OPEN, { action: 'add_comment', comment: 'looked at it' });
    expect(commented.body.task.comments.map((c: { text: string }) => c.text)).toContain('looked at it');
    const dry = await stack.request('POST', `/v1/backends/oracle/tasks/${OPEN}/actions?dryRun=true`, { body: { action: 'update', priority: 2, name: 'x' } });
    expect(dry.body.warnings).toEqual(["Oracle BPM's task PUT has no place for `name` (only priority): it was not sent"]);
  });

  test('custom ADHOC_ROUTE with routing parameters and identities; an undeclared parameter is a 400', async () => {
    stack = await startStack();
    const routed = await act(stack, SUPPLIER, {
      action: 'custom', name: 'ADHOC_ROUTE',
      parameters: { routingType: 'Parallel', votersPercentage: 60, defaultActionForGroupVote: 'ACCEPT', identities: [{ id: 'wfaulk', type: 'user' }] },
    });
    expect(routed.status).toBe(200);
    expect(routed.body.task).toMatchObject({ assignee: 'wfaulk', properties: expect.objectContaining({ substate: 'ROUTED' }) });
    const saved = await act(stack, OPEN, { action: 'custom', name: 'SAVE', parameters: { priority: 5 } });
    expect(saved.body.task.priority).toBe(5);
    const bad = await act(stack, OPEN, { action: 'custom', name: 'DELETE', parameters: { routingType: 'Simple' } });
    expect(bad.body).toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
  });
});
