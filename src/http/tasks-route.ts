// GET /v1/tasks (the inbox over the task index) and POST /v1/backends/{backend}/sync (scope `sync`): 202.
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { Request, Response } from 'express';
import inboxQuerySchema from '../../schemas/inbox-query.schema.json';
import { GatewayError } from '../core/errors';
import { namedBackends, validatedQuery } from './query-checks';
import type { TaskStatus } from '../core/task';
import { mayUseBackend, type Caller } from '../core/action-service';
import type { IndexService, InboxAnswer, InboxSort } from '../sync/index-service';

const ajv = new Ajv2020({ strict: true, allErrors: true, useDefaults: true, coerceTypes: true });
addFormats(ajv, ['date-time']);
const validateQuery = ajv.compile(inboxQuerySchema);

interface InboxQueryParams {
  backend?: string;
  status?: string;
  assignee?: string;
  q?: string;
  dueBefore?: string;
  updatedSince?: string;
  sort: InboxSort;
  limit: number;
  cursor?: string;
}

/** What the routes need of the gateway: the configured backends (name, vendor). */
export interface BackendDirectory {
  list(): { name: string; vendor: string }[];
}

/** What the sync route needs of the scheduler. */
export interface SyncTrigger {
  isSynced(backend: string): boolean;
  trigger(backend: string): Promise<void>;
}

export function inboxHandler(index: IndexService, backends: BackendDirectory) {
  const inbox = inboxQuery(index, backends);
  return async (req: Request, res: Response): Promise<void> => {
    res.json(await inbox(res.locals.caller as Caller, { ...(req.query as Record<string, unknown>) }));
  };
}

/** The inbox for a caller and a query of GET /v1/tasks (the route's and the MCP tool search_tasks'): checked, then read. */
export function inboxQuery(index: IndexService, backends: BackendDirectory) {
  return async (caller: Caller, query: Record<string, unknown>): Promise<InboxAnswer> => {
    const configured = backends.list();
    const named = namedBackends(caller, query.backend, configured);
    const q = validatedQuery<InboxQueryParams>(validateQuery, query, 'inbox query', 'backend, status, assignee, q, dueBefore, updatedSince, sort, limit, cursor');
    const allowed = configured.map((b) => b.name).filter((name) => mayUseBackend(caller, name));
    return index.query(allowed, {
      backends: named,
      statuses: q.status === undefined ? undefined : (q.status.split(',') as TaskStatus[]),
      assignee: q.assignee, q: q.q, dueBefore: q.dueBefore, updatedSince: q.updatedSince, sort: q.sort, limit: q.limit, cursor: q.cursor,
    });
  };
}

export function syncHandler(scheduler: SyncTrigger, backends: BackendDirectory) {
  return async (req: Request, res: Response): Promise<void> => {
    const caller = res.locals.caller as Caller;
    const name = String(req.params.backend);
    namedBackends(caller, name, backends.list());
    if (!caller.scopes.includes('sync')) throw new GatewayError('FORBIDDEN', 'Starting a sync needs an API key with the `sync` scope', { backend: name });
    if (!scheduler.isSynced(name)) {
      throw new GatewayError('INVALID_REQUEST', `Backend '${name}' is not indexed (sync.backends does not name it)`, { backend: name });
    }
    await scheduler.trigger(name);
    res.status(202).json({ backend: name, status: 'accepted' });
  };
}
