// Inbox figures for `npm run bench`: a gateway child whose store holds an index of many tasks, queried by 20 clients.
import type { Task, TaskStatus } from '../src/core/task';
import { parseConfig } from '../src/config/load';
import { createLogger } from '../src/log';
import { startGateway, type RunningGateway } from '../src/server';
import { openStore } from '../src/store/open';
import { PostgresStore } from '../src/store/postgres-store';
import { taskDigest } from '../src/sync/diff';

export const INBOX_BACKENDS = [['secmaster', 'huawei-secmaster'], ['ibm', 'ibm-bpm'], ['oracle', 'oracle-bpm'], ['k2', 'k2']] as const;
const STATUSES: TaskStatus[] = ['open', 'open', 'open', 'claimed', 'suspended', 'completed', 'completed', 'canceled', 'info_requested', 'expired'];
const WORDS = ['Approve', 'Review', 'Verify', 'Sign', 'Escalate', 'Invoice', 'Contract', 'Order', 'Leave', 'Expense', 'Travel', 'Supplier'];

/** A deterministic spread of tasks: statuses, 200 assignees, names of two words, times over a year. */
function task(backend: string, vendor: string, i: number): Task {
  const created = Date.parse('2026-01-01T00:00:00Z') + ((i * 7919) % 31_536_000) * 1000;
  const status = STATUSES[i % STATUSES.length]!;
  return {
    id: `${backend}-${i}`, backend, vendor, name: `${WORDS[i % WORDS.length]} ${WORDS[(i * 7) % WORDS.length]} #${i}`,
    status, vendorStatus: status.toUpperCase(), priority: (i % 5) + 1, assignee: `user-${i % 200}`,
    createdAt: new Date(created).toISOString(), updatedAt: new Date(created + (i % 86_400) * 1000).toISOString(),
    dueAt: i % 3 === 0 ? undefined : new Date(created + 7 * 86_400_000).toISOString(),
    comments: [], attachments: [], properties: { ref: `R-${i}` },
  };
}

/** Writes `count` tasks spread over the four backends into the store's index, as good syncs would. */
async function seed(store: Awaited<ReturnType<typeof openStore>>, count: number): Promise<void> {
  const per = Math.ceil(count / INBOX_BACKENDS.length);
  for (const [backend, vendor] of INBOX_BACKENDS) {
    for (let start = 0; start < per; start += 2000) {
      const upserts = [];
      for (let i = start; i < Math.min(per, start + 2000); i++) {
        const t = task(backend, vendor, i);
        upserts.push({ task: t, digest: taskDigest(t), listed: true });
      }
      const last = start + 2000 >= per;
      await store.writeIndex({
        backend, upserts, deletes: [], changes: [],
        state: last ? { backend, status: 'ok', syncedMs: Date.now(), attemptedMs: Date.now(), cycles: 1, failures: 0, fullRequested: false } : undefined,
      });
    }
  }
}

/**
 * The gateway of the inbox figures: its index seeded first (SQLite in the working directory, or PostgreSQL when
 * `postgresUrl` is given), every backend indexed, no sync cycle running (the vendors are unreachable on purpose).
 */
export async function startInboxGateway(port: number, key: string, count: number, postgresUrl?: string): Promise<RunningGateway> {
  const backends = Object.fromEntries(INBOX_BACKENDS.map(([name, vendor]) => [name, {
    vendor, baseUrl: 'http://127.0.0.1:9', auth: { type: 'basic', username: 'u', password: 'p' },
    ...(vendor === 'huawei-secmaster' ? { auth: { type: 'token', token: 't' }, projectId: 'p', workspaceId: 'w' } : {}),
    ...(vendor === 'k2' ? { actionNames: { approve: 'Approve', reject: 'Reject' } } : {}),
  }]));
  const store = postgresUrl ? { type: 'postgres', url: postgresUrl, schema: 'taskgate_bench' } : { type: 'sqlite', path: './inbox.db' };
  const config = parseConfig({ server: { port }, store, auth: { apiKeys: [{ name: 'bench', key }] }, backends, sync: { intervalMs: 0, backends: ['*'] } }, {});
  const seeding = await openStore(config.store);
  await seed(seeding, count);
  // The statistics a long-running PostgreSQL has from autovacuum, which a bulk load this fresh has not yet.
  if (seeding instanceof PostgresStore) await seeding.sharedPool().query('ANALYZE taskgate_tasks');
  await seeding.close();
  return startGateway(config, createLogger('error'));
}

/** The inbox queries the clients send, in turn: a filtered, sorted page of 20 each. */
export const INBOX_QUERIES = [
  '/v1/tasks?limit=20',
  '/v1/tasks?status=open,claimed&sort=-updatedAt&limit=20',
  '/v1/tasks?assignee=user-42&sort=dueAt&limit=20',
  '/v1/tasks?q=invoice&backend=ibm,k2&limit=20',
  '/v1/tasks?updatedSince=2026-06-01T00:00:00Z&sort=updatedAt&limit=20',
];
