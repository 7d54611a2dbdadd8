// The sync's diff, pure: the index as it was against a fresh listing (and re-reads) -> index writes and change records.
import { createHash } from 'node:crypto';
import { withoutRaw, type Task } from '../core/task';
import { FINAL_STATUSES, type ChangeRecord, type IndexedDigest, type IndexedTask } from '../store/index-store';

/** The canonical fields a change is seen in (id, backend and vendor never change; `raw` is not indexed). */
export const COMPARED_FIELDS = [
  'name', 'description', 'status', 'vendorStatus', 'priority', 'assignee', 'createdAt', 'updatedAt', 'dueAt',
  'comments', 'attachments', 'properties', 'allowedActions',
] as const satisfies readonly (keyof Task)[];

/** JSON with object keys sorted, so two equal values always give the same text. */
function stable(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stable(v)}`).join(',')}}`;
}

/** sha-256 over the compared fields: equal digests, no canonical change. */
export function taskDigest(task: Task): string {
  return createHash('sha256').update(stable(COMPARED_FIELDS.map((f) => task[f]))).digest('base64url');
}

/** The compared fields that differ, and their previous values (null where absent). */
export function compareTasks(before: Task, after: Task): { changes: string[]; previous: Record<string, unknown> } {
  const changes: string[] = [];
  const previous: Record<string, unknown> = {};
  for (const field of COMPARED_FIELDS) {
    if (stable(before[field]) !== stable(after[field])) {
      changes.push(field);
      previous[field] = before[field] ?? null;
    }
  }
  return { changes, previous };
}

const isFinal = (status: string) => (FINAL_STATUSES as readonly string[]).includes(status);

/** The record of an indexed task that changed: `closed` when its status became final, else `updated`. */
export function changeOf(before: Task, after: Task, time: string): ChangeRecord | undefined {
  const { changes, previous } = compareTasks(before, after);
  if (changes.length === 0) return undefined;
  const closed = changes.includes('status') && isFinal(after.status) && !isFinal(before.status);
  return { time, backend: after.backend, taskId: after.id, kind: closed ? 'closed' : 'updated', task: after, changes, previous };
}

export interface DiffInput {
  backend: string;
  /** Every task the index holds for the backend, as digests. */
  index: Map<string, IndexedDigest>;
  /** The full indexed tasks of those the fresh listing changed (see needsPrevious). */
  previous: Map<string, IndexedTask>;
  /** The tasks the vendor listed in this cycle. */
  fresh: Task[];
  /** True when `fresh` is the whole list: an indexed task absent from it has left the list. */
  full: boolean;
  /** When the changes are recorded, RFC 3339. */
  time: string;
}

export interface DiffOutput {
  upserts: { task: Task; digest: string; listed: boolean }[];
  changes: ChangeRecord[];
  /** Listed tasks that left a full listing: each is read once more (see resolveLeft). */
  left: string[];
}

/** The fresh tasks, first occurrence of each id kept (offset paging can show a task twice while the list moves). */
export function distinct(tasks: Task[]): Task[] {
  const seen = new Set<string>();
  return tasks.filter((t) => !seen.has(t.id) && (seen.add(t.id), true));
}

/** Ids whose previous task the diff must see in full: listed again with another digest. */
export function needsPrevious(index: Map<string, IndexedDigest>, fresh: Task[]): string[] {
  return distinct(fresh).filter((t) => {
    const known = index.get(t.id);
    return known !== undefined && known.digest !== taskDigest(t);
  }).map((t) => t.id);
}

export function diff(input: DiffInput): DiffOutput {
  const out: DiffOutput = { upserts: [], changes: [], left: [] };
  const fresh = distinct(input.fresh).map(withoutRaw);
  for (const task of fresh) {
    const digest = taskDigest(task);
    const known = input.index.get(task.id);
    if (!known) {
      out.upserts.push({ task, digest, listed: true });
      out.changes.push({ time: input.time, backend: input.backend, taskId: task.id, kind: 'created', task });
      continue;
    }
    if (known.digest === digest) {
      // Unchanged; a task that had left the list and is back is marked listed again.
      if (!known.listed) out.upserts.push({ task, digest, listed: true });
      continue;
    }
    const before = input.previous.get(task.id);
    if (!before) throw new Error(`diff: the previous state of ${input.backend}/${task.id} was not loaded`);
    out.upserts.push({ task, digest, listed: true });
    const change = changeOf(before.task, task, input.time);
    if (change) out.changes.push(change);
  }
  if (input.full) {
    const listed = new Set(fresh.map((t) => t.id));
    for (const [id, known] of input.index) if (known.listed && !listed.has(id)) out.left.push(id);
  }
  return out;
}

/** What reading a task that left the list once more gave. */
export type Reread = { taskId: string; task: Task } | { taskId: string; gone: true } | { taskId: string; failed: true };

export interface LeftOutput {
  upserts: { task: Task; digest: string; listed: boolean }[];
  deletes: string[];
  changes: ChangeRecord[];
}

/**
 * Tasks that left the list: a re-read task is kept with what it says (marked not listed, so it is not read
 * again next time); one the vendor no longer knows leaves the index; a failed re-read changes nothing (the
 * task is still listed in the index, so the next full pass reads it again).
 */
export function resolveLeft(backend: string, previous: Map<string, IndexedTask>, rereads: Reread[], time: string): LeftOutput {
  const out: LeftOutput = { upserts: [], deletes: [], changes: [] };
  for (const reread of rereads) {
    const before = previous.get(reread.taskId);
    if ('failed' in reread || !before) continue;
    if ('gone' in reread) {
      out.deletes.push(reread.taskId);
      out.changes.push({ time, backend, taskId: reread.taskId, kind: 'removed', task: before.task });
      continue;
    }
    const task = withoutRaw(reread.task);
    out.upserts.push({ task, digest: taskDigest(task), listed: false });
    const change = changeOf(before.task, task, time);
    if (change) out.changes.push(change);
  }
  return out;
}
