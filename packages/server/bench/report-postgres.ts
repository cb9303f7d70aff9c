/**
 * The report's PostgreSQL section and issue 11's targets for it: K2V servers on one PostgreSQL
 * database against pgbench on the same cluster, measured in the same run.
 */
import { f0, f1, f2, ms, ratio } from './format.js';
import type { Results } from './results.js';
import type { TargetCheck } from './target-check.js';
import type { MultiMeasured } from './workloads/multi-drive.js';
import type { PgbenchMeasured, PostgresResult } from './workloads/postgres.js';

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

const row = (p: PostgresResult, workload: string, servers: number): MultiMeasured | undefined =>
  p.rows.find((x) => x.workload === workload && x.m.servers === servers)?.m;

export function renderPostgres(r: Results): string[] {
  const p = r.postgres;
  if (p === undefined) return [];
  const out: string[] = [];
  out.push(`## PostgreSQL: K2V servers on one database, pgbench on the same cluster`);
  out.push('');
  out.push(
    `${p.version}; a throwaway cluster (fsync on, synchronous_commit on, shared_buffers 256 MB); ${f0(p.items)} items preloaded through the store in ${f1(p.preloadSeconds)} s; pgbench's own database at scale ${p.pgbenchScale} (${f0(p.pgbenchScale * 100_000)} accounts, initialised in ${f1(p.pgbenchInitSeconds)} s), \`-M prepared\`, ${r.opts.connections} clients on 1 thread. Through two servers the load generator runs twice, half the connections each.`,
  );
  out.push('');
  const pgRow = (label: string, b: PgbenchMeasured | undefined): string[] => [
    label,
    '–',
    f0(b?.tps),
    '–',
    b === undefined ? '–' : `avg ${ms(b.latencyAvgMs)}`,
    '–',
    b === undefined ? '–' : `– / ${f0(b.pgCpuPct)} / ${f0(b.loaderCpuPct)} / ${f0(b.otherCpuPct)}`,
    '1.00',
    '–',
  ];
  const k2vRow = (label: string, workload: string, servers: number, ref: PgbenchMeasured | undefined): string[] => {
    const m = row(p, workload, servers);
    const one = servers > 1 ? row(p, workload, 1) : undefined;
    return [
      label,
      String(servers),
      f0(m?.rps),
      m === undefined || m.itemsPerS === m.rps ? '–' : f0(m.itemsPerS),
      ms(m?.p50Ms),
      ms(m?.p99Ms),
      m === undefined ? '–' : `${f0(m.k2vCpuPct)} / ${f0(m.pgCpuPct)} / ${f0(m.loaderCpuPct)} / ${f0(m.otherCpuPct)}`,
      ref === undefined ? '–' : f2(ratio(m?.rps, ref.tps)),
      one === undefined ? '–' : f2(ratio(m?.rps, one.rps)),
    ];
  };
  out.push(
    table(
      ['workload', 'K2V servers', 'req/s (tps)', 'items/s', 'p50 ms', 'p99 ms', 'CPU % K2V / PostgreSQL / loader / other', 'x pgbench', 'x one server'],
      [
        pgRow('pgbench -S (select-only)', p.selectOnly),
        k2vRow('ReadItem', 'ReadItem', 1, p.selectOnly),
        k2vRow('ReadItem', 'ReadItem', 2, p.selectOnly),
        k2vRow('ReadBatch (100 items)', 'ReadBatch', 1, undefined),
        k2vRow('ReadBatch (100 items)', 'ReadBatch', 2, undefined),
        pgRow('pgbench -N (simple-update, durable)', p.simpleUpdate),
        k2vRow('InsertItem (durable)', 'InsertItem', 1, p.simpleUpdate),
        k2vRow('InsertItem (durable)', 'InsertItem', 2, p.simpleUpdate),
      ],
    ),
  );
  out.push('');
  out.push(
    'p50 through two servers is the two loaders\' p50s weighted by requests, p99 the worse of the two; pgbench reports only its average latency. CPU: every K2V server together, the whole cluster (postmaster and backends), the load generator(s), everything else on the machine.',
  );
  out.push('');
  return out;
}

export function postgresTargets(r: Results): TargetCheck[] {
  const p = r.postgres;
  if (p === undefined) return [];
  const check = (target: string, x: number | undefined, min: number): TargetCheck => ({
    target,
    measured: x === undefined ? 'not measured' : `${f2(x)} x`,
    met: x === undefined ? undefined : x >= min,
  });
  return [
    check('PostgreSQL: durable InsertItem through 2 servers >= 1.0 x pgbench -N tps', ratio(row(p, 'InsertItem', 2)?.rps, p.simpleUpdate?.tps), 1.0),
    check('PostgreSQL: ReadItem through 2 servers >= 0.5 x pgbench -S tps', ratio(row(p, 'ReadItem', 2)?.rps, p.selectOnly?.tps), 0.5),
    check('PostgreSQL: ReadItem, 2 servers >= 1.6 x 1 server', ratio(row(p, 'ReadItem', 2)?.rps, row(p, 'ReadItem', 1)?.rps), 1.6),
  ];
}
