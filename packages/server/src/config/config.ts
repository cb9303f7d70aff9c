/**
 * The server's configuration, validated once at start-up (flags and environment today).
 */
import { DEFAULT_CONNECTION_LIMITS, DEFAULT_LIMITS, type ConnectionLimits, type Limits } from './limits.js';

/** A PEM certificate (chain) and its private key, read at start and again on reload (SIGHUP). */
export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

export interface ServerConfig {
  readonly dataDir: string;
  /** host:port of the K2V API; port 0 picks a free port (tests). */
  readonly k2vBind: string;
  /** host:port of the admin API. */
  readonly adminBind: string;
  /** HTTPS (HTTP/2 by ALPN, HTTP/1.1 beside it) on the K2V listener; undefined: plain HTTP/1.1. */
  readonly k2vTls?: TlsFiles | undefined;
  /** The same for the admin listener. */
  readonly adminTls?: TlsFiles | undefined;
  /** Bearer token of the admin API; undefined -> every admin route but /health answers 403. */
  readonly adminToken: string | undefined;
  /** Bearer token of the admin API's `GET /metrics`; undefined -> /metrics is open (as in Garage). */
  readonly metricsToken?: string | undefined;
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
  dataDir: './k2v-data',
  k2vBind: '127.0.0.1:3904',
  adminBind: '127.0.0.1:3903',
  adminToken: undefined,
  metricsToken: undefined,
  region: 'garage',
  tombstoneGcDelayMs: 24 * 3600 * 1000,
  limits: DEFAULT_LIMITS,
  connections: DEFAULT_CONNECTION_LIMITS,
  mapSizeBytes: 64 * 1024 * 1024 * 1024,
  logLevel: 'info',
};
