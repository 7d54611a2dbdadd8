// An in-memory vendor behind the SyncGateway interface, for scheduler tests that run on fake timers (no sockets).
import { GatewayError } from '../../src/core/errors';
import type { Task, TaskListQuery } from '../../src/core/task';
import type { SyncGateway } from '../../src/sync/cycle';
import { task } from '../store/index-suite';

export class FakeVendor implements SyncGateway {
  readonly tasks = new Map<string, Task>();
  readonly listCalls: TaskListQuery[] = [];
  readonly getCalls: string[] = [];
  failing = false;
  /** While set, list calls wait for it (a cycle held in flight). */
  gate?: Promise<void>;

  constructor(readonly name: string, readonly vendor: string, count = 0) {
    for (let i = 0; i < count; i++) this.put(task(`t${String(i).padStart(4, '0')}`, { backend: name, updatedAt: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString() }));
  }

  put(t: Task): void {
    this.tasks.set(t.id, t);
  }

  list(): { name: string; vendor: string }[] {
    return [{ name: this.name, vendor: this.vendor }];
  }

  backend(name: string) {
    if (name !== this.name) throw new GatewayError('BACKEND_NOT_FOUND', `No backend is named '${name}'`);
    return { name, vendor: this.vendor };
  }

  async listTasks(_backend: string, query: TaskListQuery) {
    this.listCalls.push(query);
    await this.gate;
    if (this.failing) throw new GatewayError('BACKEND_UNAVAILABLE', 'The vendor refused the connection');
    // Newest update first, as SecMaster's sort_key=update_time&sort_dir=DESC.
    const all = [...this.tasks.values()].sort((a, b) => (b.updatedAt ?? '').localeCompare(a.updatedAt ?? ''));
    return { items: all.slice(query.offset, query.offset + query.limit), total: all.length };
  }

  async getTask(_backend: string, taskId: string) {
    this.getCalls.push(taskId);
    const found = this.tasks.get(taskId);
    if (!found) throw new GatewayError('TASK_NOT_FOUND', `No task '${taskId}'`);
    return found;
  }
}
