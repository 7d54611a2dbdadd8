// End to end against the strict K2 emulator: updateTaskId in its non-default form, update (Priority, ProcessFolio),
// data on delegate and sleep, custom parameters, and reading one task with or without the whole worklist.
import type { K2Emulator } from '../../adapters/k2/emulator';
import { startStack, type Stack } from '../helpers/stack';

const act = (stack: Stack, taskId: string, body: unknown) => stack.request('POST', `/v1/backends/k2/tasks/${taskId}/actions`, { body });
const emulator = (stack: Stack) => stack.emulators.k2 as K2Emulator;

describe('k2 options end to end', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  test('updateTaskId=required: UpdateTask/@ID is sent, and the emulator requiring it applies the action', async () => {
    stack = await startStack((c) => {
      c.backends.k2.updateTaskId = 'required';
    }, { k2: { updateTaskId: 'required' } });
    const res = await act(stack, '2_24', { action: 'approve' });
    expect(res.status).toBe(200);
    expect(emulator(stack).items.get('2_24')?.status).toBe('Completed');
  });

  test('the default (no @ID) against the emulator requiring it is refused: the option is what makes it work', async () => {
    stack = await startStack(() => {}, { k2: { updateTaskId: 'required' } });
    const res = await act(stack, '2_24', { action: 'approve' });
    expect(res.body).toMatchObject({ status: 422, code: 'BACKEND_REJECTED', vendor: { status: 400 } });
    expect(emulator(stack).items.get('2_24')?.status).toBe('Available');
  });

  test('update sets Priority and ProcessFolio riding on the configured updateAction; without one it is a 422', async () => {
    stack = await startStack();
    expect((await act(stack, '19_10', { action: 'update', priority: 5 })).body).toMatchObject({ status: 422, code: 'UNSUPPORTED_ACTION' });
    await stack.close();
    stack = await startStack((c) => {
      c.backends.k2.updateAction = 'd:K2:DENALLIX\\Bob';
    });
    const res = await act(stack, '19_10', { action: 'update', priority: 5, folio: 'PO-1042 Laptops (rush)', dueAt: '2030-01-01T00:00:00Z' });
    expect(res.status).toBe(200);
    expect(res.body.warnings).toEqual(['K2 UpdateTask has no place for `dueAt` (only Priority and ProcessFolio): it was not sent']);
    const task = await stack.request('GET', '/v1/backends/k2/tasks/19_10');
    expect(task.body).toMatchObject({ priority: 5, name: 'PO-1042 Laptops (rush)', status: 'claimed', assignee: 'K2:DENALLIX\\Bob' });
  });

  test('data travels with delegate and sleep as ProcessDataFields', async () => {
    stack = await startStack();
    expect((await act(stack, '2_24', { action: 'delegate', to: { id: 'DENALLIX\\Bob' }, data: { Note: 'over to Bob' } })).status).toBe(200);
    expect((await act(stack, '12_8', { action: 'suspend', durationSeconds: 3600, data: { Why: 'receipts' } })).status).toBe(200);
    expect(emulator(stack).items.get('2_24')?.data).toMatchObject({ Note: 'over to Bob' });
    expect(emulator(stack).items.get('12_8')).toMatchObject({ status: 'Sleep', data: { Why: 'receipts' } });
  });

  test('custom parameters Priority and ProcessFolio reach the item; an undeclared one is a 400', async () => {
    stack = await startStack();
    const res = await act(stack, '2_24', { action: 'custom', name: 'Rework', parameters: { Priority: 3, ProcessFolio: 'reworked' } });
    expect(res.status).toBe(200);
    expect(emulator(stack).items.get('2_24')).toMatchObject({ priority: 3, processFolio: 'reworked' });
    expect((await act(stack, '12_8', { action: 'custom', name: 'Rework', parameters: { priority: 3 } })).body).toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
  });

  test('getTask=worklist reads the whole worklist and still answers the one task', async () => {
    stack = await startStack((c) => {
      c.backends.k2.getTask = 'worklist';
    });
    const res = await stack.request('GET', '/v1/backends/k2/tasks/19_10');
    expect(res.body).toMatchObject({ id: '19_10', status: 'claimed' });
    expect(emulator(stack).calls.at(-1)?.path).toBe('/K2Services/SyncREST.svc/Task/Items?piDataField=true');
  });
});
