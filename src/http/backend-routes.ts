// Backends and their tasks: the list of backends, a capability manifest, a backend's task list, one task.
import type { NextFunction, Request, Response } from 'express';
import { mayUseBackend } from '../core/action-service';
import { ACTION_NAMES } from '../core/actions';
import { GatewayError } from '../core/errors';
import type { Backend, Gateway } from '../core/gateway';
import { withoutRaw, type Task } from '../core/task';
import { locals, type Route } from './app';
import { validateGetQuery, validateListQuery } from './validation';

const TASK_ID_MAX = 256;

/** Scope (403, whether or not the backend exists), then existence (404): contract section 4, order of checks. */
export function useBackend(gateway: Gateway) {
  return (req: Request, res: Response, next: NextFunction) => {
    const name = String(req.params.backend);
    const l = locals(res);
    l.backend = name.slice(0, 64);
    if (!mayUseBackend(l.caller!, name)) {
      throw new GatewayError('FORBIDDEN', `This API key may not use backend '${name.slice(0, 64)}'`, { backend: name.slice(0, 64) });
    }
    gateway.backend(name);
    next();
  };
}

export function taskIdOf(req: Request): string {
  const taskId = String(req.params.taskId);
  if (taskId.length > TASK_ID_MAX || /[\u0000-\u001f\u007f]/.test(taskId)) {
    throw new GatewayError('INVALID_REQUEST', `The task id must be 1-${TASK_ID_MAX} printable characters`);
  }
  return taskId;
}

export function backendRoutes(route: Route, gateway: Gateway): void {
  const admit = useBackend(gateway);
  route('/v1/backends', {
    get: [
      (_req, res) => {
        const caller = locals(res).caller!;
        const items = gateway.list().filter((b) => mayUseBackend(caller, b.name))
          .map((b) => ({ name: b.name, vendor: b.vendor, actions: gateway.supportedActions(b) }));
        res.json({ items });
      },
    ],
  });

  route('/v1/backends/:backend', {
    get: [admit, (req, res) => void res.json(manifest(gateway, gateway.backend(String(req.params.backend))))],
  });

  route('/v1/backends/:backend/tasks', {
    get: [
      admit,
      async (req, res) => {
        const backend = gateway.backend(String(req.params.backend));
        const { query, includeRaw } = validateListQuery(req.query as Record<string, unknown>, backend.adapter, backend.name);
        try {
          const page = await gateway.listTasks(backend.name, query, locals(res).trace);
          const body: Record<string, unknown> = { items: page.items.map((t) => present(t, includeRaw)), limit: query.limit, offset: query.offset };
          if (page.total !== undefined) body.total = page.total;
          res.json(body);
        } catch (error) {
          throw error instanceof GatewayError ? error.withContext({ backend: backend.name }) : error;
        }
      },
    ],
  });

  route('/v1/backends/:backend/tasks/:taskId', {
    get: [
      admit,
      async (req, res) => {
        const { includeRaw } = validateGetQuery(req.query as Record<string, unknown>);
        const taskId = taskIdOf(req);
        try {
          res.json(present(await gateway.getTask(String(req.params.backend), taskId, locals(res).trace), includeRaw));
        } catch (error) {
          throw error instanceof GatewayError ? error.withContext({ backend: String(req.params.backend), taskId }) : error;
        }
      },
    ],
  });
}

/** The capability manifest of one backend: every canonical action, supported or not (as configured). */
export function manifest(gateway: Gateway, backend: Backend) {
  const actions: Record<string, { supported: boolean; vendorAction?: string }> = {};
  for (const name of ACTION_NAMES) {
    const support = backend.adapter.actions[name];
    actions[name] = support && gateway.isSupported(backend, name) ? { supported: true, vendorAction: support.vendorAction } : { supported: false };
  }
  return { name: backend.name, vendor: backend.vendor, actions };
}

/** `raw` (the vendor's own object) only when asked for with ?include=raw. */
export function present(task: Task, includeRaw: boolean): Task {
  return includeRaw ? task : withoutRaw(task);
}
