// One sync cycle of one backend: read the vendor's list (bounded), diff it with the index, re-read tasks that left it.
import { GatewayError } from '../core/errors';
import type { Task, TaskListQuery, TaskPage } from '../core/task';
import type { IndexStore, IndexedDigest, IndexedTask, SyncState } from '../store/index-store';
import { diff, needsPrevious, resolveLeft, type Reread } from './diff';
import { listPlan, PAGE_SIZE } from './list-plan';

/** The part of the gateway a cycle uses (src/core/gateway.ts): every vendor call goes through it. */
export interface SyncGateway {
  backend(name: string): { name: string; vendor: string };
  listTasks(backend: string, query: TaskListQuery): Promise<TaskPage>;
  getTask(backend: string, taskId: string): Promise<Task>;
}

export interface CycleOptions {
  /** At most this many tasks are listed per cycle (sync.maxTasksPerBackend). */
  maxTasks: number;
  /** At most this many tasks that left the list are re-read per cycle; the rest wait for the next full pass. */
  maxRereads?: number;
  /** Called before each vendor call; false stops the cycle (the sync lease was lost). */
  beforeCall?: () => Promise<boolean>;
  now?: () => number;
}

export interface CycleResult {
  backend: string;
  /** A full pass was asked for. */
  full: boolean;
  /** The listing was complete (every page read): removals could be seen. */
  complete: boolean;
  ok: boolean;
  /** List and get calls made through the gateway. */
  vendorCalls: number;
  listed: number;
  changes: number;
  /** The listing stopped at maxTasks (or the page bound) before the end of the list. */
  truncated: boolean;
  error?: { code: string; detail: string };
  /** The error behind `error`, for the log (never put in an answer). */
  cause?: unknown;
  durationMs: number;
}

class LeaseLost extends Error {}

export async function runCycle(
  gateway: SyncGateway, store: IndexStore, backendName: string, full: boolean, state: SyncState | undefined, options: CycleOptions,
): Promise<CycleResult> {
  const now = options.now ?? Date.now;
  const started = now();
  const result: CycleResult = { backend: backendName, full, complete: false, ok: false, vendorCalls: 0, listed: 0, changes: 0, truncated: false, durationMs: 0 };
  const call = async <T>(work: () => Promise<T>): Promise<T> => {
    if (options.beforeCall && !(await options.beforeCall())) throw new LeaseLost('the sync lease was lost');
    result.vendorCalls++;
    return work();
  };
  const cycles = (state?.cycles ?? 0) + 1;
  try {
    const { vendor } = gateway.backend(backendName);
    const plan = listPlan(vendor);
    const stopEarlyAt = !full && plan.newestUpdateFirst ? state?.highWaterMs : undefined;
    const maxPages = Math.ceil(options.maxTasks / PAGE_SIZE);
    const fresh: Task[] = [];
    let pages = 0;
    let complete = true;
    for (const { filters } of plan.queries) {
      for (let offset = 0; ; offset += PAGE_SIZE) {
        if (pages >= maxPages || fresh.length >= options.maxTasks) {
          result.truncated = true;
          complete = false;
          break;
        }
        const page = await call(() => gateway.listTasks(backendName, { limit: PAGE_SIZE, offset, filters }));
        pages++;
        fresh.push(...page.items);
        if (page.items.length < PAGE_SIZE || (page.total !== undefined && offset + PAGE_SIZE >= page.total)) break;
        if (stopEarlyAt !== undefined && reachedBelow(page.items, stopEarlyAt)) {
          // Everything updated since the last good cycle is listed above this point.
          complete = false;
          break;
        }
      }
    }
    if (fresh.length > options.maxTasks) {
      fresh.length = options.maxTasks;
      result.truncated = true;
      complete = false;
    }
    result.complete = complete;
    result.listed = fresh.length;

    const time = new Date(now()).toISOString();
    const index = new Map((await store.indexDigests(backendName)).map((d): [string, IndexedDigest] => [d.taskId, d]));
    const changedIds = needsPrevious(index, fresh);
    const freshIds = new Set(fresh.map((t) => t.id));
    const leftIds = complete ? [...index.values()].filter((d) => d.listed && !freshIds.has(d.taskId)).map((d) => d.taskId) : [];
    const previous = await loadPrevious(store, backendName, [...changedIds, ...leftIds]);
    const out = diff({ backend: backendName, index, previous, fresh, full: complete, time });
    const rereads: Reread[] = plan.readsOneTask ? [] : out.left.map((taskId) => ({ taskId, gone: true as const }));
    for (const taskId of plan.readsOneTask ? out.left.slice(0, options.maxRereads ?? 1000) : []) {
      try {
        rereads.push({ taskId, task: await call(() => gateway.getTask(backendName, taskId)) });
      } catch (error) {
        if (error instanceof LeaseLost) throw error;
        rereads.push(error instanceof GatewayError && error.code === 'TASK_NOT_FOUND' ? { taskId, gone: true } : { taskId, failed: true });
      }
    }
    const left = resolveLeft(backendName, previous, rereads, time);
    const highWater = Math.max(state?.highWaterMs ?? -Infinity, ...fresh.map((t) => updatedMs(t) ?? -Infinity));
    const end = now();
    const next: SyncState = {
      backend: backendName, status: 'ok', syncedMs: end, attemptedMs: end, cycles, failures: 0,
      fullRequested: full ? false : state?.fullRequested ?? false,
    };
    if (Number.isFinite(highWater)) next.highWaterMs = highWater;
    const changes = [...out.changes, ...left.changes];
    await store.writeIndex({ backend: backendName, upserts: [...out.upserts, ...left.upserts], deletes: left.deletes, changes, state: next });
    result.changes = changes.length;
    result.ok = true;
  } catch (error) {
    if (error instanceof LeaseLost) {
      result.error = { code: 'LEASE_LOST', detail: error.message };
    } else {
      // The last good index stays; the state says why this cycle failed (GatewayError details are credential-free).
      result.error = error instanceof GatewayError
        ? { code: error.code, detail: error.message }
        : { code: 'INTERNAL_ERROR', detail: 'The sync cycle failed on an unexpected error' };
      const failed: SyncState = {
        backend: backendName, status: 'error', attemptedMs: now(), cycles, failures: (state?.failures ?? 0) + 1,
        errorCode: result.error.code, errorDetail: result.error.detail, fullRequested: state?.fullRequested ?? false,
      };
      if (state?.syncedMs !== undefined) failed.syncedMs = state.syncedMs;
      if (state?.highWaterMs !== undefined) failed.highWaterMs = state.highWaterMs;
      await store.writeIndex({ backend: backendName, upserts: [], deletes: [], changes: [], state: failed }).catch(() => undefined);
    }
    result.cause = error;
  }
  result.durationMs = now() - started;
  return result;
}

async function loadPrevious(store: IndexStore, backend: string, ids: string[]): Promise<Map<string, IndexedTask>> {
  if (ids.length === 0) return new Map();
  return new Map((await store.indexedTasks(backend, ids)).map((t) => [t.task.id, t]));
}

const updatedMs = (task: Task): number | undefined => {
  const ms = task.updatedAt === undefined ? NaN : Date.parse(task.updatedAt);
  return Number.isNaN(ms) ? undefined : ms;
};

/** The page reaches tasks updated before `highWater` (every task on it has an update time to tell). */
function reachedBelow(items: Task[], highWater: number): boolean {
  const times = items.map(updatedMs);
  return times.every((t) => t !== undefined) && times.some((t) => t! < highWater);
}
