// Opens the configured store (default: SQLite at ./data/taskgate.db) and migrates its schema.
import type { GatewayConfig } from '../config/load';
import { PostgresStore } from './postgres-store';
import { SqliteStore } from './sqlite-store';
import type { Store } from './store';

export const DEFAULT_SQLITE_PATH = './data/taskgate.db';

export async function openStore(config: GatewayConfig['store'], onError?: (error: Error) => void): Promise<Store> {
  const store: Store = config?.type === 'postgres'
    ? new PostgresStore({ url: config.url!, schema: config.schema, onError })
    : new SqliteStore(config?.path ?? DEFAULT_SQLITE_PATH);
  try {
    await store.init();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  return store;
}
