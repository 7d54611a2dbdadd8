// Opens the configured store (default: SQLite at ./data/taskgate.db) and migrates its schema.
import type { GatewayConfig } from '../config/load';
import { SqliteStore } from './sqlite-store';
import type { Store } from './store';

export const DEFAULT_SQLITE_PATH = './data/taskgate.db';

export async function openStore(config: GatewayConfig['store'], onError?: (error: Error) => void): Promise<Store> {
  // pg is loaded only for a PostgreSQL store: an SQLite gateway does not carry it in memory.
  const store: Store = config?.type === 'postgres'
    ? new (require('./postgres-store') as typeof import('./postgres-store')).PostgresStore({ url: config.url!, schema: config.schema, onError })
    : new SqliteStore(config?.path ?? DEFAULT_SQLITE_PATH);
  try {
    await store.init();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  return store;
}
