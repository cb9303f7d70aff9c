/**
 * The one place that picks the storage engine: a `StorageConfig` names the engine and what it
 * needs; PostgreSQL will be the second member of the union.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { ServerConfig } from '../config/config.js';
import { openLmdbStore } from '../store/lmdb/open-lmdb-store.js';
import type { Store } from '../store/store.js';

export type StorageConfig = { readonly engine: 'lmdb'; readonly dataDir: string; readonly mapSizeBytes: number };

export function storageOf(config: ServerConfig): StorageConfig {
  return { engine: config.dbEngine, dataDir: config.dataDir, mapSizeBytes: config.mapSizeBytes };
}

export interface StoreOptions {
  readonly tombstoneGcDelayMs: number;
  readonly maxValuesPerItem: number;
  readonly logger: Logger;
}

export function openStore(storage: StorageConfig, opts: StoreOptions): Promise<Store> {
  switch (storage.engine) {
    case 'lmdb':
      return openLmdbStore({ dataDir: storage.dataDir, mapSizeBytes: storage.mapSizeBytes, ...opts });
    default: {
      const never: never = storage.engine;
      throw new Error(`unknown storage engine ${String(never)}`);
    }
  }
}

/** True before the store's first start (the first run creates the first credentials then). */
export function storeIsNew(storage: StorageConfig): boolean {
  return !fs.existsSync(path.join(storage.dataDir, 'data.mdb'));
}
