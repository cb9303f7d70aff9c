/**
 * The effective configuration from flags, environment, file and defaults (settings.ts), with the
 * token files read. Used by `k2v server`, and meant for every command that needs to find the
 * server (the admin endpoint and token of `k2v key …` come from the same place).
 */
import fs from 'node:fs';
import { DEFAULT_CONFIG, type ServerConfig, type TlsFiles } from './config.js';
import { ConfigError } from './config-error.js';
import { tomlKeyName } from './config-file.js';
import { generatedAdminTokenPath } from './data-dir-files.js';
import { longFlag, resolveSettings, LAYERS, type Layer, type ResolvedSettings, type SettingsInput } from './resolve-settings.js';
import { readSecretFile } from './secret-file.js';
import { row, type SettingId } from './settings.js';

/** Where a secret came from: a layer, or the token the first run generated in the data dir. */
export type SecretSource = Layer | 'data dir';

export interface LoadedConfig {
  readonly config: ServerConfig;
  readonly settings: ResolvedSettings;
  readonly adminTokenFrom: SecretSource | undefined;
  readonly metricsTokenFrom: SecretSource | undefined;
  /** Said once in the log at start: what the file held that is not used, and why. */
  readonly notices: readonly Notice[];
}

export interface Notice {
  readonly level: 'info' | 'warn';
  readonly msg: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

/** How the operator wrote setting `id` in `layer`, for error messages. */
export function settingName(s: ResolvedSettings, layer: Layer, id: SettingId): string {
  const r = row(id);
  if (layer === 'flag') return longFlag(r.flag!);
  if (layer === 'env') return `environment variable ${r.env!}`;
  return `${s.file!.path}: ${tomlKeyName(r.toml!)}`;
}

/** A token given as itself or as a file, from the first layer that sets either (never both). */
function secret(s: ResolvedSettings, tokenId: 'adminToken' | 'metricsToken', fileId: 'adminTokenFile' | 'metricsTokenFile') {
  const allowWorldReadable = s.values.allowWorldReadableSecrets === true;
  for (const layer of LAYERS) {
    const token = s.layers[layer][tokenId];
    const file = s.layers[layer][fileId];
    if (token !== undefined && file !== undefined) {
      throw new ConfigError(`${settingName(s, layer, tokenId)}: set it or ${settingName(s, layer, fileId)}, not both`);
    }
    if (token !== undefined) return { value: token, from: layer };
    if (file !== undefined) return { value: readSecretFile(file, settingName(s, layer, fileId), allowWorldReadable), from: layer };
  }
  return undefined;
}

/** A listener's certificate and key: both or neither, else refused naming the one that is set. */
function tlsFiles(s: ResolvedSettings, certId: 'k2vTlsCertFile' | 'adminTlsCertFile', keyId: 'k2vTlsKeyFile' | 'adminTlsKeyFile'): TlsFiles | undefined {
  const certFile = s.values[certId];
  const keyFile = s.values[keyId];
  if (certFile !== undefined && keyFile !== undefined) return { certFile, keyFile };
  if (certFile === undefined && keyFile === undefined) return undefined;
  const [given, missing] = certFile !== undefined ? [certId, keyId] : [keyId, certId];
  const layer = LAYERS.find((l) => s.layers[l][given] !== undefined) ?? 'flag';
  const m = row(missing);
  throw new ConfigError(
    `${settingName(s, layer, given)}: needs its pair, ${tomlKeyName(m.toml!)} (${m.env!} or ${longFlag(m.flag!)}): a listener takes both a certificate and a key, or neither`,
  );
}

export function loadConfig(input: SettingsInput): LoadedConfig {
  const s = resolveSettings(input);
  const v = s.values;
  const dataDir = v.dataDir!;
  let admin: { value: string; from: SecretSource } | undefined = secret(s, 'adminToken', 'adminTokenFile');
  const generated = generatedAdminTokenPath(dataDir);
  if (admin === undefined && fs.existsSync(generated)) {
    admin = { value: readSecretFile(generated, 'the admin token of the first run', v.allowWorldReadableSecrets === true), from: 'data dir' };
  }
  const metrics = secret(s, 'metricsToken', 'metricsTokenFile');
  if (v.dbEngine === 'postgres' && v.postgresUrl === undefined) {
    const layer = LAYERS.find((l) => s.layers[l].dbEngine !== undefined) ?? 'flag';
    throw new ConfigError(`${settingName(s, layer, 'dbEngine')}: "postgres" needs a PostgreSQL URL (postgres_url, K2V_POSTGRES_URL or --postgres-url)`);
  }

  const k2vTls = tlsFiles(s, 'k2vTlsCertFile', 'k2vTlsKeyFile');
  const adminTls = tlsFiles(s, 'adminTlsCertFile', 'adminTlsKeyFile');

  const notices: Notice[] = [];
  if (s.file !== undefined && s.file.ignored.length > 0) {
    notices.push({ level: 'info', msg: 'configuration file: Garage settings that do not apply to K2V are ignored', detail: { file: s.file.path, ignored: s.file.ignored } });
  }
  if (s.file !== undefined && s.file.unknown.length > 0) {
    notices.push({ level: 'warn', msg: 'configuration file: unknown settings (neither Garage v1.2 nor K2V) are ignored', detail: { file: s.file.path, unknown: s.file.unknown } });
  }
  if (v.metadataFsync === false) {
    notices.push({
      level: 'warn',
      msg: 'metadata_fsync = false is not honoured: K2V always syncs a write to disk before acknowledging it',
      detail: { file: s.file?.path },
    });
  }

  const config: ServerConfig = {
    ...DEFAULT_CONFIG,
    dbEngine: v.dbEngine!,
    dataDir,
    postgresUrl: v.postgresUrl,
    k2vBind: v.k2vBind!,
    adminBind: v.adminBind!,
    ...(k2vTls === undefined ? {} : { k2vTls }),
    ...(adminTls === undefined ? {} : { adminTls }),
    adminToken: admin?.value,
    metricsToken: metrics?.value,
    region: v.region!,
    tombstoneGcDelayMs: v.tombstoneGcDelay! * 1000,
    mapSizeBytes: v.mapSize!,
    workers: v.workers!,
    connections: {
      ...DEFAULT_CONFIG.connections,
      maxConnections: v.maxConnections!,
      maxConnectionsPerIp: v.maxConnectionsPerIp!,
    },
    logLevel: v.logLevel!,
    logFormat: v.logFormat!,
    consoleOrigins: v.consoleOrigins ?? [],
  };
  return { config, settings: s, adminTokenFrom: admin?.from, metricsTokenFrom: metrics?.from, notices };
}
