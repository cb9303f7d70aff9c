/**
 * The benchmark's throwaway PostgreSQL cluster (test/support/pg-cluster.ts: initdb in a temporary
 * directory, a free port, fsync and synchronous_commit on, Debian's binaries), one database for
 * the K2V servers and one for pgbench, the reference measured against the same cluster in the
 * same run. If the cluster cannot start, this throws: the benchmark fails, it never skips.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { pgBinDir, startPgCluster, type PgCluster } from '../../test/support/pg-cluster.js';
import { sampleCpu } from '../proc-stats.js';

const run = promisify(execFile);

/**
 * Seconds added to pgbench's -T for opening its connections (one backend forked per client: about
 * 1 s for 32 on the loaded 2-core machine, more at times); pgbench's tps leaves that time out, its
 * CPU figures do not.
 */
const CONNECT_ALLOWANCE_S = 3;

export interface PgbenchResult {
  readonly tps: number;
  readonly latencyAvgMs: number;
  readonly transactions: number;
  readonly failed: number;
  /** pgbench's own CPU, percent of one core. */
  readonly loaderCpuPct: number;
  /** pgbench's "initial connection time". */
  readonly connectMs: number;
}

export class PgClusterTarget {
  private constructor(
    private readonly cluster: PgCluster,
    /** URL of the K2V servers' database. */
    readonly k2vUrl: string,
    readonly pgbenchDb: string,
    readonly version: string,
    readonly statements: boolean,
  ) {}

  /** `statements`: load pg_stat_statements (with --profile), to see what the K2V servers ask. */
  static async start(o: { statements: boolean }): Promise<PgClusterTarget> {
    const cluster = await startPgCluster({
      conf: [
        // The test clusters' 32 MB holds 100 000 items and pgbench's scale 1; more for bigger runs.
        'shared_buffers = 256MB',
        ...(o.statements ? ["shared_preload_libraries = 'pg_stat_statements'", 'pg_stat_statements.track = all'] : []),
      ],
    });
    try {
      const k2vUrl = await cluster.createDatabase('k2v_bench');
      await cluster.createDatabase('pgbench_ref');
      const { stdout } = await run(path.join(pgBinDir(), 'pgbench'), ['--version']);
      const t = new PgClusterTarget(cluster, k2vUrl, 'pgbench_ref', stdout.trim(), o.statements);
      if (o.statements) await t.sql('k2v_bench', 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      return t;
    } catch (err) {
      await cluster.destroy();
      throw err;
    }
  }

  /** The postmaster's pid (first line of postmaster.pid): every backend is its child. */
  get postmasterPid(): number {
    return Number(readFileSync(path.join(this.cluster.dataDir, 'postmaster.pid'), 'utf8').split('\n', 1)[0]);
  }

  private pgbenchArgs(): string[] {
    return ['-h', '127.0.0.1', '-p', String(this.cluster.port), '-U', 'k2v'];
  }

  /** `pgbench -i -s scale` (scale 1 = 100 000 accounts), then a VACUUM ANALYZE as -i does. */
  async initPgbench(scale: number): Promise<number> {
    const t0 = process.hrtime.bigint();
    await run(path.join(pgBinDir(), 'pgbench'), [...this.pgbenchArgs(), '-i', '-q', '-s', String(scale), this.pgbenchDb], { timeout: 600_000 });
    return Number(process.hrtime.bigint() - t0) / 1e9;
  }

  /**
   * One pgbench run: `-S` (select-only) or `-N` (simple-update: UPDATE an account, SELECT it,
   * INSERT a history row, one durable commit), prepared statements (as the K2V servers' driver
   * sends them), `clients` connections on one thread (as the single wrk thread of the K2V runs).
   */
  async pgbench(mode: '-S' | '-N', clients: number, seconds: number): Promise<PgbenchResult> {
    // -T counts from before the connections are opened; tps is over the time after them.
    const total = Math.max(1, Math.round(seconds)) + CONNECT_ALLOWANCE_S;
    const args = [...this.pgbenchArgs(), mode, '-M', 'prepared', '-n', '-c', String(clients), '-j', '1', '-T', String(total), this.pgbenchDb];
    const { stdout, cpuSeconds, wallSeconds } = await capture(path.join(pgBinDir(), 'pgbench'), args);
    const num = (re: RegExp, what: string): number => {
      const m = re.exec(stdout);
      if (m === null) throw new Error(`pgbench printed no ${what}: ${stdout}`);
      return Number(m[1]);
    };
    const failed = /number of failed transactions: (\d+)/.exec(stdout);
    return {
      tps: num(/tps = ([\d.]+) \(without initial connection time\)/, 'tps'),
      latencyAvgMs: num(/latency average = ([\d.]+) ms/, 'latency'),
      transactions: num(/number of transactions actually processed: (\d+)/, 'transaction count'),
      failed: failed === null ? 0 : Number(failed[1]),
      loaderCpuPct: (cpuSeconds / wallSeconds) * 100,
      connectMs: num(/initial connection time = ([\d.]+) ms/, 'connection time'),
    };
  }

  async sql(db: string, text: string): Promise<Record<string, unknown>[]> {
    const u = new URL(this.k2vUrl);
    u.pathname = `/${db}`;
    const c = postgres(u.toString(), { max: 1, onnotice: () => {} });
    try {
      return [...(await c.unsafe(text))] as Record<string, unknown>[];
    } finally {
      await c.end();
    }
  }

  /** The K2V servers' statements by total time since the last reset (pg_stat_statements). */
  async topStatements(limit = 12): Promise<string> {
    if (!this.statements) return '';
    const rows = await this.sql(
      'k2v_bench',
      `SELECT calls, round(total_exec_time::numeric, 1) AS total_ms, round(mean_exec_time::numeric * 1000, 1) AS mean_us, rows,
              regexp_replace(query, '\\s+', ' ', 'g') AS query
         FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
         ORDER BY total_exec_time DESC LIMIT ${limit}`,
    );
    return rows.map((r) => `${r['calls']} calls, ${r['total_ms']} ms total, ${r['mean_us']} µs mean, ${r['rows']} rows: ${String(r['query']).slice(0, 300)}`).join('\n');
  }

  async resetStatements(): Promise<void> {
    if (this.statements) await this.sql('k2v_bench', 'SELECT pg_stat_statements_reset()');
  }

  destroy(): Promise<void> {
    return this.cluster.destroy();
  }
}

function capture(cmd: string, args: string[]): Promise<{ stdout: string; cpuSeconds: number; wallSeconds: number }> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = execFile(cmd, args, { maxBuffer: 16 * 2 ** 20 }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`));
      else resolve({ stdout, cpuSeconds, wallSeconds: Number(process.hrtime.bigint() - t0) / 1e9 });
    });
    const cpu = child.pid === undefined ? undefined : sampleCpu(child.pid);
    let cpuSeconds = 0;
    child.on('exit', () => {
      cpuSeconds = cpu?.stop() ?? 0;
    });
  });
}
