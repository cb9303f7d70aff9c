/**
 * A real K2V server for the client's tests: the workspace's `k2v` binary in a child process, on
 * ephemeral ports, with a temporary data dir; a key and a bucket created through the admin API.
 * Nothing of the server's source is imported: the client meets it only over HTTP.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { K2vClient, type K2vClientOptions } from 'k2v-client';

/** packages/server/bin/k2v.js, found by node resolution (the workspace link) or beside this package. */
export function k2vBin(): string {
  try {
    return createRequire(import.meta.url).resolve('k2v-server/bin/k2v.js');
  } catch {
    return fileURLToPath(new URL('../../../../server/bin/k2v.js', import.meta.url));
  }
}

export interface TestServer {
  /** `http://127.0.0.1:<port>` of the K2V API. */
  readonly endpoint: string;
  readonly adminUrl: string;
  readonly adminToken: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly bucket: string;
  readonly bucketId: string;
  readonly dataDir: string;
  readonly child: ChildProcess;
  /** Options for a client of this server's bucket (overrides merged in). */
  options(overrides?: Partial<K2vClientOptions>): K2vClientOptions;
  /** A client of this server's bucket. */
  client(overrides?: Partial<K2vClientOptions>): K2vClient;
  /** The environment `K2vClient.fromEnv()` reads, for spawned scripts. */
  env(): Record<string, string>;
  /** An admin API call (Bearer token); JSON in and out; throws unless 2xx. */
  admin<T = unknown>(method: string, p: string, body?: unknown): Promise<T>;
  /** A second bucket (global alias) with read+write for the test key. */
  createBucket(): Promise<{ bucket: string; bucketId: string }>;
  /** Kills the process with `signal` and waits for its exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the server again on the same data dir and the same ports (after `kill`). */
  restart(): Promise<void>;
  /** Stops the server and removes its data dir. Idempotent. */
  stop(): Promise<void>;
}

interface Process {
  child: ChildProcess;
  k2v: string;
  admin: string;
  exited: Promise<void>;
}

const LISTENING = 'k2v server listening';

function launch(dataDir: string, adminToken: string, k2vBind: string, adminBind: string): Promise<Process> {
  const child = spawn(
    process.execPath,
    [k2vBin(), 'server', '--data-dir', dataDir, '--k2v-bind', k2vBind, '--admin-bind', adminBind, '--admin-token', adminToken, '--map-size', '1024', '--log-level', 'info'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString('utf8')));
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      for (const line of out.split('\n')) {
        if (!line.includes(LISTENING)) continue;
        const rec = JSON.parse(line) as { k2v: string; admin: string };
        out = '';
        child.stdout!.removeAllListeners('data');
        child.stdout!.resume();
        resolve({ child, k2v: `http://${rec.k2v}`, admin: `http://${rec.admin}`, exited });
        return;
      }
    });
    child.once('exit', (code, signal) => reject(new Error(`k2v server exited (${code ?? signal}) before listening: ${err}${out}`)));
  });
}

const name = (prefix: string): string => `${prefix}-${randomBytes(6).toString('hex')}`;

/** Starts a server and creates a key and a bucket (global alias) with read, write and owner. */
export async function startServer(): Promise<TestServer> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'k2v-client-'));
  const adminToken = randomBytes(16).toString('hex');
  let proc = await launch(dataDir, adminToken, '127.0.0.1:0', '127.0.0.1:0');
  let stopped = false;

  const admin = async <T>(method: string, p: string, body?: unknown): Promise<T> => {
    const res = await fetch(proc.admin + p, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`admin ${method} ${p}: ${res.status} ${text}`);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  };

  const key = await admin<{ accessKeyId: string; secretAccessKey: string }>('POST', '/v1/key', { name: name('client-test') });
  const allow = async (bucketId: string) =>
    admin('POST', '/v1/bucket/allow', { bucketId, accessKeyId: key.accessKeyId, permissions: { read: true, write: true, owner: true } });
  const createBucket = async () => {
    const bucket = name('client-bucket');
    const { id } = await admin<{ id: string }>('POST', '/v1/bucket', { globalAlias: bucket });
    await allow(id);
    return { bucket, bucketId: id };
  };
  const first = await createBucket();

  const ts: TestServer = {
    get endpoint() {
      return proc.k2v;
    },
    get adminUrl() {
      return proc.admin;
    },
    get child() {
      return proc.child;
    },
    adminToken,
    accessKeyId: key.accessKeyId,
    secretAccessKey: key.secretAccessKey,
    bucket: first.bucket,
    bucketId: first.bucketId,
    dataDir,
    options: (overrides = {}) => ({
      endpoint: proc.k2v,
      accessKeyId: key.accessKeyId,
      secretAccessKey: key.secretAccessKey,
      bucket: first.bucket,
      ...overrides,
    }),
    client: (overrides = {}) => new K2vClient(ts.options(overrides)),
    env: () => ({
      K2V_ENDPOINT: proc.k2v,
      AWS_ACCESS_KEY_ID: key.accessKeyId,
      AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
      K2V_BUCKET: first.bucket,
      AWS_REGION: 'garage',
    }),
    admin,
    createBucket,
    async kill(signal = 'SIGKILL') {
      proc.child.kill(signal);
      await proc.exited;
    },
    async restart() {
      const hostPort = (u: string) => new URL(u).host;
      proc = await launch(dataDir, adminToken, hostPort(proc.k2v), hostPort(proc.admin));
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (proc.child.exitCode === null && proc.child.signalCode === null) {
        proc.child.kill('SIGTERM');
        await proc.exited;
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return ts;
}

/**
 * Registers hooks that start a server before the tests of the enclosing scope and stop it after
 * them; the returned object forwards to that server.
 */
export function useServer(): TestServer {
  let current: TestServer | undefined;
  before(async () => {
    current = await startServer();
  });
  after(async () => {
    await current?.stop();
  });
  return new Proxy({} as TestServer, {
    get: (_t, prop) => {
      if (current === undefined) throw new Error(`test server read (${String(prop)}) before its before() hook started it`);
      return Reflect.get(current, prop);
    },
  });
}

let counter = 0;
/** A partition key of its own per test. */
export function uniquePk(label: string): string {
  counter += 1;
  return `${label}-${process.pid}-${counter}`;
}

/** The UTF-8 text of a value that must not be a tombstone. */
export function str(v: Uint8Array | null | undefined): string | null {
  return v === null || v === undefined ? null : Buffer.from(v).toString('utf8');
}
