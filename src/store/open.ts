// Opens the configured store (default: SQLite at ./data/taskgate.db) and migrates its schema.
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, type GatewayConfig } from '../config/load';
import { SqliteStore } from './sqlite-store';
import type { Store } from './store';

export const DEFAULT_SQLITE_PATH = './data/taskgate.db';

export async function openStore(config: GatewayConfig['store'], onError?: (error: Error) => void): Promise<Store> {
  const postgres = config?.type === 'postgres';
  const file = config?.path ?? DEFAULT_SQLITE_PATH;
  let store: Store;
  try {
    // pg is loaded only for a PostgreSQL store: an SQLite gateway does not carry it in memory.
    if (postgres) {
      store = new (require('./postgres-store') as typeof import('./postgres-store')).PostgresStore({ url: config.url!, schema: config.schema, onError });
    } else {
      if (file !== ':memory:') makeDirectory(path.dirname(path.resolve(file)));
      store = new SqliteStore(file);
    }
  } catch (error) {
    throw startupError(postgres, file, error);
  }
  try {
    await store.init();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw startupError(postgres, file, error);
  }
  return store;
}

/**
 * mkdir -p one level at a time. Node's recursive mkdir retries forever where mkdir answers ENOENT under a parent
 * that exists (a path under /proc): each level is tried once here.
 */
function makeDirectory(dir: string): void {
  const missing: string[] = [];
  let at = dir;
  for (; !fs.existsSync(at); at = path.dirname(at)) missing.unshift(at);
  if (!fs.statSync(at).isDirectory()) throw new ConfigError(`store.path: cannot create directory under ${at}: it is a file`);
  for (const level of missing) {
    try {
      fs.mkdirSync(level);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && fs.statSync(level).isDirectory()) continue; // made meanwhile
      throw new ConfigError(`store.path: cannot create directory ${level}: ${code}`);
    }
  }
}

/** A startup error that names the config key at fault, in one line (a PostgreSQL URL is never shown: it may hold a password). */
function startupError(postgres: boolean, file: string, error: unknown): ConfigError {
  if (error instanceof ConfigError) return error;
  const e = error as Error & { code?: string };
  const reason = (e.message || e.code || String(error)).split('\n', 1)[0];
  if (!postgres) return new ConfigError(`store.path: cannot open ${path.resolve(file)}: ${reason}`);
  // Socket errors (ECONNREFUSED), and PostgreSQL's connection (08), authentication (28), database (3D) and
  // availability (53, 57) classes happen while connecting; anything else is the migration.
  const connecting = !e.code || /^E[A-Z]+$/.test(e.code) || /^(08|28|3D|53|57)/.test(e.code);
  if (connecting) return new ConfigError(`store.url: cannot connect: ${e.code && /^E[A-Z]+$/.test(e.code) ? e.code : reason}`);
  return new ConfigError(`store: cannot migrate the PostgreSQL schema: ${reason}`);
}
