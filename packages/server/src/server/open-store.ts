/**
 * The one place that picks the storage engine: a `StorageConfig` names the engine and what it
 * needs.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { ServerConfig } from '../config/config.js';
import { openLmdbStore, type WorkerRole } from '../store/lmdb/open-lmdb-store.js';
import { openPgStore } from '../store/postgres/open-pg-store.js';
import type { StoreObserver } from '../store/store-metrics.js';
import type { Store } from '../store/store.js';
import { StartupError } from './startup-error.js';

export type StorageConfig =
  | { readonly engine: 'lmdb'; readonly dataDir: string; readonly mapSizeBytes: number }
  | { readonly engine: 'postgres'; readonly url: string };

export function storageOf(config: ServerConfig): StorageConfig {
  if (config.dbEngine === 'lmdb') return { engine: 'lmdb', dataDir: config.dataDir, mapSizeBytes: config.mapSizeBytes };
  if (config.postgresUrl === undefined) throw new StartupError('db_engine "postgres" needs postgres_url (--postgres-url, K2V_POSTGRES_URL)');
  return { engine: 'postgres', url: config.postgresUrl };
}

export interface StoreOptions {
  readonly tombstoneGcDelayMs: number;
  readonly maxValuesPerItem: number;
  readonly logger: Logger;
  /** Commit and size figures for /metrics (PostgreSQL reports commits only, LMDB both). */
  readonly observer?: StoreObserver;
  /** One of several worker processes (`--workers N`, LMDB only). */
  readonly worker?: WorkerRole;
}

export function openStore(storage: StorageConfig, opts: StoreOptions): Promise<Store> {
  switch (storage.engine) {
    case 'lmdb':
      return openLmdbStore({ dataDir: storage.dataDir, mapSizeBytes: storage.mapSizeBytes, ...opts });
    case 'postgres':
      return openPgStore({
        url: storage.url,
        tombstoneGcDelayMs: opts.tombstoneGcDelayMs,
        maxValuesPerItem: opts.maxValuesPerItem,
        logger: opts.logger,
        ...(opts.observer === undefined ? {} : { observer: opts.observer }),
      }).catch((err: unknown) => {
        throw new StartupError(`cannot open the PostgreSQL store: ${err instanceof Error ? err.message : String(err)}`);
      });
    default: {
      const never: never = storage;
      throw new Error(`unknown storage engine ${String(never)}`);
    }
  }
}

/** True before the store's first start (the first run creates the first credentials then). */
export function storeIsNew(storage: StorageConfig): boolean {
  // A PostgreSQL store is shared by several servers: none of them generates its credentials.
  if (storage.engine !== 'lmdb') return false;
  return !fs.existsSync(path.join(storage.dataDir, 'data.mdb'));
}
