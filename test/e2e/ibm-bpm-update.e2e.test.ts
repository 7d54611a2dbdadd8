// End to end against the IBM BPM emulator: Task Update fields the documents offer (expiresAt, escalate as
// isEscalated, the others through custom parameters), through the facade.
import { IBM_BPM_EMULATOR_DEFAULTS } from '../../adapters/ibm-bpm/emulator';
import { startStack, type Stack } from '../helpers/stack';

const READY = IBM_BPM_EMULATOR_DEFAULTS.taskIds.ready;
const path = `/v1/backends/ibm/tasks/${encodeURIComponent(READY)}`;
const act = (stack: Stack, body: unknown) => stack.request('POST', `${path}/actions`, { body });

describe('ibm-bpm Task Update end to end', () => {
  let stack: Stack;
  beforeEach(async () => {
    stack = await startStack();
  });
  afterEach(() => stack.close());

  test('update expiresAt reaches expirationTime; escalate sets isEscalated; both read back', async () => {
    const updated = await act(stack, { action: 'update', expiresAt: '2031-01-31T12:00:00+01:00' });
    expect(updated.status).toBe(200);
    expect(updated.body.task.properties).toMatchObject({ expiresAt: '2031-01-31T11:00:00.000Z' });
    const escalated = await act(stack, { action: 'escalate' });
    expect(escalated.status).toBe(200);
    expect(escalated.body.task.properties).toMatchObject({ isEscalated: 'true' });
  });

  test('custom update with documented fields; an undeclared one is a 400 and nothing is sent', async () => {
    const res = await act(stack, { action: 'custom', name: 'update', parameters: { workBasketName: 'Finance', isRead: true } });
    expect(res.status).toBe(200);
    const before = stack.emulators.ibm.calls.length;
    const bad = await act(stack, { action: 'custom', name: 'update', parameters: { colour: 'red' } });
    expect(bad.body).toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
    expect(stack.emulators.ibm.calls.length).toBe(before);
  });
});
