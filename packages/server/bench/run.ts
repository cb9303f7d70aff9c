/**
 * `npm run bench`: starts, on loopback, a bare node:http server (the ceiling), etcd when installed
 * (the peer), and the K2V server on a fresh temporary data dir, each in its own process; drives
 * them with the same load generator, connections and duration; prints a markdown report and
 * writes it to bench/results/<date>.md. See docs/performance.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lastResultsFile, readBaseline } from './baseline.js';
import type { BenchContext } from './context.js';
import { machineInfo, versionOf } from './machine.js';
import { parseOptions } from './options.js';
import { renderReport } from './report.js';
import type { Results } from './results.js';
import { runAll } from './run-all.js';
import { checkPostgresInstalled, runPostgres } from './workloads/postgres.js';
import { killAllChildren } from './targets/child-process.js';
import type { Measured } from './workloads/drive.js';

const RESULTS_DIR = fileURLToPath(new URL('../../bench/results/', import.meta.url));

const t0 = Date.now();
/** Requests that failed in a measured run: the smoke run then fails, so the benchmark cannot rot. */
let errorsSeen = false;
const log = (msg: string) => process.stderr.write(`[bench ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${msg}\n`);

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  if (opts === undefined) return;
  const wrkVersion = versionOf('wrk', ['-v']);
  const tool = opts.loader === 'auto' ? (wrkVersion === undefined ? 'node' : 'wrk') : opts.loader;
  if (tool === 'wrk' && wrkVersion === undefined) throw new Error('--loader wrk: wrk is not installed (apt-get install wrk)');
  if (tool === 'node') log(wrkVersion === undefined ? 'wrk not installed: using the Node load generator (apt-get install wrk for a cheaper one)' : 'using the Node load generator');
  if (opts.only.has('postgres')) checkPostgresInstalled();
  const etcdVersion = opts.etcd ? versionOf('etcd', ['--version']) : undefined;
  if (opts.etcd && etcdVersion === undefined) log('etcd not installed: skipping the peer (apt-get install etcd-server)');

  const root = await mkdtemp(path.join(opts.dataRoot ?? os.tmpdir(), 'k2v-bench-'));
  const filesDir = path.join(root, 'files');
  mkdirSync(filesDir);
  const ctx: BenchContext = {
    opts,
    drive: { tool, connections: opts.connections, threads: opts.threads, durationS: opts.durationS, warmupS: opts.warmupS },
    filesDir,
    log,
  };
  const results: Results = {
    started: new Date(),
    machine: machineInfo(
      tool === 'wrk'
        ? `${(wrkVersion ?? 'wrk').replace(/\s*\[.*$/, '')}, ${opts.threads} thread(s), Lua replay of pre-signed requests`
        : `bench/load/node-loader (${process.version}), replay of pre-signed requests`,
      etcdVersion === undefined ? (opts.etcd ? 'etcd not installed: skipped' : 'etcd disabled (--no-etcd)') : `etcd ${etcdVersion.replace(/^etcd Version:\s*/, '')}, HTTP/JSON gateway`,
    ),
    opts,
    rows: [],
    bareRuns: [],
    idle: [],
    scale: [],
    notes: [],
  };
  const note = (what: string, m: Measured | undefined) => {
    if (m === undefined) return m;
    if (m.errors > 0) {
      errorsSeen = true;
      results.notes.push(`${what}: ${m.errors} errors (status >= 400, socket errors or timeouts) out of ${m.requests} requests.`);
    }
    if (m.wraps > 0) results.notes.push(`${what}: the request file was replayed ${m.wraps} more time(s) (writes then repeat).`);
    return m;
  };
  const failure = (what: string) => {
    errorsSeen = true;
    results.notes.push(what);
  };
  const profileDir = opts.profileDir === undefined ? undefined : path.join(RESULTS_DIR, 'profiles', new Date().toISOString().replace(/[:.]/g, '-'));
  try {
    if ([...opts.only].some((w) => w !== 'postgres')) {
      await runAll(ctx, results, { root, withEtcd: etcdVersion !== undefined, profileDir, note, failure });
    }
    // After the LMDB part, whose servers are stopped by then. If the cluster cannot start, this
    // throws: the run fails, it never skips.
    if (opts.only.has('postgres')) results.postgres = await runPostgres(ctx, { root, profileDir, failure, notes: results.notes });
  } finally {
    killAllChildren();
    if (!opts.keep) await rm(root, { recursive: true, force: true });
    else log(`data kept in ${root}`);
  }
  const out = opts.out ?? path.join(RESULTS_DIR, `${results.started.toISOString().slice(0, 10)}${opts.smoke ? '-smoke' : ''}.md`);
  // `out` itself is left out: it may hold an earlier run of today, about to be overwritten.
  const baselineFile = opts.baseline ?? lastResultsFile(RESULTS_DIR, out);
  results.baseline = baselineFile === undefined ? undefined : readBaseline(baselineFile);
  const report = renderReport(results);
  process.stdout.write(`\n${report}\n`);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, report);
  log(`report written to ${out}`);
  if (opts.smoke && errorsSeen) throw new Error('smoke run: some requests failed (see Notes)');
}

process.on('SIGINT', () => {
  killAllChildren();
  process.exit(130);
});
main().catch((err: unknown) => {
  killAllChildren();
  process.stderr.write(`bench failed: ${String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
});
