// Change records as CloudEvents 1.0 (contract section 10): types, ids, and the type-prefix and backend filters.
import type { ChangeKind, ChangeRecord } from '../store/index-store';

export const EVENT_TYPES = {
  created: 'taskgate.task.created',
  updated: 'taskgate.task.updated',
  closed: 'taskgate.task.closed',
  removed: 'taskgate.task.removed',
  action: 'taskgate.action.performed',
} as const satisfies Record<ChangeKind, string>;

export type EventType = (typeof EVENT_TYPES)[ChangeKind];
export const ALL_EVENT_TYPES = Object.values(EVENT_TYPES) as EventType[];

/** A change record's own fields, its sequence always set (the store assigns it). */
export type EventData = Omit<ChangeRecord, 'time' | 'kind' | 'sequence'> & { sequence: number };

export interface CloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: EventType;
  time: string;
  subject: string;
  datacontenttype: 'application/json';
  data: EventData;
}

/** The id of the event of change record `sequence` in store `storeId`: the same at every delivery and read. */
export function eventId(storeId: string, sequence: number): string {
  return `evt_${storeId}_${sequence}`;
}

export function toCloudEvent(record: ChangeRecord, storeId: string): CloudEvent {
  const sequence = record.sequence ?? 0;
  const data: EventData = { backend: record.backend, taskId: record.taskId, sequence };
  if (record.task) data.task = record.task;
  if (record.kind === 'action') {
    if (record.action !== undefined) data.action = record.action;
    if (record.result !== undefined) data.result = record.result;
    if (record.errorCode !== undefined) data.errorCode = record.errorCode;
    if (record.keyName !== undefined) data.keyName = record.keyName;
    if (record.onBehalfOf !== undefined) data.onBehalfOf = record.onBehalfOf;
    if (record.requestId !== undefined) data.requestId = record.requestId;
  } else {
    if (record.changes) data.changes = record.changes;
    if (record.previous) data.previous = record.previous;
  }
  return {
    specversion: '1.0',
    id: eventId(storeId, sequence),
    source: `taskgate/${record.backend}`,
    type: EVENT_TYPES[record.kind],
    time: record.time,
    subject: record.taskId,
    datacontenttype: 'application/json',
    data,
  };
}

/** The change kinds whose event type starts with one of the prefixes (absent or empty: every kind). */
export function kindsFor(prefixes: string[] | undefined): ChangeKind[] | undefined {
  if (!prefixes || prefixes.length === 0) return undefined;
  return (Object.keys(EVENT_TYPES) as ChangeKind[]).filter((kind) => prefixes.some((p) => EVENT_TYPES[kind].startsWith(p)));
}

/** A backend list from config (`["*"]` for all) as a test. */
export function matchesBackend(patterns: string[] | undefined, backend: string): boolean {
  return !patterns || patterns.includes('*') || patterns.includes(backend);
}
