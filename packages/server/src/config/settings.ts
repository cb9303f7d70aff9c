/**
 * Every setting of `k2v server`, one row each: where it is read (TOML key, environment
 * variable, flag), its type, default and meaning. The commander options (`--help`), the reading of
 * the file and of the environment, `--check-config` and the README's reference table are all made
 * from this table, so they cannot drift apart. Precedence: flag > environment > file > default.
 *
 * TOML keys with `garage: true` are Garage's (`garage.toml` is read as it is) and keep Garage's
 * meaning; the others live in our own section, `[k2v_server]`, where an unknown key is an error.
 */
import { DEFAULT_CONNECTION_LIMITS } from './limits.js';
import os from 'node:os';
import { bindAddress, boolean, byteSize, oneOf, originList, processCount, text, wholeNumber, type ValueType } from './value-types.js';

/** Our own section of the TOML file. */
export const OWN_SECTION = 'k2v_server';

export interface Setting<T> {
  /** `key` (top level) or `section.key`; undefined: not read from the file. */
  readonly toml: string | undefined;
  /** A Garage key, read with Garage's meaning (else a key of `[k2v_server]`). */
  readonly garage: boolean;
  readonly env: string | undefined;
  /** Commander flags, e.g. `--data-dir <dir>`; undefined: no flag. */
  readonly flag: string | undefined;
  readonly type: ValueType<T>;
  /** undefined: unset unless given. */
  readonly default: T | undefined;
  readonly meaning: string;
  /** Never printed: masked by `--check-config`, never logged. */
  readonly secret: boolean;
}

type Row<T> = Omit<Setting<T>, 'garage' | 'secret' | 'default'> & Partial<Pick<Setting<T>, 'garage' | 'secret'>> & { readonly default: NoInfer<T> | undefined };

// The value type is inferred from `type` alone (a literal default must not widen it).
function setting<T>(r: Row<T>): Setting<T> {
  return { garage: false, secret: false, ...r };
}

const path = text('path');
const token = text('string');

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const LOG_FORMATS = ['json', 'pretty'] as const;
export const DB_ENGINES = ['lmdb', 'postgres'] as const;

export const SETTINGS = {
  config: setting({
    toml: undefined,
    env: 'K2V_CONFIG',
    flag: '-c, --config <file>',
    type: path,
    default: undefined,
    meaning: 'TOML configuration file; a `garage.toml` is read as it is',
  }),
  dataDir: setting({
    toml: 'metadata_dir',
    garage: true,
    env: 'K2V_DATA_DIR',
    flag: '--data-dir <dir>',
    type: path,
    default: './k2v-data',
    meaning: 'where the LMDB files live (created if missing); one server per directory',
  }),
  dbEngine: setting({
    toml: 'db_engine',
    garage: true,
    env: 'K2V_DB_ENGINE',
    flag: '--db-engine <engine>',
    type: oneOf(DB_ENGINES, {
      sqlite: 'SQLite is a Garage engine that K2V does not have; use "lmdb" (or "postgres")',
      sled: 'sled is an old Garage engine that K2V does not have; use "lmdb" (or "postgres")',
    }),
    default: 'lmdb',
    meaning: 'storage engine: `lmdb` (embedded, one server) or `postgres` (shared by several servers, docs/postgres.md)',
  }),
  postgresUrl: setting({
    toml: 'postgres_url',
    env: 'K2V_POSTGRES_URL',
    flag: '--postgres-url <url>',
    type: token,
    default: undefined,
    secret: true,
    meaning: 'PostgreSQL URL for `db_engine = "postgres"`; several hosts and `target_session_attrs=read-write` for failover',
  }),
  k2vBind: setting({
    toml: 'k2v_api.api_bind_addr',
    garage: true,
    env: 'K2V_K2V_BIND',
    flag: '--k2v-bind <addr>',
    type: bindAddress,
    default: '127.0.0.1:3904',
    meaning: 'address of the K2V API; port 0 picks a free port',
  }),
  region: setting({
    toml: 's3_api.s3_region',
    garage: true,
    env: 'K2V_REGION',
    flag: '--region <name>',
    type: text('string'),
    default: 'garage',
    meaning: 'SigV4 region of the credential scope clients sign with',
  }),
  adminBind: setting({
    toml: 'admin.api_bind_addr',
    garage: true,
    env: 'K2V_ADMIN_BIND',
    flag: '--admin-bind <addr>',
    type: bindAddress,
    default: '127.0.0.1:3903',
    meaning: 'address of the admin API (Garage admin API v1)',
  }),
  adminToken: setting({
    toml: 'admin.admin_token',
    garage: true,
    env: 'K2V_ADMIN_TOKEN',
    flag: '--admin-token <token>',
    type: token,
    default: undefined,
    secret: true,
    meaning:
      "bearer token of the admin API. Without one, a new data dir gets a generated token (first run); an existing one uses `<data dir>/admin_token` if it is there, else the admin API answers 403 to all but `/health`",
  }),
  adminTokenFile: setting({
    toml: 'admin.admin_token_file',
    garage: true,
    env: 'K2V_ADMIN_TOKEN_FILE',
    flag: '--admin-token-file <file>',
    type: path,
    default: undefined,
    meaning: 'file holding the admin token (trailing whitespace ignored); not with `admin_token`',
  }),
  metricsToken: setting({
    toml: 'admin.metrics_token',
    garage: true,
    env: 'K2V_METRICS_TOKEN',
    flag: '--metrics-token <token>',
    type: token,
    default: undefined,
    secret: true,
    meaning: 'bearer token of `GET /metrics`; without one, metrics are open',
  }),
  metricsTokenFile: setting({
    toml: 'admin.metrics_token_file',
    garage: true,
    env: 'K2V_METRICS_TOKEN_FILE',
    flag: '--metrics-token-file <file>',
    type: path,
    default: undefined,
    meaning: 'file holding the metrics token; not with `metrics_token`',
  }),
  allowWorldReadableSecrets: setting({
    toml: 'allow_world_readable_secrets',
    garage: true,
    env: 'K2V_ALLOW_WORLD_READABLE_SECRETS',
    flag: undefined,
    type: boolean,
    default: false,
    meaning: 'accept token files that group or others can read (refused by default, as Garage)',
  }),
  metadataFsync: setting({
    toml: 'metadata_fsync',
    garage: true,
    env: undefined,
    flag: undefined,
    type: boolean,
    default: true,
    meaning:
      'K2V always syncs a write to disk before acknowledging it. `false` (Garage: no fsync of the metadata db, its default) is not honoured: accepted with a warning in the log, writes stay durable',
  }),
  mapSize: setting({
    toml: 'lmdb_map_size',
    garage: true,
    env: 'K2V_MAP_SIZE',
    flag: '--map-size <MiB>',
    type: byteSize(2 ** 20, 2 ** 20),
    default: 64 * 2 ** 30,
    meaning: 'largest size the stored data may grow to (then writes get 503)',
  }),
  tombstoneGcDelay: setting({
    toml: `${OWN_SECTION}.tombstone_gc_delay`,
    env: 'K2V_TOMBSTONE_GC_DELAY',
    flag: '--tombstone-gc-delay <seconds>',
    type: wholeNumber(0, ' seconds'),
    default: 86_400,
    meaning: 'items that stayed tombstone-only this long are removed',
  }),
  workers: setting({
    toml: `${OWN_SECTION}.workers`,
    env: 'K2V_WORKERS',
    flag: '--workers <n>',
    type: processCount(() => os.availableParallelism()),
    default: 1,
    meaning: 'server processes over the one LMDB data dir (each its own node; docs/operations.md "Several worker processes"); not with `postgres`',
  }),
  maxConnections: setting({
    toml: `${OWN_SECTION}.max_connections`,
    env: 'K2V_MAX_CONNECTIONS',
    flag: '--max-connections <n>',
    type: wholeNumber(1),
    default: DEFAULT_CONNECTION_LIMITS.maxConnections,
    meaning: 'open connections per listener (each long poll holds one); more are closed at once',
  }),
  maxConnectionsPerIp: setting({
    toml: `${OWN_SECTION}.max_connections_per_ip`,
    env: 'K2V_MAX_CONNECTIONS_PER_IP',
    flag: '--max-connections-per-ip <n>',
    type: wholeNumber(0),
    default: DEFAULT_CONNECTION_LIMITS.maxConnectionsPerIp,
    meaning: 'open connections per client address, 0 for no cap (keep 0 behind a reverse proxy: every connection comes from its address)',
  }),
  k2vTlsCertFile: setting({
    toml: `${OWN_SECTION}.k2v_tls_cert_file`,
    env: 'K2V_K2V_TLS_CERT_FILE',
    flag: '--k2v-tls-cert-file <file>',
    type: path,
    default: undefined,
    meaning: 'PEM certificate (chain) of the K2V listener: HTTPS with HTTP/2 by ALPN, reloaded on SIGHUP; with `k2v_tls_key_file`',
  }),
  k2vTlsKeyFile: setting({
    toml: `${OWN_SECTION}.k2v_tls_key_file`,
    env: 'K2V_K2V_TLS_KEY_FILE',
    flag: '--k2v-tls-key-file <file>',
    type: path,
    default: undefined,
    meaning: 'PEM private key of the K2V listener; with `k2v_tls_cert_file`',
  }),
  adminTlsCertFile: setting({
    toml: `${OWN_SECTION}.admin_tls_cert_file`,
    env: 'K2V_ADMIN_TLS_CERT_FILE',
    flag: '--admin-tls-cert-file <file>',
    type: path,
    default: undefined,
    meaning: 'PEM certificate (chain) of the admin listener (HTTPS, HTTP/2, reloaded on SIGHUP); with `admin_tls_key_file`',
  }),
  adminTlsKeyFile: setting({
    toml: `${OWN_SECTION}.admin_tls_key_file`,
    env: 'K2V_ADMIN_TLS_KEY_FILE',
    flag: '--admin-tls-key-file <file>',
    type: path,
    default: undefined,
    meaning: 'PEM private key of the admin listener; with `admin_tls_cert_file`',
  }),
  consoleOrigins: setting({
    toml: `${OWN_SECTION}.console_origins`,
    env: 'K2V_CONSOLE_ORIGINS',
    flag: '--console-origins <origins>',
    type: originList,
    default: undefined,
    meaning:
      "more origins of the web console, beside the admin listener's own addresses (a console behind a reverse proxy: `https://k2v-admin.example.com`): the K2V listener answers their CORS requests on every bucket",
  }),
  logLevel: setting({
    toml: `${OWN_SECTION}.log_level`,
    env: 'K2V_LOG_LEVEL',
    flag: '--log-level <level>',
    type: oneOf(LOG_LEVELS),
    default: 'info',
    meaning: 'pino log level: fatal, error, warn, info, debug, trace or silent',
  }),
  logFormat: setting({
    toml: `${OWN_SECTION}.log_format`,
    env: 'K2V_LOG_FORMAT',
    flag: '--log-format <format>',
    type: oneOf(LOG_FORMATS),
    default: 'json',
    meaning: 'log lines on stdout: `json` (one JSON object a line) or `pretty` (for a terminal)',
  }),
} as const;

export type SettingId = keyof typeof SETTINGS;
type ValueOf<S> = S extends Setting<infer T> ? T : never;
/** A value per setting; undefined where none was given and there is no default. */
export type SettingValues = { -readonly [K in SettingId]: ValueOf<(typeof SETTINGS)[K]> | undefined };

export const SETTING_IDS = Object.keys(SETTINGS) as SettingId[];

/** The row as the untyped view the generic code (loader, docs, help) walks. */
export function row(id: SettingId): Setting<unknown> {
  return SETTINGS[id] as Setting<unknown>;
}
