/**
 * The report's table of ReadItem and InsertItem from this run beside the last results file
 * (baseline.ts): the server always counts its metrics, so this is how their cost on the hot path
 * is shown (issue 10). Server CPU per request is the figure least moved by the machine's other
 * load; req/s and ratios to the bare server are given too.
 */
import { f0, f1, f2, ms } from './format.js';
import type { Results } from './results.js';

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

const usPerRequest = (cpuPct: number | undefined, rps: number | undefined) =>
  cpuPct === undefined || rps === undefined || rps <= 0 ? undefined : (cpuPct / 100 / rps) * 1e6;

export function renderBaseline(r: Results): string[] {
  const b = r.baseline;
  const mine = ['ReadItem', 'InsertItem'].map((w) => ({ w, row: r.rows.find((x) => x.workload === w) })).filter((x) => x.row?.k2v !== undefined);
  if (b === undefined || mine.length === 0) return [];
  const out: string[] = [];
  out.push(`## Metrics on, beside the last results (${b.file})`);
  out.push('');
  out.push(
    `This build always counts its metrics (per-endpoint counters on the request path, commit figures per commit). That run: ${b.settings}. Server CPU per request moves least with the machine's other load; compare with care when "other" differs.`,
  );
  out.push('');
  out.push(
    table(
      ['workload', 'req/s', 'p99 ms', 'server CPU µs / request', 'x bare', 'other CPU %', `${b.file}: req/s`, 'p99 ms', 'server CPU µs / request', 'x bare', 'other CPU %'],
      mine.map(({ w, row }) => {
        const k = row!.k2v!;
        const bareRps = row!.bare?.rps;
        const last = b.rows.find((x) => x.workload === w);
        return [
          w,
          f0(k.rps),
          ms(k.p99Ms),
          f1(usPerRequest(k.cpuPct, k.rps)),
          bareRps === undefined ? '–' : f2(k.rps / bareRps),
          f0(k.otherCpuPct),
          f0(last?.rps),
          ms(last?.p99Ms),
          f1(usPerRequest(last?.cpuPct, last?.rps)),
          f2(last?.xBare),
          f0(last?.otherCpuPct),
        ];
      }),
    ),
  );
  out.push('');
  return out;
}
