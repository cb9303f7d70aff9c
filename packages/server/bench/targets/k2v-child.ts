/**
 * The measured K2V server, in its own process (forked with an IPC channel by k2v-target.ts): the
 * real `startServer` on a fresh data dir, plus a few benchmark-only services over IPC that never
 * touch the HTTP path:
 * - preloading items straight into the running server's store (store.write in large batches: the
 *   same durable, group-committed write path as InsertBatch, without HTTP and JSON, so 1 M items
 *   load in seconds),
 * - the current causality token of items (to sign updates "with the latest token" up front),
 * - the number of open poll waiters and the process's memory,
 * - the instant each change of a partition is published to subscribers, i.e. right after its
 *   commit is durable (process.hrtime is CLOCK_MONOTONIC, shared by every process of the machine,
 *   so the orchestrator can subtract it from the instant a watcher receives its response),
 * - a full GC before memory is read, so RSS figures compare like with like,
 * - a V8 CPU profile of one workload (inspector Profiler, started and stopped around the measured
 *   run, so set-up and preloading stay out of it).
 *
 * With `workers` > 1 (`npm run bench -- --workers N`), this process is the cluster primary of
 * `k2v server --workers N` (server/workers/primary.ts) and each worker runs this file again as
 * a server of its slot; the orchestrator's requests go to worker 0 (so `stats.waiters` and the
 * commit times are worker 0's alone: meaningful figures are the throughput workloads').
 *
 * Usage: node --expose-gc k2v-child.js '<json config>'  (fork with IPC)
 */
import cluster, { type Worker } from 'node:cluster';
import fs from 'node:fs';
import { pino } from 'pino';
import { attachClusterMetrics } from '../../src/server/workers/cluster-metrics.js';
import { ipcPeerLink } from '../../src/server/workers/ipc-peer-link.js';
import { runPrimary } from '../../src/server/workers/primary.js';
import { WORKER_SLOT_ENV } from '../../src/server/workers/worker-messages.js';
import { acquireDirLock } from '../../src/store/lmdb/dir-lock.js';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { DEFAULT_CONFIG, type ServerConfig } from '../../src/config/config.js';
import { startServer } from '../../src/server/server.js';
import type { ItemWrite } from '../../src/store/store.js';
import { gridItem, logPk, logSk, msgPk, msgSk, valueOf, wideSk, type ItemName, type PreloadSpec } from '../dataset.js';
import type { ChildReply, ChildRequest } from './k2v-ipc.js';

interface ChildConfig {
  readonly dataDir: string;
  readonly adminToken: string;
  readonly mapSizeBytes: number;
  readonly logLevel: string;
  /** PostgreSQL instead of LMDB (bench/workloads/postgres.ts); several children may share it. */
  readonly postgresUrl?: string;
  readonly workers?: number;
}

const BATCH = 5_000;
const IN_FLIGHT = 4;

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? '{}') as ChildConfig;
  const workers = cfg.workers ?? 1;
  if (workers > 1 && cluster.isPrimary) return relayToWorkers(cfg, workers);
  const slot = cluster.isWorker ? Number(process.env[WORKER_SLOT_ENV]) : undefined;
  const config: ServerConfig = {
    ...DEFAULT_CONFIG,
    dataDir: cfg.dataDir,
    k2vBind: '127.0.0.1:0',
    adminBind: '127.0.0.1:0',
    adminToken: cfg.adminToken,
    logLevel: cfg.logLevel,
    mapSizeBytes: cfg.mapSizeBytes,
    ...(cfg.postgresUrl === undefined ? {} : { dbEngine: 'postgres' as const, postgresUrl: cfg.postgresUrl }),
    // Every benchmark connection comes from 127.0.0.1 (10 000 idle polls at once): lift the
    // transport caps meant for untrusted clients (README "Limits").
    connections: { ...DEFAULT_CONFIG.connections, maxConnections: 1_000_000, maxConnectionsPerIp: 0 },
  };
  const server = await startServer(
    config,
    undefined,
    slot === undefined ? {} : { worker: { slot, peers: ipcPeerLink(), runsGc: slot === 0 }, clusterMetrics: (m) => attachClusterMetrics(m) },
  );
  const store = server.store;
  let commitTimes = new Map<string, bigint>();
  let profiler: Session | undefined;
  const recorders: (() => void)[] = [];

  const handle = async (req: ChildRequest): Promise<unknown> => {
    switch (req.op) {
      case 'preload': {
        const t0 = process.hrtime.bigint();
        const items = await preload(req.bucketId, req.spec);
        return { items, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
      }
      case 'tokens':
        return Promise.all(
          req.items.map(async (it) => {
            const item = await store.getItem(req.bucketId, it.pk, it.sk);
            return item === undefined ? '' : item.causalityToken();
          }),
        );
      case 'stats':
        return {
          waiters: server.polls.size,
          rss: process.memoryUsage().rss,
          heapUsed: process.memoryUsage().heapUsed,
          // LmdbStore's count of committed write transactions (not part of the Store port).
          commits: (store as { commitCount?: number }).commitCount ?? 0,
          hrtimeAtStart: (process.hrtime.bigint() - BigInt(Math.round(performance.now() * 1e6))).toString(),
        };
      case 'gc':
        (globalThis as { gc?: () => void }).gc?.();
        return {};
      case 'recordCommits':
        // Subscribed before any watcher of the partition, so it runs first when a change is published.
        recorders.push(
          store.subscribe(
            req.bucketId,
            req.pk,
            (c) => {
              commitTimes.set(`${c.pk}\n${c.sk}`, process.hrtime.bigint());
            },
            () => undefined,
          ),
        );
        return {};
      case 'commitTimes': {
        const out = Object.fromEntries([...commitTimes].map(([k, t]) => [k, t.toString()]));
        commitTimes = new Map();
        return out;
      }
      case 'stopRecording':
        for (const r of recorders.splice(0)) r();
        return {};
      case 'profileStart':
        profiler ??= new Session();
        profiler.connect();
        await post(profiler, 'Profiler.enable');
        await post(profiler, 'Profiler.setSamplingInterval', { interval: req.intervalUs });
        await post(profiler, 'Profiler.start');
        return {};
      case 'profileStop': {
        if (profiler === undefined) return {};
        const { profile } = (await post(profiler, 'Profiler.stop')) as { profile: unknown };
        writeFileSync(req.file, JSON.stringify(profile));
        profiler.disconnect();
        return {};
      }
    }
  };

  async function preload(bucketId: string, spec: PreloadSpec): Promise<number> {
    const names = function* (): Generator<{ name: ItemName; i: number }> {
      if (spec.layout === 'grid') {
        for (let i = spec.from; i < spec.to; i++) yield { name: gridItem(i), i };
      } else if (spec.layout === 'wide') {
        for (let i = 0; i < spec.items; i++) yield { name: { pk: spec.pk, sk: wideSk(i) }, i };
      } else {
        for (let m = 0; m < spec.mailboxes; m++) {
          for (let r = 0; r < spec.rows; r++) yield { name: { pk: logPk(m), sk: logSk(r) }, i: r };
          for (let r = 0; r < spec.rows; r++) yield { name: { pk: msgPk(m), sk: msgSk(r) }, i: r };
        }
      }
    };
    const inFlight = new Set<Promise<void>>();
    let batch: ItemWrite[] = [];
    let total = 0;
    const flush = async () => {
      const writes = batch;
      batch = [];
      const p = store.write(bucketId, writes).finally(() => inFlight.delete(p));
      inFlight.add(p);
      if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
    };
    for (const { name, i } of names()) {
      batch.push({ pk: name.pk, sk: name.sk, ct: undefined, value: valueOf(i) });
      total++;
      if (batch.length === BATCH) await flush();
    }
    if (batch.length > 0) await flush();
    await Promise.all(inFlight);
    return total;
  }

  process.on('message', (msg: ChildRequest & { id: number }) => {
    // Workers also hear the primary's own messages (change events, metrics).
    if (typeof (msg as { op?: unknown }).op !== 'string') return;
    handle(msg).then(
      (result) => process.send?.({ id: msg.id, ok: true, result } satisfies ChildReply),
      (err: unknown) => process.send?.({ id: msg.id, ok: false, error: String((err as Error)?.stack ?? err) } satisfies ChildReply),
    );
  });
  const stop = () => {
    for (const r of recorders.splice(0)) r();
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('disconnect', stop);
  process.send?.({ ready: true, k2v: server.k2v, admin: server.admin, pid: process.pid, slot });
  // For the primary's 'every worker listens' (runPrimary).
  if (slot !== undefined) process.send?.({ k2v: 'ready' });
}

/** The cluster primary: the orchestrator's requests go to worker 0, its answers come back. */
async function relayToWorkers(cfg: ChildConfig, workers: number): Promise<void> {
  fs.mkdirSync(cfg.dataDir, { recursive: true });
  const lock = acquireDirLock(cfg.dataDir);
  let first: Worker | undefined;
  let firstReady: unknown;
  let listening = 0;
  const toFirst: unknown[] = [];
  cluster.on('message', (w, m: { ready?: boolean; slot?: number; id?: number; k2v?: string }) => {
    if (m.ready === true) {
      if (m.slot === 0) {
        first = w;
        firstReady = m;
        for (const q of toFirst.splice(0)) w.send(q as object);
      }
      // Ready for the orchestrator once every worker listens.
      if (++listening === workers) process.send?.(firstReady);
    } else if (w === first && typeof m.id === 'number' && m.k2v === undefined) {
      process.send?.(m);
    }
  });
  process.on('message', (m: unknown) => {
    if (first === undefined) toFirst.push(m);
    else first.send(m as object);
  });
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  const code = await runPrimary({ workers, lock, log: pino({ level: cfg.logLevel }).child({ worker: 'primary' }), announce: false });
  process.exit(code);
}

function post(session: Session, method: string, params?: object): Promise<unknown> {
  return new Promise((resolve, reject) => {
    session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`k2v bench child: ${String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
});
