/**
 * The last results file in bench/results/, read back for the report's "beside the last results"
 * table (issue 10: ReadItem and InsertItem with metrics on beside the last results). The server
 * has no way to turn its metrics off (they are plain counters on the request path, exposed by
 * prom-client only when read; server/metrics.ts), so the comparison is with an earlier run.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

export interface BaselineRow {
  readonly workload: string;
  readonly rps: number;
  readonly p99Ms: number;
  /** Server CPU, percent of one core. */
  readonly cpuPct: number;
  readonly otherCpuPct: number;
  /** The ratio to the bare server in that run. */
  readonly xBare: number | undefined;
}

export interface Baseline {
  readonly file: string;
  /** The run's heading (its date and settings line). */
  readonly settings: string;
  readonly rows: readonly BaselineRow[];
}

/** The newest results file by name (names start with the run's date), smoke runs and `exclude` left out. */
export function lastResultsFile(dir: string, exclude: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  const files = readdirSync(dir)
    .filter((f) => /^\d{4}-\d\d-\d\d.*\.md$/.test(f) && !f.includes('smoke') && path.join(dir, f) !== path.resolve(exclude))
    .sort();
  const last = files[files.length - 1];
  return last === undefined ? undefined : path.join(dir, last);
}

const num = (cell: string | undefined): number => Number((cell ?? '').replace(/,/g, '').trim());

/** ReadItem and InsertItem of a results file's throughput table; undefined if it has neither. */
export function readBaseline(file: string): Baseline | undefined {
  const text = readFileSync(file, 'utf8');
  const settings = /^\| settings \| (.*) \|$/m.exec(text)?.[1] ?? '';
  // The throughput section only (the scale and PostgreSQL tables have rows of the same names).
  const section = text.split(/^## /m).find((part) => part.startsWith('Throughput')) ?? '';
  const rows: BaselineRow[] = [];
  for (const workload of ['ReadItem', 'InsertItem']) {
    const line = section.split('\n').find((l) => l.startsWith(`| ${workload} |`));
    if (line === undefined) continue;
    const cells = line.split('|').slice(1, -1);
    const cpu = (cells[6] ?? '').split('/').map(num);
    const xBare = /^\s*([\d.]+)/.exec(cells[7] ?? '')?.[1];
    rows.push({
      workload,
      rps: num(cells[1]),
      p99Ms: num(cells[4]),
      cpuPct: cpu[0] ?? NaN,
      otherCpuPct: cpu[2] ?? NaN,
      xBare: xBare === undefined ? undefined : Number(xBare),
    });
  }
  return rows.length === 0 ? undefined : { file: path.basename(file), settings, rows };
}
