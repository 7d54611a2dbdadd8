// The inbox cursor: opaque, bound to its query (a digest of the normalized query inside), tamper-evident.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { InboxPosition } from '../store/index-store';

/** The query a cursor belongs to, normalized (lists sorted, times as epoch ms); `limit` may change between pages. */
export interface NormalizedQuery {
  backends: string[];
  statuses: string[];
  assignee?: string;
  q?: string;
  dueBeforeMs?: number;
  updatedSinceMs?: number;
  sort: string;
}

/** Cursors carry no secret: they must work on every gateway of a shared store; the key only makes edits evident. */
const DEFAULT_KEY = 'taskgate-inbox-cursor-v1';

function queryDigest(query: NormalizedQuery, key: string): string {
  const text = JSON.stringify([query.backends, query.statuses, query.assignee ?? null, query.q ?? null,
    query.dueBeforeMs ?? null, query.updatedSinceMs ?? null, query.sort]);
  return createHmac('sha256', key).update(`query:${text}`).digest('base64url').slice(0, 22);
}

function tag(payload: string, key: string): string {
  return createHmac('sha256', key).update(`cursor:${payload}`).digest('base64url').slice(0, 22);
}

export function encodeInboxCursor(position: InboxPosition, query: NormalizedQuery, key = DEFAULT_KEY): string {
  const payload = Buffer.from(JSON.stringify({ k: position.key, b: position.backend, t: position.taskId, q: queryDigest(query, key) })).toString('base64url');
  return `${payload}.${tag(payload, key)}`;
}

/** The position in the cursor, or undefined when it is malformed, edited, or from another query. */
export function decodeInboxCursor(cursor: string, query: NormalizedQuery, key = DEFAULT_KEY): InboxPosition | undefined {
  if (cursor.length > 2048) return undefined;
  const match = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{22})$/.exec(cursor);
  if (!match) return undefined;
  const [, payload, given] = match;
  const expected = tag(payload, key);
  if (!timingSafeEqual(Buffer.from(given), Buffer.from(expected))) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const { k, b, t, q } = (body ?? {}) as Record<string, unknown>;
  if (typeof k !== 'number' || !Number.isSafeInteger(k) || typeof b !== 'string' || typeof t !== 'string' || q !== queryDigest(query, key)) return undefined;
  return { key: k, backend: b, taskId: t };
}
