/**
 * The PostgreSQL part of `npm run bench` (issue 11): a throwaway cluster, two `k2v server
 * --db-engine postgres` processes on one database of it, and pgbench against the same cluster as
 * the reference, with the same client count. Measured in pairs a few seconds apart:
 * pgbench -S, then ReadItem and ReadBatch through one and through two servers; pgbench -N, then
 * durable InsertItem through one and two servers. The second server idles during the one-server
 * runs. With --profile: V8 profiles of the servers and pg_stat_statements of each K2V run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type BenchContext, requestFilePath } from '../context.js';
import { ITEMS_PER_PARTITION, gridItem, gridPk, newItem, prng, shuffle, valueOf, type ItemName } from '../dataset.js';
import { writeRequestFile, type RequestFile } from '../load/request-file.js';
import { K2vSigner } from '../sign.js';
import { pgBinDir } from '../../test/support/pg-cluster.js';
import { PgClusterTarget, type PgbenchResult } from '../targets/pg-cluster-target.js';
import { K2vTarget, REGION } from '../targets/k2v-target.js';
import { CpuMeter, MachineMeter, TreeCpuMeter } from '../proc-stats.js';
import type { MeasuredServer } from './drive.js';
import { insertItem, readBatch, readItem, type K2vBucket } from './k2v-requests.js';
import { driveMany, split, type Leg, type MultiMeasured } from './multi-drive.js';

export interface PgbenchMeasured extends PgbenchResult {
  readonly pgCpuPct: number;
  readonly otherCpuPct: number;
}

export interface PgK2vRow {
  readonly workload: 'ReadItem' | 'ReadBatch' | 'InsertItem';
  readonly m: MultiMeasured;
}

export interface PostgresResult {
  readonly version: string;
  readonly items: number;
  readonly preloadSeconds: number;
  readonly pgbenchScale: number;
  readonly pgbenchInitSeconds: number;
  selectOnly?: PgbenchMeasured;
  simpleUpdate?: PgbenchMeasured;
  readonly rows: PgK2vRow[];
}

export interface PostgresRunOptions {
  readonly root: string;
  readonly profileDir: string | undefined;
  /** Something went wrong that a smoke run must fail on. */
  readonly failure: (what: string) => void;
  readonly notes: string[];
}

const SERVERS = 2;

/** A server and its share of the connections, before its request file is made. */
type Seat = Omit<Leg, 'file'>;
const READ_REQUESTS = 100_000;
const MAX_WRITE_REQUESTS = 600_000;

/** Throws at once, before the rest of the run, if PostgreSQL's binaries are missing. */
export function checkPostgresInstalled(): void {
  try {
    pgBinDir();
  } catch (err) {
    throw new Error(`${(err as Error).message}; or run the benchmark with --no-postgres`);
  }
}

export async function runPostgres(ctx: BenchContext, o: PostgresRunOptions): Promise<PostgresResult> {
  const { opts, log } = ctx;
  log('PostgreSQL: starting a throwaway cluster');
  const cluster = await PgClusterTarget.start({ statements: o.profileDir !== undefined });
  const servers: K2vTarget[] = [];
  try {
    const scale = Math.max(1, Math.round(opts.items / 100_000));
    log(`PostgreSQL: pgbench -i -s ${scale}`);
    const pgbenchInitSeconds = await cluster.initPgbench(scale);
    for (let i = 0; i < SERVERS; i++) {
      log(`K2V server ${i + 1} on PostgreSQL: starting`);
      servers.push(await K2vTarget.start({ dataDir: path.join(o.root, `pg-k2v-${i + 1}`), postgresUrl: cluster.k2vUrl }));
    }
    const a = servers[0]!;
    const created = await a.createBucket('bench');
    const buckets: K2vBucket[] = servers.map((s) => ({ alias: 'bench', bucketId: created.bucketId, signer: new K2vSigner(s.target, created.creds, REGION) }));
    log(`K2V on PostgreSQL: preloading ${opts.items} items`);
    const p = await a.preload(created.bucketId, { layout: 'grid', from: 0, to: opts.items });
    log(`K2V on PostgreSQL: preloaded ${p.items} items in ${p.seconds.toFixed(1)} s`);
    // The preload's dead tuples and fresh statistics, as pgbench -i leaves its tables.
    await cluster.sql('k2v_bench', 'VACUUM ANALYZE');

    const profileDir = o.profileDir;
    if (profileDir !== undefined) mkdirSync(profileDir, { recursive: true });
    const measured: MeasuredServer[] = servers.map((s) => ({
      pid: s.pid,
      target: s.target,
      profiler:
        profileDir === undefined ? undefined : { start: () => s.profileStart(), stop: (name) => s.profileStop(path.join(profileDir, `pg-${name}.cpuprofile`)) },
    }));
    const r: PostgresResult = {
      version: cluster.version,
      items: opts.items,
      preloadSeconds: p.seconds,
      pgbenchScale: scale,
      pgbenchInitSeconds,
      rows: [],
    };
    const check = (what: string, m: { errors: number; requests: number; wraps: number }) => {
      if (m.errors > 0) o.failure(`PostgreSQL ${what}: ${m.errors} errors (status >= 400, socket errors or timeouts) out of ${m.requests} requests.`);
      if (m.wraps > 0) o.notes.push(`PostgreSQL ${what}: the request file was replayed ${m.wraps} more time(s) (writes then repeat).`);
    };
    const k2vRun = async (workload: PgK2vRow['workload'], n: number, run: (legs: number) => Promise<MultiMeasured>) => {
      log(`K2V on PostgreSQL: ${workload} through ${n} server(s)`);
      await cluster.resetStatements();
      const m = await run(n);
      check(`${workload} (${n} server(s))`, m);
      r.rows.push({ workload, m });
      if (profileDir !== undefined) writeFileSync(path.join(profileDir, `pg-${workload}-${n}-servers.pg_stat_statements.txt`), (await cluster.topStatements()) + '\n');
    };
    const pgbench = async (mode: '-S' | '-N'): Promise<PgbenchMeasured> => {
      log(`pgbench ${mode}: ${opts.connections} clients`);
      // A warm-up that got no transaction in (its connections took all its time) is no failure:
      // the measured run after it says whether pgbench works.
      if (ctx.drive.warmupS > 0) await cluster.pgbench(mode, opts.connections, ctx.drive.warmupS).catch(() => undefined);
      const pg = new TreeCpuMeter(cluster.postmasterPid);
      const machine = new MachineMeter();
      const idle = servers.map((s) => new CpuMeter(s.pid));
      const res = await cluster.pgbench(mode, opts.connections, ctx.drive.durationS);
      const pgCpuPct = pg.percent();
      const k2vIdle = idle.reduce((s, c) => s + c.percent(), 0);
      const busy = machine.read().busyPct;
      if (res.failed > 0) o.failure(`pgbench ${mode}: ${res.failed} failed transactions`);
      return { ...res, pgCpuPct, otherCpuPct: Math.max(0, busy - pgCpuPct - res.loaderCpuPct - k2vIdle) };
    };
    /** The first n servers, the connections split between them. */
    const seats = (n: number): Seat[] => split(opts.connections, n).map((c, i) => ({ server: measured[i]!, connections: c }));
    const legsOf = (n: number, file: (i: number) => RequestFile): Leg[] => seats(n).map((seat, i) => ({ ...seat, file: file(i) }));
    const postmaster = cluster.postmasterPid;

    // Reads: items uniformly over the preload, one file per server (the Host is signed).
    const readFiles = new Map<string, RequestFile>();
    const readFile = (kind: 'ReadItem' | 'ReadBatch', i: number): RequestFile => {
      const key = `${kind}-${i}`;
      let f = readFiles.get(key);
      if (f === undefined) {
        const b = buckets[i]!;
        const partitions = Math.max(1, Math.floor(opts.items / ITEMS_PER_PARTITION));
        const rnd = prng(100 + i);
        f =
          kind === 'ReadItem'
            ? writeRequestFile(
                requestFilePath(ctx, `pg-read-item-${i + 1}`),
                Array.from({ length: Math.min(READ_REQUESTS, Math.max(1_000, opts.items)) }, () => readItem(b, gridItem(Math.floor(rnd() * opts.items)))),
                1,
                true,
              )
            : writeRequestFile(
                requestFilePath(ctx, `pg-read-batch-${i + 1}`),
                Array.from({ length: Math.min(20_000, partitions * 4) }, () => readBatch(b, [{ partitionKey: gridPk(Math.floor(rnd() * partitions)) }])),
                ITEMS_PER_PARTITION,
                true,
              );
        readFiles.set(key, f);
      }
      return f;
    };

    r.selectOnly = await pgbench('-S');
    for (const n of [1, SERVERS]) await k2vRun('ReadItem', n, (k) => driveMany(ctx.drive, legsOf(k, (i) => readFile('ReadItem', i)), postmaster, `ReadItem-${k}`));
    for (const n of [1, SERVERS]) await k2vRun('ReadBatch', n, (k) => driveMany(ctx.drive, legsOf(k, (i) => readFile('ReadBatch', i)), postmaster, `ReadBatch-${k}`));
    r.simpleUpdate = await pgbench('-N');
    const writes = new InsertItemFiles(ctx, a, buckets, opts.items);
    for (const n of [1, SERVERS]) await k2vRun('InsertItem', n, (k) => writes.run(seats(k), postmaster));
    return r;
  } finally {
    for (const s of servers) await s.stop().catch(() => undefined);
    await cluster.destroy();
  }
}

/**
 * Durable InsertItem through one or several servers: half updates of preloaded items with their
 * latest token (distinct items, split between the servers, so no two servers update one item),
 * half new items. Writes cannot be replayed, so the file is sized from a probe run at once over
 * every leg (the warm-up), like throughput.ts's writeRun.
 */
class InsertItemFiles {
  private nextNew = 0;
  private used = 0;
  private readonly pool: number[];

  constructor(
    private readonly ctx: BenchContext,
    private readonly tokensFrom: K2vTarget,
    private readonly buckets: readonly K2vBucket[],
    loaded: number,
  ) {
    this.pool = shuffle(
      Array.from({ length: loaded }, (_, i) => i),
      prng(7),
    );
  }

  private async make(n: number, leg: number): Promise<RequestFile> {
    const b = this.buckets[leg]!;
    const updates: ItemName[] = [];
    for (let k = 0; k < Math.ceil(n / 2); k++) updates.push(gridItem(this.pool[this.used++ % this.pool.length]!));
    const tokens = await this.tokensFrom.tokens(b.bucketId, updates);
    const first = this.nextNew;
    this.nextNew += Math.floor(n / 2);
    const reqs: Buffer[] = [];
    for (let k = 0; k < n; k++) {
      const u = k >> 1;
      reqs.push(k % 2 === 0 ? insertItem(b, updates[u]!, valueOf(k), tokens[u]) : insertItem(b, newItem(first + u), valueOf(k), undefined));
    }
    return writeRequestFile(requestFilePath(this.ctx, `pg-insert-item-${leg + 1}`), reqs, 1);
  }

  async run(legs: readonly Seat[], postmaster: number): Promise<MultiMeasured> {
    const d = this.ctx.drive;
    const probeLegs: Leg[] = [];
    // The probe is warm-up (its few requests are replayed over and over): not worth a profile.
    for (let i = 0; i < legs.length; i++) probeLegs.push({ ...legs[i]!, server: { ...legs[i]!.server, profiler: undefined }, file: await this.make(300, i) });
    const warm = await driveMany({ ...d, warmupS: 0, durationS: Math.max(0.5, d.warmupS) }, probeLegs, postmaster);
    const measured: Leg[] = [];
    for (let i = 0; i < legs.length; i++) {
      const share = legs[i]!.connections / warm.connections;
      const n = Math.min(MAX_WRITE_REQUESTS, Math.max(1_000, Math.ceil(warm.rps * share * d.durationS * 2) + 2 * legs[i]!.connections));
      measured.push({ ...legs[i]!, file: await this.make(n, i) });
    }
    return driveMany({ ...d, warmupS: 0 }, measured, postmaster, `InsertItem-${legs.length}`);
  }
}
