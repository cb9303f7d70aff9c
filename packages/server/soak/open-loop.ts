/**
 * Open-loop load: operations are started at a fixed rate whatever the latency (a slower server
 * shows as latency and in-flight operations, not as less load, unlike a closed loop), with a cap
 * on operations in flight beyond which the due ones are skipped and counted.
 */
import { sleep } from '../test/support/server-process.js';
import type { IntervalStats, StatsHolder } from './stats.js';
import { REQUESTS_PER_OP, type Workload } from './workload.js';

export interface OpenLoopOptions {
  readonly workload: Workload;
  readonly stats: StatsHolder;
  /** HTTP requests per second to aim at. */
  readonly requestsPerSecond: number;
  readonly seconds: number;
  readonly reportSeconds: number;
  readonly maxInFlight: number;
  /** Called at the end of each interval with its figures and the operations in flight. */
  readonly onInterval: (s: IntervalStats, inFlight: number) => Promise<void>;
}

export interface OpenLoopTotals {
  requests: number;
  errors: number;
  pollAnswers: number;
  pollTimeouts: number;
  /** Operations not started because too many were in flight. */
  skipped: number;
  readonly errorSamples: Map<string, string>;
}

export async function runOpenLoop(o: OpenLoopOptions): Promise<OpenLoopTotals> {
  const totals: OpenLoopTotals = { requests: 0, errors: 0, pollAnswers: 0, pollTimeouts: 0, skipped: 0, errorSamples: new Map() };
  const opsPerSecond = o.requestsPerSecond / REQUESTS_PER_OP;
  const start = Date.now();
  const end = start + o.seconds * 1000;
  let nextReport = start + o.reportSeconds * 1000;
  let issued = 0;
  const inFlight = new Set<Promise<void>>();
  const close = async () => {
    const s = o.stats.rotate();
    add(totals, s);
    await o.onInterval(s, inFlight.size);
  };
  o.stats.rotate();
  while (Date.now() < end) {
    const due = Math.floor(((Date.now() - start) / 1000) * opsPerSecond) - issued;
    for (let i = 0; i < due; i++) {
      issued++;
      if (inFlight.size >= o.maxInFlight) {
        totals.skipped++;
        continue;
      }
      const p: Promise<void> = o.workload.op().finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    if (Date.now() >= nextReport) {
      nextReport += o.reportSeconds * 1000;
      await close();
    }
    await sleep(5);
  }
  await Promise.all([...inFlight]);
  await close();
  return totals;
}

function add(t: OpenLoopTotals, s: IntervalStats): void {
  t.requests += s.ops;
  t.errors += s.errors;
  t.pollAnswers += s.pollAnswers;
  t.pollTimeouts += s.pollTimeouts;
  for (const [k, v] of s.errorSamples) if (!t.errorSamples.has(k)) t.errorSamples.set(k, v);
}
