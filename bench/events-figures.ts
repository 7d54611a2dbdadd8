// Change-event figures for `npm run bench`: deliveries per second, commit-to-delivery latency at 50 events/s, and a
// receiver that goes down and comes back (every event delivered, none twice with a 2xx). One process, SQLite.
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EventService } from '../src/events/event-service';
import { SqliteStore } from '../src/store/sqlite-store';
import type { ChangeRecord } from '../src/store/index-store';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

/** A receiver on `port` that answers 204 at once, noting when each event (by webhook-id) arrived. */
async function receiver(port = 0) {
  const arrivals = new Map<string, number[]>();
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const id = String(req.headers['webhook-id']);
      arrivals.set(id, [...(arrivals.get(id) ?? []), performance.now()]);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    arrivals,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

const change = (i: number): ChangeRecord => ({
  time: new Date().toISOString(), backend: 'oracle', taskId: `t${i}`, kind: 'created',
  task: { id: `t${i}`, backend: 'oracle', vendor: 'oracle-bpm', name: `Task ${i}`, status: 'open', vendorStatus: 'ASSIGNED', comments: [], attachments: [], properties: {} },
});

async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((r) => setTimeout(r, 5));
}

async function withEvents<T>(port: number, retrySchedule: number[], run: (store: SqliteStore, events: EventService) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-events-bench-'));
  const store = new SqliteStore(path.join(dir, 'events.db'));
  await store.init();
  const events = new EventService({ store, config: { retentionHours: 168, retrySchedule, webhooks: [{ name: 'bench', url: `http://127.0.0.1:${port}/hook`, secret: SECRET, backends: ['*'] }] }, pollMs: 50 });
  events.start();
  try {
    return await run(store, events);
  } finally {
    await events.stop();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
const round = (n: number) => Math.round(n * 100) / 100;

export async function eventFigures(): Promise<Record<string, unknown>> {
  // 1. Throughput: 2,000 events committed in batches of 100, then delivered as fast as the worker goes.
  const fast = await receiver();
  const throughput = await withEvents(fast.port, [1000], async (store, events) => {
    for (let i = 0; i < 2000; i += 100) await store.writeIndex({ backend: 'oracle', upserts: [], deletes: [], changes: Array.from({ length: 100 }, (_, k) => change(i + k)) });
    const started = performance.now();
    events.changed();
    await until(() => fast.arrivals.size >= 2000);
    return { events: 2000, deliveriesPerSecond: Math.round(2000 / ((performance.now() - started) / 1000)) };
  });
  await fast.close();

  // 2. Latency at 50 events/s for 10 s: from each commit to its arrival.
  const timed = await receiver();
  const latency = await withEvents(timed.port, [1000], async (store, events) => {
    const committed: number[] = [];
    for (let i = 0; i < 500; i++) {
      const due = performance.now() + 20;
      await store.writeIndex({ backend: 'oracle', upserts: [], deletes: [], changes: [change(i)] });
      committed.push(performance.now());
      events.changed();
      await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
    }
    await until(() => timed.arrivals.size >= 500);
    const firstArrivals = [...timed.arrivals.values()].map((a) => a[0]!);
    // Event ids end in their sequence (1..500): the i-th committed change is sequence i + 1.
    const byId = [...timed.arrivals.entries()].map(([id, at]) => at[0]! - committed[Number(id.split('_').pop()) - 1]!);
    const sorted = byId.sort((a, b) => a - b);
    return { events: firstArrivals.length, rate: 50, p50Ms: round(percentile(sorted, 50)), p99Ms: round(percentile(sorted, 99)), maxMs: round(sorted[sorted.length - 1]!) };
  });
  await timed.close();

  // 3. The receiver down while 200 events are committed, back 2 s later (a short retry schedule: 500 ms, 1 s, 2 s, 4 s).
  const first = await receiver();
  const port = first.port;
  await first.close();
  const outage = await withEvents(port, [500, 1000, 2000, 4000], async (store, events) => {
    for (let i = 0; i < 200; i += 20) {
      await store.writeIndex({ backend: 'oracle', upserts: [], deletes: [], changes: Array.from({ length: 20 }, (_, k) => change(i + k)) });
      events.changed();
    }
    await new Promise((r) => setTimeout(r, 2000));
    const back = await receiver(port);
    await until(() => back.arrivals.size >= 200);
    await new Promise((r) => setTimeout(r, 1000));
    const twice = [...back.arrivals.values()].filter((a) => a.length > 1).length;
    await back.close();
    return { events: 200, delivered: back.arrivals.size, deliveredTwice: twice };
  });
  return { throughput, latency, outage };
}
