/**
 * The first run: a new data dir and no admin token configured. Before the store opens, an admin
 * token is generated and stored in `<data dir>/admin_token` (0600; later starts read it when no
 * token is configured). Once the server listens, a first access key and a bucket `default` (the
 * key may read, write and own it) are created through the admin API's own operations, and the
 * export block that configures the CLI and the client is written to `<data dir>/credentials.env`
 * (0600). The caller prints the block once; it is never logged.
 *
 * If the process dies between the token and the credentials, the next start (token from the data
 * dir, no credentials file, no key and no bucket yet) creates them then.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { handleCreateBucket } from '../admin/buckets.js';
import { handleBucketChangeKeyPerm } from '../admin/bucket-permissions.js';
import { handleCreateKey } from '../admin/keys.js';
import type { ServerConfig } from '../config/config.js';
import { credentialsPath, generatedAdminTokenPath } from '../config/data-dir-files.js';
import type { SecretSource } from '../config/load-config.js';
import { storageOf, storeIsNew } from './open-store.js';
import type { BoundAddress, RunningServer } from './running-server.js';

export const FIRST_BUCKET = 'default';

/** Where the admin token in use came from: configured, generated now, or generated before. */
export type AdminTokenOrigin = SecretSource | 'first run' | undefined;
const FIRST_KEY_NAME = 'first key';

/**
 * Before the store opens: on a first run, a new admin token, already saved. Returns undefined
 * when a token is configured or the store exists.
 */
export function prepareFirstRun(config: ServerConfig): string | undefined {
  if (config.adminToken !== undefined || !storeIsNew(storageOf(config))) return undefined;
  const token = randomBytes(32).toString('hex');
  fs.mkdirSync(config.dataDir, { recursive: true });
  writeOwnerOnly(generatedAdminTokenPath(config.dataDir), `${token}\n`);
  return token;
}

/** Whether the first credentials are still to be created (see the resume rule above). */
export function firstCredentialsPending(server: RunningServer, config: ServerConfig, adminTokenFrom: AdminTokenOrigin): boolean {
  if (adminTokenFrom !== 'first run' && adminTokenFrom !== 'data dir') return false;
  if (fs.existsSync(credentialsPath(config.dataDir))) return false;
  return server.store.meta.listKeys().length === 0 && server.store.meta.listBuckets().length === 0;
}

export interface FirstCredentials {
  /** The export block (secrets included), as written to the credentials file. */
  readonly exports: string;
  readonly file: string;
  readonly accessKeyId: string;
}

export async function createFirstCredentials(server: RunningServer, config: ServerConfig): Promise<FirstCredentials> {
  const ctx = { store: server.store };
  const key = await handleCreateKey(ctx, { name: FIRST_KEY_NAME });
  const { accessKeyId, secretAccessKey } = jsonOf(key) as { accessKeyId: string; secretAccessKey: string };
  const bucket = await handleCreateBucket(ctx, { globalAlias: FIRST_BUCKET });
  const { id: bucketId } = jsonOf(bucket) as { id: string };
  await handleBucketChangeKeyPerm(ctx, { bucketId, accessKeyId, permissions: { read: true, write: true, owner: true } }, true);
  const exports = exportBlock([
    ['K2V_ENDPOINT', endpointUrl(server.k2v, config.k2vTls !== undefined)],
    ['AWS_REGION', config.region],
    ['AWS_ACCESS_KEY_ID', accessKeyId],
    ['AWS_SECRET_ACCESS_KEY', secretAccessKey],
    ['K2V_BUCKET', FIRST_BUCKET],
    ['K2V_ADMIN_ENDPOINT', endpointUrl(server.admin, config.adminTls !== undefined)],
    ['K2V_ADMIN_TOKEN', config.adminToken ?? ''],
  ]);
  const file = credentialsPath(config.dataDir);
  writeOwnerOnly(file, exports);
  return { exports, file, accessKeyId };
}

function jsonOf(result: Awaited<ReturnType<typeof handleCreateKey>>): unknown {
  if (result.status !== 200) throw new Error('first run: the admin operation returned no body');
  return result.json;
}

/**
 * A URL a client on this machine reaches the listener with (a wildcard address -> loopback);
 * `https` when the listener serves TLS.
 */
export function endpointUrl(a: BoundAddress, tls = false): string {
  const scheme = tls ? 'https' : 'http';
  if (a.kind === 'unix') return `${scheme}+unix://${a.path}`;
  const host = a.host === '::' || a.host === '0.0.0.0' ? '127.0.0.1' : a.host;
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${a.port}`;
}

function exportBlock(vars: readonly (readonly [string, string])[]): string {
  const quote = (v: string) => (/^[A-Za-z0-9_./:@%+=,[\]-]+$/.test(v) ? v : `'${v.replaceAll("'", `'\\''`)}'`);
  return vars.map(([k, v]) => `export ${k}=${quote(v)}\n`).join('');
}

/** Written whole (temporary file, fsync, rename), readable by the owner only. */
function writeOwnerOnly(file: string, content: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeFileSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}
