// The inbox as the MCP tools see it (contract section 9): a port the app wires to the task index's inbox query.
import type { Caller } from '../core/action-service';
import type { InboxAnswer } from '../sync/index-service';

/** search_tasks' arguments: the query of GET /v1/tasks, lists comma-separated as on that route. */
export interface InboxSearch {
  backend?: string;
  status?: string;
  assignee?: string;
  q?: string;
  limit?: number;
  cursor?: string;
}

/** What GET /v1/tasks answers (the index service's answer). */
export type InboxPage = InboxAnswer;

/**
 * The inbox for one caller, refusing as GET /v1/tasks does: a GatewayError (400 for a bad query or cursor, 403 for a
 * named backend the key may not use, 404 for an unknown one). search_tasks checks the key's scope first as well.
 */
export interface InboxQuery {
  query(caller: Caller, search: InboxSearch): Promise<InboxPage>;
}

/** The members of GET /v1/tasks' query that search_tasks takes (contract section 11). */
export const SEARCH_ARGUMENTS = ['backend', 'status', 'assignee', 'q', 'limit', 'cursor'] as const;
