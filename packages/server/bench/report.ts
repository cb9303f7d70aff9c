/**
 * The markdown report of the benchmark's results (results.ts): printed, and written to
 * bench/results/<date>.md. Every figure is also a ratio to references measured in the same run.
 */
import type { Results } from './results.js';
import type { Measured } from './workloads/drive.js';
import { cpus, f0, f1, f2, MB, mb, medianRun, ms, ratio } from './format.js';
import { renderBaseline } from './report-baseline.js';
import { renderPostgres } from './report-postgres.js';
import { targetChecks } from './report-targets.js';

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

export function renderReport(r: Results): string {
  const o = r.opts;
  const out: string[] = [];
  out.push(`# K2V benchmark, ${r.started.toISOString()}${o.smoke ? ' (smoke run: tiny data, figures meaningless)' : ''}`);
  out.push('');
  out.push(
    table(
      ['machine', ''],
      [
        ['CPU', r.machine.cpuModel],
        ['cores', String(r.machine.cores)],
        ['memory', `${r.machine.memoryGiB} GiB`],
        ['Node', r.machine.node],
        ['kernel', r.machine.kernel],
        ['load generator', r.machine.loadGenerator],
        ['peer', r.machine.etcd],
        ['settings', `${o.connections} connections, ${o.durationS} s per run after ${o.warmupS} s warm-up, ${f0(o.items)} items`],
      ],
    ),
  );
  out.push('');
  out.push('## Throughput (32 keep-alive connections unless stated; ratios from this run)');
  out.push('');
  const bare = medianRun(r.bareRuns);
  const rows: string[][] = [];
  if (bare !== undefined) {
    const label = r.bareRuns.length > 1 ? `bare node:http 204 (ceiling; median of ${r.bareRuns.length})` : 'bare node:http 204 (ceiling)';
    rows.push([label, f0(bare.rps), '–', ms(bare.p50Ms), ms(bare.p99Ms), mb(bare.rssBytes), cpus(bare), '1.00', '–', '–', '–', '–']);
  }
  // Each row's ratio is to the ceiling measured just before it (else to the median).
  const xBare = (m: Measured | undefined, adjacent: Measured | undefined) => {
    const ceiling = adjacent ?? bare;
    const x = ratio(m?.rps, ceiling?.rps);
    return x === undefined ? '–' : `${f2(x)} (of ${f0(ceiling?.rps)})`;
  };
  for (const row of r.rows) {
    const k = row.k2v;
    const e = row.etcd;
    rows.push([
      row.workload,
      f0(k?.rps),
      k === undefined || k.itemsPerS === k.rps ? '–' : f0(k.itemsPerS),
      ms(k?.p50Ms),
      ms(k?.p99Ms),
      mb(k?.rssBytes),
      cpus(k),
      xBare(k, row.bare),
      row.etcdLabel ?? '–',
      e === undefined ? '–' : f0(e.rps),
      e === undefined ? '–' : `${ms(e.p50Ms)} / ${ms(e.p99Ms)}`,
      f2(ratio(k?.rps, e?.rps)),
    ]);
  }
  if (r.mix !== undefined) {
    const m = r.mix;
    rows.push([
      `Aerogramme-like mix (${o.mailboxes} mailboxes)`,
      f0(m.rps),
      f0(m.itemsPerS),
      ms(m.p50Ms),
      ms(m.p99Ms),
      mb(m.rssBytes),
      cpus(m),
      xBare(m, r.mixBare),
      '–',
      '–',
      '–',
      '–',
    ]);
  }
  out.push(
    table(
      [
        'workload',
        'req/s',
        'items/s',
        'p50 ms',
        'p99 ms',
        'server RSS MB',
        'CPU % server / loader / other',
        'x bare (bare req/s)',
        'etcd equivalent',
        'etcd req/s',
        'etcd p50 / p99 ms',
        'x etcd',
      ],
      rows,
    ),
  );
  out.push('');
  out.push(
    'CPU is in percent of one core over the measured run: the server process (all threads; with `--workers N`, the primary and its workers), the load generator, and everything else on the machine (other processes: a high figure means the run was disturbed).',
  );
  out.push(
    'The bare server is measured just before each workload, and the etcd equivalent just after it, so each ratio compares runs a few seconds apart.',
  );
  const disturbed = [...r.bareRuns, ...r.rows.flatMap((x) => [x.k2v, x.etcd]), r.mix].filter((m) => m !== undefined && m.otherCpuPct > 25).length;
  if (disturbed > 0) out.push(`**${disturbed} run(s) shared the machine with other work (other > 25 % of a core): compare their ratios with care.**`);
  const beside = renderBaseline(r);
  if (beside.length > 0) out.push('', ...beside);

  if (r.idle.length > 0 || r.wakeup !== undefined || r.wakeupWide !== undefined || r.churn !== undefined) {
    out.push('');
    out.push('## Long polls');
    out.push('');
  }
  if (r.idle.length > 0) {
    out.push(
      table(
        [
          'idle polls',
          'held by the server',
          'RSS idle server MB',
          'RSS with polls MB',
          'anonymous RSS above idle MB',
          'KB per poll',
          'CPU % idle server',
          'CPU % with polls',
          'set-up s',
        ],
        r.idle.map((i) => [
          `${f0(i.polls)} ${i.kind}`,
          f0(i.registered),
          mb(i.base.rssBytes),
          mb(i.held.rssBytes),
          f1((i.held.rssAnonBytes - i.base.rssAnonBytes) / MB),
          f1((i.held.rssAnonBytes - i.base.rssAnonBytes) / 1024 / Math.max(1, i.polls)),
          f2(i.base.cpuPct),
          f2(i.held.cpuPct),
          f1(i.setupSeconds),
        ]),
      ),
    );
    out.push('');
    out.push(
      'Anonymous RSS (RssAnon) leaves out the pages of the LMDB file mapped in memory, which come and go with the page cache; each sample follows a full GC in the server.',
    );
    out.push('');
  }
  const wakeupRows = [r.wakeup, r.wakeupWide].filter((w) => w !== undefined);
  if (wakeupRows.length > 0) {
    out.push(
      table(
        ['wake-up delay, durable commit -> watcher response received', 'p50 ms', 'p99 ms', 'max ms'],
        wakeupRows.map((w) => [
          `${f0(w.wakeups)} wake-ups (${w.watchersPerCommit / 2} PollItem + ${w.watchersPerCommit / 2} PollRange per commit${
            w.rangeItems > 0 ? `, PollRange over ${f0(w.rangeItems)} items` : ''
          })`,
          ms(w.p50Ms),
          ms(w.p99Ms),
          ms(w.maxMs),
        ]),
      ),
    );
    out.push('');
    for (const w of wakeupRows) {
      const slow = w.slowestRounds.map((s) => `round ${s.round}: ${ms(s.maxMs)} ms (commit at ${s.commitAtMs.toFixed(0)} ms of the server's clock)`);
      out.push(
        `Slowest wake-up rounds${w.rangeItems > 0 ? ' (wide range)' : ''}: ${slow.join('; ')}; the rounds' commits ran from ${w.commitsAtMs[0].toFixed(0)} to ${w.commitsAtMs[1].toFixed(0)} ms.`,
      );
    }
    out.push('');
  }
  if (r.churn !== undefined) {
    const c = r.churn;
    out.push(
      table(
        ['abandoned-poll churn', 'waiters before / peak / after', 'RSS before / peak / after MB', 'server CPU %', 'polls aborted'],
        [
          [
            `${f0(c.ratePerS)} PollItem/s aborted and re-issued for ${c.seconds} s`,
            `${c.before.waiters} / ${c.peak.waiters} / ${c.after.waiters}`,
            `${mb(c.before.rssBytes)} / ${mb(c.peak.rssBytes)} / ${mb(c.after.rssBytes)}`,
            f1(c.cpuPct),
            f0(c.aborted),
          ],
        ],
      ),
    );
    out.push('');
  }
  if (r.scale.length > 0) {
    out.push('## Scale: cost as the store grows');
    out.push('');
    const ref = r.scale.find((s) => s.items === 1_000_000) ?? r.scale[r.scale.length - 1];
    out.push(
      table(
        ['items in store', 'ReadItem req/s', 'p99 ms', 'vs 1 M', 'InsertItem req/s', 'p99 ms', 'vs 1 M', 'server RSS MB', 'preload s'],
        r.scale.map((s) => [
          f0(s.items),
          f0(s.readItem?.rps),
          ms(s.readItem?.p99Ms),
          f2(ratio(s.readItem?.rps, ref?.readItem?.rps)),
          f0(s.insertItem?.rps),
          ms(s.insertItem?.p99Ms),
          f2(ratio(s.insertItem?.rps, ref?.insertItem?.rps)),
          mb(s.insertItem?.rssBytes ?? s.readItem?.rssBytes),
          f1(s.preloadSeconds),
        ]),
      ),
    );
    out.push('');
  }
  out.push(...renderPostgres(r));
  out.push('## Targets');
  out.push('');
  out.push(
    table(
      ['target', 'measured', 'met'],
      targetChecks(r).map((t) => [t.target, t.measured, t.met === undefined ? '–' : t.met ? 'yes' : '**no**']),
    ),
  );
  if (r.notes.length > 0) {
    out.push('');
    out.push('## Notes');
    out.push('');
    for (const n of r.notes) out.push(`- ${n}`);
  }
  out.push('');
  return out.join('\n');
}
