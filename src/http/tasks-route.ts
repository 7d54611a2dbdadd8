// GET /v1/tasks (the inbox over the task index) and POST /v1/backends/{backend}/sync (scope `sync`): 202.
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { Request, Response } from 'express';
import inboxQuerySchema from '../../schemas/inbox-query.schema.json';
import { GatewayError } from '../core/errors';
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
    if (!validateQuery(query)) {
      const errors = (validateQuery.errors ?? []).map((e) => {
        const params = e.params as Record<string, unknown>;
        const path = (params.additionalProperty as string | undefined) ?? e.instancePath.replace(/^\//, '');
        return { path: path.slice(0, 64), message: e.keyword === 'additionalProperties' ? 'is not allowed' : e.message ?? e.keyword };
      });
      const error = new GatewayError('INVALID_REQUEST', `Invalid inbox query: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}; allowed: backend, status, assignee, q, dueBefore, updatedSince, sort, limit, cursor`);
      (error.context as Record<string, unknown>).errors = errors;
      throw error;
    }
    const q = query as unknown as InboxQueryParams;
    const configured = backends.list().map((b) => b.name);
    const allowed = configured.filter((name) => mayUseBackend(caller, name));
    let named: string[] | undefined;
    if (q.backend !== undefined) {
      named = [...new Set(q.backend.split(','))];
      // As everywhere: the key's scope first (403 whether or not the backend exists), then existence (404).
      for (const name of named) {
        if (!mayUseBackend(caller, name)) throw new GatewayError('FORBIDDEN', `This API key may not use backend '${name}'`, { backend: name });
      }
      for (const name of named) {
        if (!configured.includes(name)) throw new GatewayError('BACKEND_NOT_FOUND', `No backend is named '${name}'`, { backend: name });
      }
    }
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
    if (!mayUseBackend(caller, name)) throw new GatewayError('FORBIDDEN', `This API key may not use backend '${name}'`, { backend: name });
    if (!caller.scopes.includes('sync')) throw new GatewayError('FORBIDDEN', 'Starting a sync needs an API key with the `sync` scope', { backend: name });
    if (!backends.list().some((b) => b.name === name)) throw new GatewayError('BACKEND_NOT_FOUND', `No backend is named '${name}'`, { backend: name });
    if (!scheduler.isSynced(name)) {
      throw new GatewayError('INVALID_REQUEST', `Backend '${name}' is not indexed (sync.backends does not name it)`, { backend: name });
    }
    await scheduler.trigger(name);
    res.status(202).json({ backend: name, status: 'accepted' });
  };
}
