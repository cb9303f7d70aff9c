/**
 * A real server for the hostile tests: ephemeral ports, a temporary data dir, and a logger that
 * keeps every warning and error in memory, so a test can assert that hostile input never made
 * the server log a failure. Keys and buckets are created through the admin API.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { DEFAULT_CONFIG, type ServerConfig } from '../../src/config/config.js';
import { tcpAddress, type RunningServer } from '../../src/server/running-server.js';
import { startServer } from '../../src/server/server.js';
import { newTestDatabase } from '../e2e/db-engine.js';
import { exchange, type RawResponse } from './raw-http.js';
import type { Creds } from './sign.js';

export interface LogRecord {
  readonly level: number;
  readonly msg?: string;
  readonly [k: string]: unknown;
}

export interface Permissions {
  read?: boolean;
  write?: boolean;
  owner?: boolean;
}

export interface HostileServer {
  running: RunningServer;
  readonly config: ServerConfig;
  readonly dataDir: string;
  readonly adminToken: string;
  /** `127.0.0.1:<port>` of the K2V API, as the Host header. */
  host: string;
  /** Warnings and errors logged since start (pino levels >= 40). */
  readonly logs: LogRecord[];
  k2v(): { host: string; port: number };
  admin(method: string, target: string, body?: unknown, token?: string | null): Promise<RawResponse>;
  /** Creates a key (and grants it `perms` on `bucketId` when given). */
  newKey(perms?: Permissions, bucketId?: string): Promise<Creds>;
  /** Creates a bucket with a global alias; `keys` get the given permissions. */
  newBucket(alias: string, grants?: [Creds, Permissions][]): Promise<string>;
  /** Stops the server (the data dir stays) so its LMDB files can be read. */
  close(): Promise<void>;
  /** Starts a server again on the same data dir (new ports). */
  reopen(): Promise<void>;
  /** Stops the server and removes the data dir. Idempotent. */
  stop(): Promise<void>;
}

function memoryLogger(into: LogRecord[]) {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() !== '') into.push(JSON.parse(line) as LogRecord);
      }
      done();
    },
  });
  return pino({ level: 'warn' }, sink);
}

/** A server on the engine under test (K2V_TEST_DB_ENGINE, e2e/db-engine.ts) unless `overrides` say. */
export async function startHostileServer(overrides: Partial<ServerConfig> = {}): Promise<HostileServer> {
  const db = await newTestDatabase();
  const dataDir = db.config.dataDir;
  const adminToken = randomBytes(16).toString('hex');
  const logs: LogRecord[] = [];
  const config: ServerConfig = {
    ...DEFAULT_CONFIG,
    k2vBind: '127.0.0.1:0',
    adminBind: '127.0.0.1:0',
    adminToken,
    mapSizeBytes: 4 * 1024 * 1024 * 1024,
    ...db.config,
    ...overrides,
    dataDir,
  };
  let running = await startServer(config, memoryLogger(logs));
  let stopped = false;

  const admin = async (method: string, target: string, body?: unknown, token: string | null = adminToken) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: [string, string][] = [['host', `127.0.0.1:${tcpAddress(running.admin).port}`]];
    if (token !== null) headers.push(['authorization', `Bearer ${token}`]);
    if (data !== undefined) headers.push(['content-type', 'application/json'], ['content-length', String(data.length)]);
    headers.push(['connection', 'close']);
    const ex = await exchange({ host: '127.0.0.1', port: tcpAddress(running.admin).port }, { method, target, headers, ...(data ? { body: data } : {}) });
    const res = ex.responses[0];
    if (res === undefined) throw new Error(`admin ${method} ${target}: no response (${ex.error ?? 'closed'})`);
    return res;
  };
  const ok = (what: string, res: RawResponse): Record<string, unknown> => {
    if (res.status !== 200) throw new Error(`admin ${what}: ${res.status} ${res.body.toString()}`);
    return JSON.parse(res.body.toString('utf8')) as Record<string, unknown>;
  };
  const allow = async (bucketId: string, keyId: string, permissions: Permissions) => {
    ok('allow', await admin('POST', '/v1/bucket/allow', { bucketId, accessKeyId: keyId, permissions }));
  };

  const hs: HostileServer = {
    running,
    config,
    dataDir,
    adminToken,
    host: `127.0.0.1:${tcpAddress(running.k2v).port}`,
    logs,
    k2v: () => ({ host: '127.0.0.1', port: tcpAddress(running.k2v).port }),
    admin,
    async newKey(perms, bucketId) {
      const key = ok('create key', await admin('POST', '/v1/key', { name: `hostile-${randomBytes(4).toString('hex')}` }));
      const creds = { accessKeyId: String(key['accessKeyId']), secretAccessKey: String(key['secretAccessKey']) };
      if (perms !== undefined && bucketId !== undefined) await allow(bucketId, creds.accessKeyId, perms);
      return creds;
    },
    async newBucket(alias, grants = []) {
      const id = String(ok('create bucket', await admin('POST', '/v1/bucket', { globalAlias: alias }))['id']);
      for (const [creds, perms] of grants) await allow(id, creds.accessKeyId, perms);
      return id;
    },
    async close() {
      await running.close();
    },
    async reopen() {
      await running.close();
      running = await startServer(config, memoryLogger(logs));
      hs.running = running;
      hs.host = `127.0.0.1:${tcpAddress(running.k2v).port}`;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await running.close();
      } finally {
        await db.remove();
      }
    },
  };
  return hs;
}
