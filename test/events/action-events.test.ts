// An action through the gateway as the index records it (IndexService.applyActionResult) becomes taskgate.action.performed.
import { EventService } from '../../src/events/event-service';
import { SqliteStore } from '../../src/store/sqlite-store';
import { IndexService } from '../../src/sync/index-service';
import { SYNC_DEFAULTS } from '../../src/sync/scheduler';
import { task } from '../store/index-suite';

test('the task the vendor returned updates the index (created) and the action itself is one event, on indexed and other backends', async () => {
  const store = new SqliteStore(':memory:');
  store.migrate();
  const index = new IndexService({ store, backends: [{ name: 'oracle', vendor: 'oracle-bpm' }, { name: 'k2', vendor: 'k2' }], config: { ...SYNC_DEFAULTS, backends: ['oracle'] } });
  const events = new EventService({ store, config: { retentionHours: 168, retrySchedule: [], webhooks: [] } });
  const done = task('200345', { status: 'completed', raw: { vendor: 'object' } });
  await index.applyActionResult('oracle', done, { taskId: '200345', action: 'approve', result: 'applied', keyName: 'erp', onBehalfOf: 'alice', requestId: 'req-9' });
  await index.applyActionResult('k2', undefined, { taskId: '77', action: 'reject', errorCode: 'CONFLICT', keyName: 'erp', requestId: 'req-10' });
  const page = await events.feed.page({ after: 0, limit: 10 });
  expect(page.items.map((e) => [e.type, e.source, e.subject, e.data.sequence])).toEqual([
    ['taskgate.task.created', 'taskgate/oracle', '200345', 1],
    ['taskgate.action.performed', 'taskgate/oracle', '200345', 2],
    ['taskgate.action.performed', 'taskgate/k2', '77', 3],
  ]);
  const { task: performedTask, ...data } = page.items[1].data;
  expect(data).toEqual({ backend: 'oracle', taskId: '200345', sequence: 2, action: 'approve', result: 'applied', keyName: 'erp', onBehalfOf: 'alice', requestId: 'req-9' });
  expect(performedTask).toMatchObject({ id: '200345', status: 'completed' });
  expect(performedTask).not.toHaveProperty('raw');
  expect(page.items[2].data).toEqual({ backend: 'k2', taskId: '77', sequence: 3, action: 'reject', errorCode: 'CONFLICT', keyName: 'erp', requestId: 'req-10' });
  const actionsOnly = await events.feed.page({ after: 0, limit: 10, kinds: ['action'], backends: ['k2'] });
  expect(actionsOnly.items.map((e) => e.data.sequence)).toEqual([3]);
  await store.close();
});
