// The task index in the store: canonical tasks per backend, their change records, sync state and sync leases.
import type { Task, TaskStatus } from '../core/task';

/** Statuses after which a task does not move again (contract section 10, `closed`). */
export const FINAL_STATUSES: readonly TaskStatus[] = ['completed', 'canceled', 'failed', 'expired'];

export type ChangeKind = 'created' | 'updated' | 'closed' | 'removed' | 'action';

/** One change the index saw, or one action performed through the gateway: what a change event is made of. */
export interface ChangeRecord {
  /** Increases across every record of the store (assigned by the store). */
  sequence?: number;
  /** RFC 3339 UTC. */
  time: string;
  backend: string;
  taskId: string;
  kind: ChangeKind;
  /** The task after the change (its last indexed state for `removed`); for `action`, when known. */
  task?: Task;
  /** Canonical fields that changed (`updated`, `closed`). */
  changes?: string[];
  /** Their values before the change; null where the field was absent. */
  previous?: Record<string, unknown>;
  action?: string;
  result?: string;
  errorCode?: string;
  keyName?: string;
  onBehalfOf?: string;
  requestId?: string;
}

/** What the sync needs of each indexed task to find the changed ones without loading them all. */
export interface IndexedDigest {
  taskId: string;
  /** sha-256 of the task's canonical JSON (see taskDigest in src/sync/diff.ts). */
  digest: string;
  status: TaskStatus;
  /** False once the task left the vendor's list and was kept with the status a re-read gave it. */
  listed: boolean;
  /** Epoch ms of `updatedAt`, when the task has one. */
  updatedMs?: number;
}

export interface IndexedTask {
  task: Task;
  listed: boolean;
}

/** Everything one sync cycle (or one action) changes, written in one transaction. */
export interface IndexWrite {
  backend: string;
  upserts: { task: Task; digest: string; listed: boolean }[];
  deletes: string[];
  changes: ChangeRecord[];
  /** The backend's sync state after the cycle; absent: unchanged (an action's write). */
  state?: SyncState;
}

export type SyncStatus = 'ok' | 'error';

export interface SyncState {
  backend: string;
  /** The last cycle's outcome. */
  status: SyncStatus;
  /** End of the last good cycle, epoch ms. */
  syncedMs?: number;
  /** End of the last cycle, good or not, epoch ms. */
  attemptedMs?: number;
  errorCode?: string;
  errorDetail?: string;
  /** Cycles run so far (good or not): decides when the next full pass is due. */
  cycles: number;
  /** Failed cycles in a row, for the back-off. */
  failures: number;
  /** The newest `updatedAt` (epoch ms) the last good cycle saw: where an early-stopping cycle may stop. */
  highWaterMs?: number;
  /** A full pass was asked for (POST .../sync) and has not run yet. */
  fullRequested: boolean;
}

export const INBOX_SORTS = ['-createdAt', 'createdAt', '-updatedAt', 'updatedAt', 'dueAt', '-dueAt'] as const;
export type InboxSort = (typeof INBOX_SORTS)[number];

/** A position in a sorted inbox: the last item's sort key (as stored), backend and task id. */
export interface InboxPosition {
  key: number;
  backend: string;
  taskId: string;
}

export interface IndexQuery {
  /** The backends to read (already narrowed to what the key may use and what is indexed). */
  backends: string[];
  statuses: TaskStatus[];
  assignee?: string;
  /** Substring of the name, case-insensitive. */
  q?: string;
  /** Exclusive upper bound on dueAt, epoch ms (tasks without dueAt never match). */
  dueBeforeMs?: number;
  /** Inclusive lower bound on updatedAt, epoch ms (tasks without updatedAt never match). */
  updatedSinceMs?: number;
  sort: InboxSort;
  limit: number;
  after?: InboxPosition;
}

export interface IndexPage {
  items: Task[];
  /** Where the page ended, when there are more items. */
  next?: InboxPosition;
}

export interface IndexStore {
  /** The digest of every indexed task of a backend. */
  indexDigests(backend: string): Promise<IndexedDigest[]>;
  /** The indexed tasks of a backend with these ids (those that exist). */
  indexedTasks(backend: string, taskIds: string[]): Promise<IndexedTask[]>;
  /** Applies one cycle's or one action's changes, change records and sync state in one transaction. */
  writeIndex(write: IndexWrite): Promise<void>;
  queryIndex(query: IndexQuery): Promise<IndexPage>;
  /** Change records after a sequence number, in sequence order. */
  listChanges(afterSequence: number, limit: number): Promise<ChangeRecord[]>;
  syncStates(): Promise<SyncState[]>;
  /** Marks that a full pass of this backend was asked for (whichever gateway holds its lease runs it). */
  requestFullPass(backend: string): Promise<void>;
  /**
   * Takes or renews the backend's sync lease for `holder` until nowMs + ttlMs; false while another holder's
   * lease has not expired. A holder that dies stops renewing, and its lease lapses.
   */
  acquireLease(backend: string, holder: string, nowMs: number, ttlMs: number): Promise<boolean>;
  releaseLease(backend: string, holder: string): Promise<void>;
}
