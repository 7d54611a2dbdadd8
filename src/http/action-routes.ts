// The action route and the batch route: HTTP mapped to the core's action service and back.
import Ajv2020 from 'ajv/dist/2020';
import express, { type NextFunction, type Request, type Response } from 'express';
import batchSchema from '../../schemas/batch-request.schema.json';
import type { ActionOutcome, ActionService } from '../core/action-service';
import { isActionName } from '../core/actions';
import { GatewayError } from '../core/errors';
import type { Gateway } from '../core/gateway';
import { locals, type Route } from './app';
import { taskIdOf, useBackend } from './backend-routes';
import { validateActionQuery, validateDryRun } from './validation';

/** Items of one batch in flight at once against one backend (items for different backends run side by side). */
export const BATCH_CONCURRENCY_PER_BACKEND = 8;

const validateEnvelope = new Ajv2020({ strict: true }).compile(batchSchema);

export function actionRoutes(route: Route, { gateway, actions, bodyLimit }: { gateway: Gateway; actions: ActionService; bodyLimit: string }): void {
  const body = jsonBody(bodyLimit);

  route('/v1/backends/:backend/tasks/:taskId/actions', {
    post: [
      useBackend(gateway),
      ...body,
      async (req, res) => {
        const l = locals(res);
        const { dryRun, includeRaw } = validateActionQuery(req.query as Record<string, unknown>);
        const action = (req.body as { action?: unknown } | null)?.action;
        if (isActionName(action)) l.action = action;
        const input = {
          requestId: l.requestId, caller: l.caller!, backend: String(req.params.backend), taskId: taskIdOf(req), body: req.body as unknown,
          via: 'rest' as const, query: req.query as Record<string, unknown>, includeRaw, trace: l.trace,
          idempotencyKey: req.get('idempotency-key'), onBehalfOf: req.get('x-on-behalf-of'),
        };
        if (dryRun) return void res.json(actions.dryRun(input));
        send(res, await actions.perform(input));
      },
    ],
  });

  route('/v1/actions/batch', {
    post: [
      ...body,
      async (req, res) => {
        if (validateDryRun(req.query as Record<string, unknown>)) {
          throw new GatewayError('INVALID_REQUEST', 'The batch route has no dry-run; use ?dryRun=true on the action route');
        }
        if (req.get('idempotency-key') !== undefined) {
          throw new GatewayError('INVALID_REQUEST', 'The batch route does not take an Idempotency-Key; send actions that must not run twice to the action route');
        }
        if (!validateEnvelope(req.body)) {
          throw new GatewayError('INVALID_REQUEST', 'The body must be { "items": [ { "backend", "taskId", "action", ...parameters }, ... ] } with 1 to 1000 objects');
        }
        const l = locals(res);
        const items = (req.body as { items: Record<string, unknown>[] }).items;
        const perform = (item: Record<string, unknown>) => {
          const { backend, taskId, ...rest } = item;
          return actions.perform({
            requestId: l.requestId, caller: l.caller!, via: 'batch', body: rest, onBehalfOf: req.get('x-on-behalf-of'),
            backend: typeof backend === 'string' ? backend : '', taskId: typeof taskId === 'string' ? taskId : '',
          });
        };
        const outcomes = await byBackend(items, perform);
        res.json({ results: outcomes.map((o) => JSON.parse(o.body) as unknown) });
      },
    ],
  });
}

/** Runs items a few at a time per backend (as named), side by side across backends; results in item order. */
async function byBackend(items: Record<string, unknown>[], perform: (item: Record<string, unknown>) => Promise<ActionOutcome>): Promise<ActionOutcome[]> {
  const results: ActionOutcome[] = new Array(items.length);
  const queues = new Map<unknown, number[]>();
  items.forEach((item, index) => queues.set(item.backend, [...(queues.get(item.backend) ?? []), index]));
  await Promise.all([...queues.values()].flatMap((queue) =>
    Array.from({ length: Math.min(BATCH_CONCURRENCY_PER_BACKEND, queue.length) }, async () => {
      for (let index = queue.shift(); index !== undefined; index = queue.shift()) results[index] = await perform(items[index]);
    })));
  return results;
}

/** An outcome decided by the action service, sent as it is (its body is already the JSON text to send). */
function send(res: Response, outcome: ActionOutcome): void {
  if (outcome.errorCode) locals(res).errorCode = outcome.errorCode;
  res.status(outcome.status).set(outcome.headers).type(outcome.contentType).send(outcome.body);
}

/** A JSON body is required: none is 400, another media type 415, then express.json within the size limit. */
function jsonBody(limit: string): express.RequestHandler[] {
  return [
    (req: Request, _res: Response, next: NextFunction) => {
      const length = req.get('content-length');
      if (req.get('transfer-encoding') === undefined && (length === undefined || Number(length) === 0)) {
        throw new GatewayError('INVALID_REQUEST', 'The request has no body: send a JSON object as application/json');
      }
      if (!req.is(['application/json', 'application/*+json'])) throw new GatewayError('UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json');
      next();
    },
    express.json({ limit, strict: false, type: () => true }),
  ];
}
