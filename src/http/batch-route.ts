// POST /v1/actions/batch: the envelope validated as a whole, then each item on its own, bounded concurrency per backend.
import Ajv2020 from 'ajv/dist/2020';
import type { Request, Response } from 'express';
import batchSchema from '../../schemas/batch-request.schema.json';
import { GatewayError } from '../core/errors';
import type { Caller } from './api-keys';
import { onBehalfOf, type ActionAttempts } from './action-attempts';
import { validateDryRun } from './validation';

/** Items of one batch in flight at once against one backend (items for different backends run side by side). */
export const BATCH_CONCURRENCY_PER_BACKEND = 8;

const validateEnvelope = new Ajv2020({ strict: true }).compile(batchSchema);

export function batchHandler(attempts: ActionAttempts) {
  return async (req: Request, res: Response): Promise<void> => {
    if (validateDryRun(req.query as Record<string, unknown>)) {
      throw new GatewayError('INVALID_REQUEST', 'The batch route has no dry-run; use ?dryRun=true on the action route');
    }
    if (req.get('idempotency-key') !== undefined) {
      throw new GatewayError('INVALID_REQUEST', 'The batch route does not take an Idempotency-Key; send actions that must not run twice to the action route');
    }
    if (!validateEnvelope(req.body)) {
      throw new GatewayError('INVALID_REQUEST', 'The body must be { "items": [ { "backend", "taskId", "action", ...parameters }, ... ] } with 1 to 1000 objects');
    }
    const { requestId, caller } = res.locals as { requestId: string; caller: Caller };
    const context = { requestId, caller, onBehalfOf: onBehalfOf(req) };
    const items = (req.body as { items: unknown[] }).items;
    const results: unknown[] = new Array(items.length);

    // One queue per backend name (as given), each drained by a few workers; order of results is the order of items.
    const queues = new Map<unknown, number[]>();
    items.forEach((item, index) => {
      const key = (item as Record<string, unknown>).backend;
      const queue = queues.get(key) ?? [];
      queue.push(index);
      queues.set(key, queue);
    });
    await Promise.all([...queues.values()].flatMap((queue) =>
      Array.from({ length: Math.min(BATCH_CONCURRENCY_PER_BACKEND, queue.length) }, async () => {
        for (let index = queue.shift(); index !== undefined; index = queue.shift()) {
          results[index] = await attempts.batchItem(context, items[index]);
        }
      })));
    res.json({ results });
  };
}
