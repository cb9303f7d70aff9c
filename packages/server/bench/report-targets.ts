/**
 * The issue's targets, checked against one run's results: met, missed (and by how much), or not
 * measured in this run.
 */
import { f0, f1, f2, MB, medianRun, ms, ratio } from './format.js';
import { postgresTargets } from './report-postgres.js';
import type { Results, ScaleRow } from './results.js';
import type { TargetCheck } from './target-check.js';

const byName = (r: Results, name: string) => r.rows.find((x) => x.workload === name);

export function targetChecks(r: Results): TargetCheck[] {
  const out: TargetCheck[] = [];
  const ratioCheck = (name: string, minBare: number, minEtcd: number) => {
    const row = byName(r, name);
    const rb = ratio(row?.k2v?.rps, (row?.bare ?? medianRun(r.bareRuns))?.rps);
    const re = ratio(row?.k2v?.rps, row?.etcd?.rps);
    out.push({ target: `${name} >= ${minBare.toFixed(2)} x bare`, measured: rb === undefined ? 'not measured' : `${f2(rb)} x`, met: rb === undefined ? undefined : rb >= minBare });
    out.push({
      target: `${name} >= ${minEtcd} x etcd`,
      measured: re === undefined ? 'not measured (no etcd)' : `${f2(re)} x`,
      met: re === undefined ? undefined : re >= minEtcd,
    });
  };
  ratioCheck('ReadItem', 0.6, 3);
  ratioCheck('InsertItem', 0.3, 2);
  const ib = byName(r, 'InsertBatch')?.k2v?.itemsPerS;
  out.push({ target: 'InsertBatch >= 300 000 items/s', measured: ib === undefined ? 'not measured' : `${f0(ib)} items/s`, met: ib === undefined ? undefined : ib >= 300_000 });
  const rb = byName(r, 'ReadBatch')?.k2v?.itemsPerS;
  out.push({ target: 'ReadBatch >= 1 000 000 items/s', measured: rb === undefined ? 'not measured' : `${f0(rb)} items/s`, met: rb === undefined ? undefined : rb >= 1_000_000 });
  for (const idle of r.idle) {
    const delta = (idle.held.rssAnonBytes - idle.base.rssAnonBytes) / MB;
    const scaled = (delta * 10_000) / Math.max(1, idle.polls);
    const all = idle.registered >= idle.polls;
    const missing = all ? '' : `; only ${idle.registered} of ${idle.polls} held`;
    out.push({
      target: `${f0(idle.polls)} idle ${idle.kind}: < 150 MB RSS above idle (per 10 000)`,
      measured: `${f1(delta)} MB${idle.polls === 10_000 ? '' : ` (${f1(scaled)} MB per 10 000)`}${missing}`,
      met: all && scaled < 150,
    });
    out.push({
      target: `${f0(idle.polls)} idle ${idle.kind}: < 2 % CPU`,
      measured: `${f2(idle.held.cpuPct)} %${missing}`,
      met: all && idle.held.cpuPct < 2,
    });
  }
  if (r.wakeup !== undefined) {
    out.push({ target: 'wake-up commit -> response p99 < 5 ms', measured: `${ms(r.wakeup.p99Ms)} ms`, met: r.wakeup.p99Ms < 5 });
  }
  if (r.wakeupWide !== undefined) {
    out.push({
      target: `wake-up p99 < 5 ms, PollRange over ${f0(r.wakeupWide.rangeItems)} items`,
      measured: `${ms(r.wakeupWide.p99Ms)} ms`,
      met: r.wakeupWide.p99Ms < 5,
    });
  }
  const s1 = r.scale.find((s) => s.items === 1_000_000);
  const s10 = r.scale.find((s) => s.items === 10_000_000);
  for (const [what, get] of [
    ['ReadItem', (s: ScaleRow) => s.readItem?.rps],
    ['InsertItem', (s: ScaleRow) => s.insertItem?.rps],
  ] as const) {
    const a = s1 === undefined ? undefined : get(s1);
    const b = s10 === undefined ? undefined : get(s10);
    const drop = a === undefined || b === undefined ? undefined : 1 - b / a;
    out.push({
      target: `${what} 1 M -> 10 M drop < 25 %`,
      measured: drop === undefined ? 'not measured (run with --scale-10m)' : `${f1(drop * 100)} %`,
      met: drop === undefined ? undefined : drop < 0.25,
    });
  }
  out.push(...postgresTargets(r));
  return out;
}

