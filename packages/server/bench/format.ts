/**
 * Number formatting and small helpers shared by the report's tables.
 */
import type { Measured } from './workloads/drive.js';

export const MB = 2 ** 20;
export const f0 = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '–' : Math.round(n).toLocaleString('en-US'));
export const f1 = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(1));
export const f2 = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(2));
export const ms = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '–' : n < 10 ? n.toFixed(2) : n.toFixed(1));
export const mb = (bytes: number | undefined) => (bytes === undefined ? '–' : f0(bytes / MB));
export const cpus = (m: Measured | undefined) => (m === undefined ? '–' : `${f0(m.cpuPct)} / ${f0(m.loaderCpuPct)} / ${f0(m.otherCpuPct)}`);
export const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? undefined : a / b);


/** The run with the median req/s. */
export function medianRun(runs: readonly Measured[]): Measured | undefined {
  if (runs.length === 0) return undefined;
  return [...runs].sort((a, b) => a.rps - b.rps)[Math.floor((runs.length - 1) / 2)];
}
