/**
 * The server's configuration, validated once at start-up (flags and environment today).
 */
import { DEFAULT_CONNECTION_LIMITS, DEFAULT_LIMITS, type ConnectionLimits, type Limits } from './limits.js';

export interface ServerConfig {
  /** The store: embedded LMDB in `dataDir` (default), or PostgreSQL at `postgresUrl`. */
  readonly dbEngine: 'lmdb' | 'postgres';
  readonly dataDir: string;
  /** postgres:// URL (several hosts and `target_session_attrs` allowed); for `dbEngine` postgres. */
  readonly postgresUrl: string | undefined;
  /** host:port of the K2V API; port 0 picks a free port (tests). */
  readonly k2vBind: string;
  /** host:port of the admin API. */
  readonly adminBind: string;
  /** Bearer token of the admin API; undefined -> every admin route but /health answers 403. */
  readonly adminToken: string | undefined;
  /** SigV4 region (credential scope). */
  readonly region: string;
  /** How long an item must stay tombstone-only before it is garbage-collected, ms. */
  readonly tombstoneGcDelayMs: number;
  readonly limits: Limits;
  /** Timeouts, header size and connection caps of both listeners. */
  readonly connections: ConnectionLimits;
  /** LMDB map size in bytes (the file can grow up to it). */
  readonly mapSizeBytes: number;
  readonly logLevel: string;
}

export const DEFAULT_CONFIG: ServerConfig = {
  dbEngine: 'lmdb',
  dataDir: './k2v-data',
  postgresUrl: undefined,
  k2vBind: '127.0.0.1:3904',
  adminBind: '127.0.0.1:3903',
  adminToken: undefined,
  region: 'garage',
  tombstoneGcDelayMs: 24 * 3600 * 1000,
  limits: DEFAULT_LIMITS,
  connections: DEFAULT_CONNECTION_LIMITS,
  mapSizeBytes: 64 * 1024 * 1024 * 1024,
  logLevel: 'info',
};
