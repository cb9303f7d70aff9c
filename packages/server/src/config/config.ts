/**
 * The server's configuration, validated once at start-up (see settings.ts for where each value
 * comes from, and load-config.ts for how they are put together).
 */
import { DEFAULT_CONNECTION_LIMITS, DEFAULT_LIMITS, type ConnectionLimits, type Limits } from './limits.js';

/** Storage engines: embedded LMDB (default), or PostgreSQL shared by several servers. */
export type DbEngine = 'lmdb' | 'postgres';
export type LogFormat = 'json' | 'pretty';

/** A PEM certificate (chain) and its private key, read at start and again on reload (SIGHUP). */
export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

export interface ServerConfig {
  readonly dbEngine: DbEngine;
  readonly dataDir: string;
  /** postgres:// URL (several hosts and `target_session_attrs` allowed); for `dbEngine` postgres. */
  readonly postgresUrl: string | undefined;
  /** `host:port` (port 0 picks a free port, for tests) or an absolute Unix socket path. */
  readonly k2vBind: string;
  /** Same forms as `k2vBind`. */
  readonly adminBind: string;
  /** HTTPS (HTTP/2 by ALPN, HTTP/1.1 beside it) on the K2V listener; undefined: plain HTTP/1.1. */
  readonly k2vTls?: TlsFiles | undefined;
  /** The same for the admin listener. */
  readonly adminTls?: TlsFiles | undefined;
  /** Bearer token of the admin API; undefined -> every admin route but /health answers 403. */
  readonly adminToken: string | undefined;
  /** Bearer token of `GET /metrics` on the admin listener; undefined -> open. */
  readonly metricsToken: string | undefined;
  /** SigV4 region (credential scope). */
  readonly region: string;
  /** How long an item must stay tombstone-only before it is garbage-collected, ms. */
  readonly tombstoneGcDelayMs: number;
  readonly limits: Limits;
  /** Timeouts, header size and connection caps of both listeners. */
  readonly connections: ConnectionLimits;
  /** LMDB map size in bytes (the file can grow up to it). */
  readonly mapSizeBytes: number;
  /** Server processes (node:cluster workers) over the LMDB data dir; 1: this process serves. */
  readonly workers: number;
  readonly logLevel: string;
  readonly logFormat: LogFormat;
  /** Origins of the web console besides the admin listener's own (a reverse proxy's). */
  readonly consoleOrigins: readonly string[];
}

export const DEFAULT_CONFIG: ServerConfig = {
  dbEngine: 'lmdb',
  dataDir: './k2v-data',
  postgresUrl: undefined,
  k2vBind: '127.0.0.1:3904',
  adminBind: '127.0.0.1:3903',
  adminToken: undefined,
  metricsToken: undefined,
  region: 'garage',
  tombstoneGcDelayMs: 24 * 3600 * 1000,
  limits: DEFAULT_LIMITS,
  connections: DEFAULT_CONNECTION_LIMITS,
  mapSizeBytes: 64 * 1024 * 1024 * 1024,
  workers: 1,
  logLevel: 'info',
  logFormat: 'json',
  consoleOrigins: [],
};
