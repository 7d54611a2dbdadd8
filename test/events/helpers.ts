// Shared bits of the change-event tests: change records written as the index writes them, a webhook receiver.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { ChangeRecord, IndexStore } from '../../src/store/index-store';
import { task } from '../store/index-suite';

/** The Standard Webhooks specification's example secret (24 bytes). */
export const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

export function change(taskId: string, over: Partial<ChangeRecord> = {}): ChangeRecord {
  const backend = over.backend ?? 'oracle';
  return { time: new Date().toISOString(), backend, taskId, kind: 'created', task: task(taskId, { backend }), ...over };
}

/** Commits change records in one index write, as a sync cycle or an action does. */
export async function commit(store: IndexStore, ...changes: ChangeRecord[]): Promise<void> {
  await store.writeIndex({ backend: changes[0].backend, upserts: [], deletes: [], changes });
}

export interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The event, when the signature verified with SECRET. */
  event?: { id: string; type: string; subject: string; data: { sequence: number } };
}

/** A webhook receiver answering `status(request)` (default 204); it records each request and its verification. */
export async function receiver(status: (r: Received, n: number) => number | 'hang' = () => 204, secret = SECRET) {
  const received: Received[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const verifier = new Webhook(secret);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      try {
        r.event = verifier.verify(r.body, req.headers as Record<string, string>) as Received['event'];
      } catch {
        r.event = undefined;
      }
      received.push(r);
      for (const w of waiters.filter((w) => received.length >= w.n)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
      const answer = status(r, received.length);
      if (answer !== 'hang') res.writeHead(answer).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    /** Resolves once `n` requests have arrived. */
    until: (n: number) => new Promise<void>((resolve) => (received.length >= n ? resolve() : waiters.push({ n, resolve }))),
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}
