/**
 * The K2V server under test, seen from the orchestrator: forks k2v-child.ts on a fresh temporary
 * data dir, creates an access key and a bucket through the admin API, and wraps the child's IPC
 * services (preload, tokens, stats, commit instants).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { ItemName, PreloadSpec } from '../dataset.js';
import { K2vSigner, type Credentials, type Target } from '../sign.js';
import { stopChild, track } from './child-process.js';
import { jsonOk } from './http-json.js';
import type { ChildReply, ChildRequest, ChildStats } from './k2v-ipc.js';

const CHILD = fileURLToPath(new URL('./k2v-child.js', import.meta.url));
export const REGION = 'garage';

export interface K2vTargetOptions {
  readonly dataDir: string;
  /** Extra node flags for the server process (e.g. --cpu-prof). */
  readonly nodeFlags?: readonly string[];
  readonly mapSizeBytes?: number;
  /** `--db-engine postgres` on this database instead of LMDB in `dataDir`. */
  readonly postgresUrl?: string;
  /** Server processes (`k2v server --workers N`); default 1. */
  readonly workers?: number;
}

export class K2vTarget {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(
    private readonly child: ChildProcess,
    readonly pid: number,
    readonly target: Target,
    readonly admin: Target,
    readonly adminToken: string,
  ) {
    child.on('message', (m: ChildReply) => {
      const w = this.waiting.get(m.id);
      if (w === undefined) return;
      this.waiting.delete(m.id);
      if (m.ok) w.resolve(m.result);
      else w.reject(new Error(`k2v child: ${m.error}`));
    });
    child.on('exit', (code, signal) => {
      for (const w of this.waiting.values()) w.reject(new Error(`k2v child exited (${code ?? signal})`));
      this.waiting.clear();
    });
  }

  static async start(o: K2vTargetOptions): Promise<K2vTarget> {
    const adminToken = randomBytes(16).toString('hex');
    const cfg = { dataDir: o.dataDir, adminToken, mapSizeBytes: o.mapSizeBytes ?? 64 * 2 ** 30, logLevel: 'error', postgresUrl: o.postgresUrl, workers: o.workers ?? 1 };
    const child = track(
      fork(CHILD, [JSON.stringify(cfg)], { execArgv: ['--expose-gc', ...(o.nodeFlags ?? [])], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
    );
    const ready = await new Promise<{ k2v: Target; admin: Target; pid: number }>((resolve, reject) => {
      child.once('message', (m: { ready?: boolean; k2v: Target; admin: Target; pid: number }) => resolve(m));
      child.once('exit', (code) => reject(new Error(`k2v child exited (${code}) before it was ready`)));
    });
    return new K2vTarget(child, ready.pid, ready.k2v, ready.admin, adminToken);
  }

  /** Creates a key and a bucket (global alias) with read + write through the admin API. */
  async createBucket(alias: string): Promise<{ bucketId: string; signer: K2vSigner; creds: Credentials }> {
    const auth = { authorization: `Bearer ${this.adminToken}` };
    const key = await jsonOk(this.admin, 'POST', '/v1/key', { name: `bench-${alias}` }, auth);
    const creds = { accessKeyId: String(key['accessKeyId']), secretAccessKey: String(key['secretAccessKey']) };
    const bucket = await jsonOk(this.admin, 'POST', '/v1/bucket', { globalAlias: alias }, auth);
    const bucketId = String(bucket['id']);
    await jsonOk(
      this.admin,
      'POST',
      '/v1/bucket/allow',
      { bucketId, accessKeyId: creds.accessKeyId, permissions: { read: true, write: true, owner: false } },
      auth,
    );
    return { bucketId, creds, signer: new K2vSigner(this.target, creds, REGION) };
  }

  private call<T>(req: ChildRequest): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ ...req, id });
    });
  }

  preload(bucketId: string, spec: PreloadSpec): Promise<{ items: number; seconds: number }> {
    return this.call({ op: 'preload', bucketId, spec });
  }

  /** Current causality tokens ('' for an item never written). */
  async tokens(bucketId: string, items: readonly ItemName[]): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < items.length; i += 50_000) {
      out.push(...(await this.call<string[]>({ op: 'tokens', bucketId, items: items.slice(i, i + 50_000) })));
    }
    return out;
  }

  stats(): Promise<ChildStats> {
    return this.call({ op: 'stats' });
  }

  gc(): Promise<void> {
    return this.call({ op: 'gc' });
  }

  recordCommits(bucketId: string, pk: string): Promise<void> {
    return this.call({ op: 'recordCommits', bucketId, pk });
  }

  /** Publish instants (process.hrtime ns) by `pk \n sk`, since the last call. */
  async commitTimes(): Promise<Map<string, bigint>> {
    const raw = await this.call<Record<string, string>>({ op: 'commitTimes' });
    return new Map(Object.entries(raw).map(([k, v]) => [k, BigInt(v)]));
  }

  stopRecording(): Promise<void> {
    return this.call({ op: 'stopRecording' });
  }

  profileStart(intervalUs = 200): Promise<void> {
    return this.call({ op: 'profileStart', intervalUs });
  }

  /** Writes the profile since profileStart() as a .cpuprofile file (Chrome DevTools, speedscope). */
  profileStop(file: string): Promise<void> {
    return this.call({ op: 'profileStop', file });
  }

  stop(): Promise<void> {
    return stopChild(this.child, 60_000);
  }
}
