// The PostgreSQL server for store tests: TASKGATE_TEST_POSTGRES_URL or the machine's local one; each test its own schema.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export const POSTGRES_URL = process.env.TASKGATE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Probed once, synchronously, so a suite can choose describe or describe.skip when it is defined. */
function probe(): string | undefined {
  const script = `const { Client } = require('pg'); const c = new Client({ connectionString: process.argv[1], connectionTimeoutMillis: 3000 });
    c.connect().then(() => c.query('SELECT 1')).then(() => c.end()).then(() => process.exit(0), (e) => { console.error(e.message); process.exit(1); });`;
  const res = spawnSync(process.execPath, ['-e', script, POSTGRES_URL], { encoding: 'utf8', timeout: 10_000, cwd: __dirname });
  return res.status === 0 ? undefined : (res.stderr || res.error?.message || 'no answer').trim();
}

const unreachable = probe();
export const postgresAvailable = unreachable === undefined;
if (unreachable !== undefined) {
  console.warn(`\n*** SKIPPED: PostgreSQL store tests: no server at ${POSTGRES_URL.replace(/\/\/[^@]*@/, '//***@')} (${unreachable}).\n` +
    '*** Start one (.ci/run does) or set TASKGATE_TEST_POSTGRES_URL. These tests did NOT pass; they did not run.\n');
}
export const describePostgres = postgresAvailable ? describe : describe.skip;

/** A fresh schema name for one test; dropSchemas() removes them all. */
const created: string[] = [];
export function freshSchema(): string {
  const name = `taskgate_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  created.push(name);
  return name;
}

export async function dropSchemas(): Promise<void> {
  if (!created.length) return;
  const client = new Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    for (const name of created.splice(0)) await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
  } finally {
    await client.end();
  }
}
