// The task index as the core sees it: the inbox query, and an action's result applied to the index at once.
import type { AuditRecord } from '../core/action-records';
import { GatewayError } from '../core/errors';
import { withoutRaw, type Task, type TaskStatus } from '../core/task';
import { type ChangeRecord, type IndexStore, type InboxSort, type SyncState } from '../store/index-store';
import { decodeInboxCursor, encodeInboxCursor, type NormalizedQuery } from './cursor';
import { changeOf, taskDigest } from './diff';
import { syncedBackends, type SyncConfig } from './scheduler';

export type { InboxSort };

export const DEFAULT_INBOX_STATUSES: TaskStatus[] = ['open', 'claimed', 'suspended', 'info_requested'];

/** An inbox query after validation; `backends` are names the caller may use (checked by the route). */
export interface InboxQuery {
  /** Named backends; absent: every indexed backend in `allowed`. */
  backends?: string[];
  statuses?: TaskStatus[];
  assignee?: string;
  q?: string;
  dueBefore?: string;
  updatedSince?: string;
  sort?: InboxSort;
  limit?: number;
  cursor?: string;
}

export type BackendIndexStatus = 'ok' | 'stale' | 'error' | 'not_indexed';

export interface InboxBackend {
  name: string;
  vendor: string;
  status: BackendIndexStatus;
  syncedAt?: string;
  error?: { code: string; detail: string };
}

export interface InboxAnswer {
  items: Task[];
  nextCursor?: string;
  backends: InboxBackend[];
}

/** One action performed through the gateway, for its change record (contract section 10, action.performed). */
export interface ActionInfo {
  taskId: string;
  action: string;
  result?: string;
  errorCode?: string;
  keyName: string;
  onBehalfOf?: string;
  requestId: string;
}

export interface IndexServiceOptions {
  store: IndexStore;
  /** Every configured backend (name and vendor). */
  backends: { name: string; vendor: string }[];
  config: SyncConfig;
  now?: () => number;
}

export class IndexService {
  private readonly indexed: Set<string>;
  private readonly vendors: Map<string, string>;
  private readonly now: () => number;

  constructor(private readonly options: IndexServiceOptions) {
    this.vendors = new Map(options.backends.map((b) => [b.name, b.vendor]));
    this.indexed = new Set(syncedBackends(options.config, options.backends.map((b) => b.name)));
    this.now = options.now ?? Date.now;
  }

  isIndexed(backend: string): boolean {
    return this.indexed.has(backend);
  }

  /**
   * After an action through the gateway: the task the vendor returned (or re-read) goes into the index at once,
   * with its change record; `action`, when given, is recorded as the action's own change record (every backend,
   * indexed or not). Without a task (a failed action, K2's bare 200) the index is left as it is.
   */
  async applyActionResult(backend: string, task: Task | undefined, action?: ActionInfo): Promise<void> {
    const time = new Date(this.now()).toISOString();
    const changes: ChangeRecord[] = [];
    const upserts: { task: Task; digest: string; listed: boolean }[] = [];
    if (task && this.indexed.has(backend)) {
      const fresh = withoutRaw(task);
      const digest = taskDigest(fresh);
      const [known] = await this.options.store.indexedTasks(backend, [fresh.id]);
      if (!known) {
        upserts.push({ task: fresh, digest, listed: true });
        changes.push({ time, backend, taskId: fresh.id, kind: 'created', task: fresh });
      } else if (taskDigest(known.task) !== digest) {
        upserts.push({ task: fresh, digest, listed: known.listed });
        const change = changeOf(known.task, fresh, time);
        if (change) changes.push(change);
      }
    }
    if (action) {
      const record: ChangeRecord = { time, backend, kind: 'action', ...action };
      if (task) record.task = withoutRaw(task);
      changes.push(record);
    }
    await this.options.store.writeIndex({ backend, upserts, deletes: [], changes });
  }

  /** As ActionObserver.performed (src/core/action-service.ts): the audited attempt and the task it returned. */
  performed(record: AuditRecord, task: Task | undefined): Promise<void> {
    const action: ActionInfo = { taskId: record.taskId, action: record.action, keyName: record.keyName, requestId: record.requestId };
    if (record.result !== undefined) action.result = record.result;
    if (record.errorCode !== undefined) action.errorCode = record.errorCode;
    if (record.onBehalfOf !== undefined) action.onBehalfOf = record.onBehalfOf;
    return this.applyActionResult(record.backend, task, action);
  }

  /**
   * One inbox page over the indexed backends among `allowed` (the caller's backends, already checked against
   * the named ones). A cursor from another query, or edited, is a 400.
   */
  async query(allowed: string[], input: InboxQuery): Promise<InboxAnswer> {
    const named = input.backends ? [...new Set(input.backends)] : allowed;
    const read = named.filter((b) => this.indexed.has(b)).sort();
    const normalized: NormalizedQuery = {
      backends: read,
      statuses: [...new Set(input.statuses ?? DEFAULT_INBOX_STATUSES)].sort(),
      sort: input.sort ?? '-createdAt',
    };
    if (input.assignee !== undefined) normalized.assignee = input.assignee;
    if (input.q !== undefined) normalized.q = input.q;
    if (input.dueBefore !== undefined) normalized.dueBeforeMs = Date.parse(input.dueBefore);
    if (input.updatedSince !== undefined) normalized.updatedSinceMs = Date.parse(input.updatedSince);
    const after = input.cursor === undefined ? undefined : decodeInboxCursor(input.cursor, normalized);
    if (input.cursor !== undefined && !after) {
      throw new GatewayError('INVALID_REQUEST', 'The cursor is not one this gateway gave out for this query (a cursor is bound to its filters and sort)');
    }
    const limit = input.limit ?? 20;
    const [page, states] = await Promise.all([
      this.options.store.queryIndex({
        backends: read, statuses: normalized.statuses as TaskStatus[], assignee: normalized.assignee, q: normalized.q,
        dueBeforeMs: normalized.dueBeforeMs, updatedSinceMs: normalized.updatedSinceMs, sort: normalized.sort as InboxSort, limit, after,
      }),
      this.options.store.syncStates(),
    ]);
    const answer: InboxAnswer = { items: page.items, backends: named.slice().sort().map((name) => this.backendStatus(name, states)) };
    if (page.next) answer.nextCursor = encodeInboxCursor(page.next, normalized);
    return answer;
  }

  /** The index state of each indexed backend (for /readyz: a failing sync shows there, and the gateway stays ready). */
  async indexedBackends(): Promise<InboxBackend[]> {
    const states = await this.options.store.syncStates();
    return [...this.indexed].sort().map((name) => this.backendStatus(name, states));
  }

  private backendStatus(name: string, states: SyncState[]): InboxBackend {
    const entry: InboxBackend = { name, vendor: this.vendors.get(name) ?? 'unknown', status: 'not_indexed' };
    if (!this.indexed.has(name)) return entry;
    const state = states.find((s) => s.backend === name);
    if (state?.syncedMs !== undefined) entry.syncedAt = new Date(state.syncedMs).toISOString();
    const interval = this.options.config.intervalMs;
    if (state?.status === 'error') {
      entry.status = 'error';
      entry.error = { code: state.errorCode ?? 'INTERNAL_ERROR', detail: state.errorDetail ?? '' };
    } else if (state?.syncedMs === undefined) {
      // Indexed but not synced yet: nothing is known to be current.
      entry.status = 'stale';
    } else {
      entry.status = interval > 0 && this.now() - state.syncedMs > 3 * interval ? 'stale' : 'ok';
    }
    return entry;
  }
}
