// The inbox as the MCP tools see it (contract section 9): a port the composition root wires to the task index, and
// the shape of search_tasks' arguments and answer.
import type { Caller } from '../core/action-service';
import type { Task } from '../core/task';

/** search_tasks' arguments: the query of GET /v1/tasks, lists comma-separated as on that route. */
export interface InboxSearch {
  backend?: string;
  status?: string;
  assignee?: string;
  q?: string;
  limit?: number;
  cursor?: string;
}

export interface InboxBackendState {
  name: string;
  vendor: string;
  status: 'ok' | 'stale' | 'error' | 'not_indexed';
  syncedAt?: string;
  error?: { code: string; detail: string };
}

/** What GET /v1/tasks answers. */
export interface InboxPage {
  items: Task[];
  nextCursor?: string;
  backends: InboxBackendState[];
}

/**
 * The inbox for one caller, refusing as GET /v1/tasks does: a GatewayError (400 for a bad query or cursor, 403 for a
 * named backend the key may not use, 404 for an unknown one). search_tasks checks the key's scope first as well.
 */
export interface InboxQuery {
  query(caller: Caller, search: InboxSearch): Promise<InboxPage>;
}

/**
 * The members of GET /v1/tasks' query that search_tasks takes (contract section 11), as in
 * schemas/inbox-query.schema.json on the inbox's branch: when that file is in this tree, `INBOX_QUERY` becomes
 * `import INBOX_QUERY from '../../schemas/inbox-query.schema.json'` and nothing else changes.
 */
const INBOX_QUERY = {
  properties: {
    backend: {
      type: 'string', minLength: 1, maxLength: 4096, pattern: '^[^,]+(,[^,]+)*$',
      description: 'Backend names, comma-separated (default: every indexed backend the key may use)',
    },
    status: {
      type: 'string', maxLength: 200,
      pattern: '^(open|claimed|suspended|completed|canceled|failed|expired|info_requested|unknown)(,(open|claimed|suspended|completed|canceled|failed|expired|info_requested|unknown))*$',
      description: 'Canonical statuses, comma-separated (default: open,claimed,suspended,info_requested)',
    },
    assignee: { type: 'string', minLength: 1, maxLength: 256, description: 'The assignee, exactly' },
    q: { type: 'string', minLength: 1, maxLength: 256, description: "A part of the task's name, any case" },
    limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
    cursor: { type: 'string', minLength: 1, maxLength: 2048, pattern: '^[A-Za-z0-9_.-]+$', description: "The previous answer's nextCursor, with the same filters" },
  } as Record<string, Record<string, unknown>>,
};

const SEARCH_ARGUMENTS = ['backend', 'status', 'assignee', 'q', 'limit', 'cursor'] as const;

export const SEARCH_TASKS_PROPERTIES: Record<string, Record<string, unknown>> = Object.fromEntries(
  SEARCH_ARGUMENTS.map((name) => {
    const schema = INBOX_QUERY.properties[name];
    if (!schema) throw new Error(`mcp: the inbox query has no '${name}'`);
    return [name, schema];
  }),
);

/** The inbox answer's members (contract section 9); `$ref`s are to the schema files. */
export const INBOX_ANSWER_PROPERTIES = {
  items: { type: 'array', items: { $ref: 'task.schema.json' } },
  nextCursor: { type: 'string', description: 'Pass as `cursor` (with the same filters) for the next page; absent on the last page' },
  backends: {
    type: 'array',
    items: {
      type: 'object',
      required: ['name', 'vendor', 'status'],
      additionalProperties: false,
      properties: {
        name: { type: 'string' },
        vendor: { type: 'string' },
        status: { enum: ['ok', 'stale', 'error', 'not_indexed'] },
        syncedAt: { type: 'string' },
        error: { type: 'object', required: ['code', 'detail'], properties: { code: { type: 'string' }, detail: { type: 'string' } } },
      },
    },
  },
};
