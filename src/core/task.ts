// The canonical task every adapter produces (contract section 6) and the list query it answers.

export const TASK_STATUSES = [
  'open', 'claimed', 'suspended', 'completed', 'canceled', 'failed', 'expired', 'info_requested', 'unknown',
] as const;

export type TaskStatus = (typeof TASK_STATUSES)[number];

export interface TaskComment {
  id: string;
  text: string;
  author?: string;
  createdAt?: string;
}

export interface Task {
  id: string;
  backend: string;
  vendor: string;
  name: string;
  description?: string;
  status: TaskStatus;
  vendorStatus: string;
  priority?: number;
  assignee?: string;
  createdAt?: string;
  updatedAt?: string;
  dueAt?: string;
  comments: TaskComment[];
  attachments: { id: string }[];
  properties: Record<string, string>;
  allowedActions?: string[];
  raw?: unknown;
}

/** Query of GET /v1/backends/{backend}/tasks after validation. */
export interface TaskListQuery {
  limit: number;
  offset: number;
  status?: TaskStatus;
  /** Vendor-specific filters the adapter declared in `listFilters` (already validated). */
  filters: Record<string, string>;
}

export interface TaskPage {
  items: Task[];
  total?: number;
}

/** The task without `raw` (the vendor's own object): what the index keeps and what is shown unless asked for. */
export function withoutRaw(task: Task): Task {
  const { raw: _raw, ...rest } = task;
  return rest;
}
