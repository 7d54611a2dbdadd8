// Watching a change arrive: a task created or changed at an emulator (its admin route) reaches the inbox and the events feed; an action shows at once.
import { startStack, type Stack } from '../helpers/stack';

/** What each backend's emulator is given, and what its tasks look like canonically. */
const BACKENDS = [
  { backend: 'secmaster', create: { name: 'Approve blocking of 198.51.100.9', description: 'from the admin route', dueAt: '2030-01-31T09:00:00Z' }, assignee: 'li.wei' },
  { backend: 'ibm', create: { name: 'Approve purchase order PO-9001', priority: 2, dueAt: '2030-01-31T09:00:00Z' }, assignee: 'maria.lopez' },
  { backend: 'oracle', create: { name: 'Approve expense report EXP-2030-1', description: 'from the admin route', priority: 2 }, assignee: 'wfaulk' },
  { backend: 'k2', create: { name: 'EXP-2030-001 Admin route', priority: 2 }, assignee: 'K2:DENALLIX\\carol' },
] as const;

/** The emulator-only admin route of a backend's emulator (its origin: K2's baseUrl carries the service path). */
async function admin(stack: Stack, backend: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const origin = new URL(stack.config.backends[backend].baseUrl).origin;
  const res = await fetch(`${origin}/_emulator/tasks${path}`, {
    method, body: body === undefined ? undefined : JSON.stringify(body), headers: { 'Content-Type': 'application/json' },
  });
  return { status: res.status, body: await res.json() };
}

/** Waits on the events feed (long polls, bounded by count) for an event of `type` about one task. */
async function eventFor(stack: Stack, type: string, backend: string, taskId: string): Promise<any> {
  let after: string | undefined;
  for (let poll = 0; poll < 40; poll++) {
    const page = await stack.request('GET', `/v1/events?type=${type}&backend=${backend}&limit=500&wait=2${after ? `&after=${after}` : ''}`);
    expect(page.status).toBe(200);
    const hit = page.body.items.find((e: any) => e.subject === taskId);
    if (hit) return hit;
    after = page.body.nextCursor;
  }
  throw new Error(`no ${type} event for ${backend}/${taskId}`);
}

const inbox = async (stack: Stack, query: string) => {
  const res = await stack.request('GET', `/v1/tasks?${query}`);
  expect(res.status).toBe(200);
  return res.body.items as any[];
};

describe('with sync cycles every 200 ms', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack((config) => {
      config.sync = { ...config.sync, intervalMs: 200 };
    });
  });
  afterAll(() => stack.close());

  test.each(BACKENDS)('$backend: a task created at the emulator appears in the inbox; a new assignee arrives as taskgate.task.updated', async ({ backend, create, assignee }) => {
    const created = await admin(stack, backend, 'POST', '', create);
    expect(created.status).toBe(201);
    const id: string = created.body.id;

    const event = await eventFor(stack, 'taskgate.task.created', backend, id);
    expect(event).toMatchObject({ source: `taskgate/${backend}`, data: { backend, taskId: id, task: { id, name: create.name } } });
    const [task] = (await inbox(stack, `backend=${backend}&q=${encodeURIComponent(create.name)}`)).filter((t) => t.id === id);
    expect(task).toMatchObject({ id, backend, name: create.name });
    expect(task.status).toBe('open');
    if ('priority' in create) expect(task.priority).toBe(create.priority);
    if ('dueAt' in create) expect(task.dueAt).toBe('2030-01-31T09:00:00.000Z');
    if ('description' in create) expect(task.description).toBe(create.description);

    expect((await admin(stack, backend, 'PATCH', `/${encodeURIComponent(id)}`, { assignee })).status).toBe(200);
    const updated = await eventFor(stack, 'taskgate.task.updated', backend, id);
    expect(updated.data.changes).toContain('assignee');
    expect(updated.data.task.assignee).toBe(assignee);
    expect(updated.data.previous).toHaveProperty('assignee');
    expect(updated.data.previous.assignee).not.toBe(assignee);
    const assigned = await inbox(stack, `backend=${backend}&assignee=${encodeURIComponent(assignee)}&status=open,claimed`);
    expect(assigned.map((t) => t.id)).toContain(id);
  });
});

describe('without sync cycles (each sync asked for through the route)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  /** A task created at the emulator and indexed by a sync asked for through the gateway. */
  async function indexed(backend: string, name: string): Promise<string> {
    const created = await admin(stack, backend, 'POST', '', { name });
    expect(created.status).toBe(201);
    expect((await stack.request('POST', `/v1/backends/${backend}/sync`)).status).toBe(202);
    await eventFor(stack, 'taskgate.task.created', backend, created.body.id);
    expect((await inbox(stack, `backend=${backend}&status=open`)).map((t) => t.id)).toContain(created.body.id);
    return created.body.id;
  }

  test('secmaster: an approve through the gateway shows in the inbox at once and as taskgate.action.performed', async () => {
    const id = await indexed('secmaster', 'Approve isolating host web-07');
    const listCalls = () => stack.emulators.secmaster.calls.filter((c) => c.method === 'GET' && /\/soc\/tasks\?/.test(c.path)).length;
    const lists = listCalls();
    expect(lists).toBeGreaterThan(0);
    const res = await stack.request('POST', `/v1/backends/secmaster/tasks/${id}/actions`, { body: { action: 'approve', comment: 'ok' } });
    expect(res.status).toBe(200);
    // At once: no list call (no sync) between the action and the inbox's answer.
    expect((await inbox(stack, 'backend=secmaster&status=completed')).map((t) => t.id)).toContain(id);
    expect((await inbox(stack, 'backend=secmaster&status=open')).map((t) => t.id)).not.toContain(id);
    expect(listCalls()).toBe(lists);
    const event = await eventFor(stack, 'taskgate.action.performed', 'secmaster', id);
    expect(event.data).toMatchObject({ action: 'approve', result: 'applied', keyName: 'sandbox', requestId: res.headers.get('x-request-id') });
  });

  test('ibm: a claim through the gateway shows in the inbox at once and as taskgate.action.performed', async () => {
    const id = await indexed('ibm', 'Approve purchase order PO-9002');
    const listCalls = () => stack.emulators.ibm.calls.filter((c) => c.path.includes('/tasks/filter')).length;
    const lists = listCalls();
    expect(lists).toBeGreaterThan(0);
    const res = await stack.request('POST', `/v1/backends/ibm/tasks/${encodeURIComponent(id)}/actions`, { body: { action: 'claim' } });
    expect(res.status).toBe(200);
    const [task] = (await inbox(stack, 'backend=ibm&status=claimed')).filter((t) => t.id === id);
    expect(task).toMatchObject({ id, status: 'claimed', assignee: 'bpmadmin' });
    expect(listCalls()).toBe(lists);
    const event = await eventFor(stack, 'taskgate.action.performed', 'ibm', id);
    expect(event.data).toMatchObject({ action: 'claim', result: 'applied', task: { id, status: 'claimed' } });
  });

  test('a task completed at the emulator leaves the open inbox at the next sync, as taskgate.task.closed', async () => {
    const id = await indexed('oracle', 'Approve expense report EXP-2030-2');
    expect((await admin(stack, 'oracle', 'PATCH', `/${id}`, { vendorStatus: 'COMPLETED' })).status).toBe(200);
    expect((await stack.request('POST', '/v1/backends/oracle/sync')).status).toBe(202);
    const event = await eventFor(stack, 'taskgate.task.closed', 'oracle', id);
    expect(event.data.task).toMatchObject({ id, status: 'completed' });
    expect((await inbox(stack, 'backend=oracle&status=open')).map((t) => t.id)).not.toContain(id);
  });
});
