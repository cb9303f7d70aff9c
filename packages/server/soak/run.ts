/**
 * Soak test (`npm run soak -- --minutes 10`), not part of CI: the real server in a child process,
 * a mixed read/write load (workload.ts) plus long pollers (pollers.ts) at a fraction (default
 * 80 %) of the maximum measured first on this machine, for a configurable time. Reports errors
 * (expected: none), throughput and latency per interval, and the server's memory at the start
 * and the end of the soak (expected drift: under 10 %). Exit code 1 if an expectation fails.
 *
 * Phases: preload the key space; calibrate (closed loop, as fast as possible); warm up at the
 * target rate until the data file and the map have reached their working size (memory.ts says
 * why RSS depends on it); soak at the target rate. Memory drift is measured over the soak.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Rng, seedFrom } from '../test/support/rng.js';
import { createTenant, freePort, ServerProcess, sleep } from '../test/support/server-process.js';
import { SignedClient } from '../test/support/signed-client.js';
import { sampleMemory, type MemorySample } from './memory.js';
import { runOpenLoop, type OpenLoopTotals } from './open-loop.js';
import { pollItemLoop, pollRangeLoop, type PollerOptions } from './pollers.js';
import { mib, pct, StatsHolder, type IntervalStats } from './stats.js';
import { Workload } from './workload.js';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    load: { type: 'string', default: '0.8' },
    'calibrate-seconds': { type: 'string', default: '20' },
    'warmup-seconds': { type: 'string', default: '60' },
    'report-seconds': { type: 'string', default: '15' },
    workers: { type: 'string', default: '32' },
    pollers: { type: 'string', default: '16' },
    'range-pollers': { type: 'string', default: '4' },
    'poll-timeout': { type: 'string', default: '10' },
    partitions: { type: 'string', default: '50' },
    items: { type: 'string', default: '200' },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

const USAGE = `npm run soak -- [options]
  --minutes 10            soak duration (after calibration and warm-up)
  --load 0.8              fraction of the measured maximum to run at
  --calibrate-seconds 20  closed-loop measurement of the maximum
  --warmup-seconds 60     at the target rate, before memory is sampled
  --report-seconds 15     interval of the throughput lines
  --workers 32            concurrent clients while calibrating
  --pollers 16            PollItem loops on the hot items
  --range-pollers 4       PollRange loops on the hot partition
  --poll-timeout 10       poll timeout, seconds
  --partitions 50 --items 200   key space (items per partition)
  --json FILE             also write the figures as JSON
Replay a run's operation sequence with K2V_SOAK_SEED=<seed>.
`;

if (args.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

function num(name: keyof typeof args): number {
  const n = Number(args[name]);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number\n${USAGE}`);
  return n;
}

const MAX_IN_FLIGHT = 1024;
const MEMORY_DRIFT_LIMIT = 0.1;

function log(line: string): void {
  process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
}

function memLine(m: MemorySample): string {
  return `RSS ${mib(m.rss)} MiB (anonymous ${mib(m.anon)} MiB), data.mdb ${mib(m.dataFile)} MiB in ${m.mappings} mappings`;
}

interface Row {
  phase: string;
  t: number;
  rate: number;
  p50: number;
  p99: number;
  errors: number;
  pollAnswers: number;
  pollTimeouts: number;
  inFlight: number;
  memory: MemorySample;
}

async function main(): Promise<number> {
  const seed = seedFrom('K2V_SOAK_SEED');
  const rng = new Rng(seed);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'k2v-soak-'));
  const server = new ServerProcess({
    dataDir,
    k2vPort: await freePort(),
    adminPort: await freePort(),
    adminToken: randomBytes(16).toString('hex'),
  });
  const clients: SignedClient[] = [];
  try {
    await server.waitHealthy();
    const tenant = await createTenant(server.opts.adminPort, server.opts.adminToken, `soak-${randomBytes(4).toString('hex')}`);
    // Sockets stay well under the server's per-address connection cap (README "Limits"): more
    // requests than sockets wait in the agent's queue, as in any pooled client.
    const client = new SignedClient({ url: server.k2vUrl, ...tenant, maxSockets: 128 });
    const pollClient = new SignedClient({ url: server.k2vUrl, ...tenant, maxSockets: num('pollers') + num('range-pollers') + 8 });
    clients.push(client, pollClient);
    const stats = new StatsHolder();
    const keys = { partitions: num('partitions'), itemsPerPartition: num('items') };
    const workload = new Workload(client, tenant.bucket, keys, rng, stats.get);
    log(`seed ${seed}; server pid ${server.pid}, data dir ${dataDir}`);
    log(`preloading ${keys.partitions} x ${keys.itemsPerPartition} items`);
    await workload.preload();

    let polling = true;
    const pollerOpts: PollerOptions = {
      client: pollClient,
      bucket: tenant.bucket,
      rng,
      stats: stats.get,
      timeoutSeconds: num('poll-timeout'),
      running: () => polling,
    };
    const pollers = [
      ...Array.from({ length: num('pollers') }, () => pollItemLoop(pollerOpts)),
      ...Array.from({ length: num('range-pollers') }, () => pollRangeLoop(pollerOpts)),
    ];

    const max = await calibrate(workload, stats, num('workers'), num('calibrate-seconds'));
    const target = num('load') * max;
    const rows: Row[] = [];
    const soakLoop = async (phase: string, seconds: number): Promise<OpenLoopTotals> => {
      const t0 = Date.now();
      return runOpenLoop({
        workload,
        stats,
        requestsPerSecond: target,
        seconds,
        reportSeconds: num('report-seconds'),
        maxInFlight: MAX_IN_FLIGHT,
        onInterval: async (s: IntervalStats, inFlight: number) => {
          const row = intervalRow(phase, Math.round((Date.now() - t0) / 1000), s, inFlight, await sampleMemory(server.pid, dataDir));
          rows.push(row);
          printRow(row);
        },
      });
    };

    log(`warm-up: ${num('warmup-seconds')} s at ${target.toFixed(0)} requests/s (${(num('load') * 100).toFixed(0)} % of the maximum)`);
    printHeader();
    const warm = await soakLoop('warm-up', num('warmup-seconds'));
    const memStart = await sampleMemory(server.pid, dataDir);
    log(`soak: ${num('minutes')} min at ${target.toFixed(0)} requests/s; server ${memLine(memStart)}`);
    printHeader();
    const soak = await soakLoop('soak', num('minutes') * 60);
    const memEnd = await sampleMemory(server.pid, dataDir);
    polling = false;
    const problems = server.problems().map((e) => e.raw);
    // A graceful stop answers the waiting polls with 304.
    const exit = await server.kill('SIGTERM');
    await Promise.allSettled(pollers);

    const rssDrift = memEnd.rss / memStart.rss - 1;
    const anonDrift = memEnd.anon / memStart.anon - 1;
    const seconds = num('minutes') * 60;
    const errors = warm.errors + soak.errors;
    const summary = {
      seed,
      minutes: num('minutes'),
      maxRequestsPerSecond: Math.round(max),
      targetRequestsPerSecond: Math.round(target),
      achievedRequestsPerSecond: Math.round(soak.requests / seconds),
      requests: soak.requests,
      warmupRequests: warm.requests,
      errors,
      skippedOperations: warm.skipped + soak.skipped,
      polls: { answered: soak.pollAnswers, timedOut: soak.pollTimeouts },
      memory: { start: memStart, end: memEnd, rssDrift, anonDrift },
      serverWarningLines: problems.length,
      serverExit: exit,
      intervals: rows,
      errorSamples: Object.fromEntries([...warm.errorSamples, ...soak.errorSamples]),
    };
    if (args.json !== undefined) await writeFile(args.json, JSON.stringify(summary, null, 2));
    log(
      `done: ${num('minutes')} min, ${soak.requests} requests (${summary.achievedRequestsPerSecond}/s, target ${summary.targetRequestsPerSecond}/s, ` +
        `max ${summary.maxRequestsPerSecond}/s), ${errors} errors (warm-up included), ${summary.skippedOperations} operations skipped (too many in flight), ` +
        `polls ${soak.pollAnswers} answered / ${soak.pollTimeouts} timed out`,
    );
    log(`memory at the start of the soak: ${memLine(memStart)}`);
    log(`memory at the end of the soak:   ${memLine(memEnd)}`);
    log(`drift: RSS ${pct(rssDrift)}, anonymous ${pct(anonDrift)}; server exit ${exit}, ${problems.length} warning/error log lines`);
    for (const [k, v] of Object.entries(summary.errorSamples)) log(`error sample: ${k} -> ${v}`);
    for (const p of problems.slice(0, 10)) log(`server log: ${p.slice(0, 300)}`);
    const ok = errors === 0 && Math.abs(rssDrift) < MEMORY_DRIFT_LIMIT && exit === 0 && problems.length === 0;
    log(ok ? 'PASS' : 'FAIL');
    return ok ? 0 : 1;
  } finally {
    for (const c of clients) c.close();
    if (server.exitCode() === undefined) await server.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Closed loop with `workers` clients: the request rate the server (and this client) can reach. */
async function calibrate(workload: Workload, stats: StatsHolder, workers: number, seconds: number): Promise<number> {
  log(`calibrating: ${workers} concurrent clients for ${seconds} s (after 3 s of warm-up)`);
  let running = true;
  const loops = Array.from({ length: workers }, async () => {
    while (running) await workload.op();
  });
  await sleep(3_000);
  stats.rotate();
  await sleep(seconds * 1000);
  const s = stats.rotate();
  const max = s.rate();
  running = false;
  await Promise.all(loops);
  log(`maximum: ${max.toFixed(0)} requests/s (p50 ${s.percentile(50).toFixed(1)} ms, p99 ${s.percentile(99).toFixed(1)} ms, ${s.errors} errors)`);
  for (const [k, v] of s.errorSamples) log(`error sample: ${k} -> ${v}`);
  if (s.errors > 0) throw new Error('errors while calibrating');
  return max;
}

function intervalRow(phase: string, t: number, s: IntervalStats, inFlight: number, memory: MemorySample): Row {
  return {
    phase,
    t,
    rate: Math.round(s.rate()),
    p50: s.percentile(50),
    p99: s.percentile(99),
    errors: s.errors,
    pollAnswers: s.pollAnswers,
    pollTimeouts: s.pollTimeouts,
    inFlight,
    memory,
  };
}

function printHeader(): void {
  log('    time   req/s   p50 ms   p99 ms  errors  polls 200/304  in-flight  RSS MiB  anon MiB  data.mdb MiB');
}

function printRow(r: Row): void {
  log(
    `${String(r.t).padStart(6)} s ${String(r.rate).padStart(7)} ${r.p50.toFixed(1).padStart(8)} ${r.p99.toFixed(1).padStart(8)} ` +
      `${String(r.errors).padStart(7)} ${`${r.pollAnswers}/${r.pollTimeouts}`.padStart(14)} ${String(r.inFlight).padStart(10)} ` +
      `${mib(r.memory.rss).padStart(8)} ${mib(r.memory.anon).padStart(9)} ${mib(r.memory.dataFile).padStart(13)}`,
  );
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`soak: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
