/**
 * Counters of a soak interval: operations by kind, errors with a sample of each, and latencies
 * (kept whole: an interval holds at most a few hundred thousand numbers).
 */

export class IntervalStats {
  readonly startedAt = Date.now();
  ops = 0;
  errors = 0;
  pollAnswers = 0;
  pollTimeouts = 0;
  readonly byKind = new Map<string, number>();
  readonly errorSamples = new Map<string, string>();
  private readonly latencies: number[] = [];

  record(kind: string, ms: number): void {
    this.ops++;
    this.byKind.set(kind, (this.byKind.get(kind) ?? 0) + 1);
    this.latencies.push(ms);
  }

  error(kind: string, detail: string): void {
    this.errors++;
    const key = `${kind}: ${detail.slice(0, 60)}`;
    if (!this.errorSamples.has(key)) this.errorSamples.set(key, detail.slice(0, 300));
  }

  /** Latency percentile, ms (0 when nothing was recorded). */
  percentile(p: number): number {
    if (this.latencies.length === 0) return 0;
    const sorted = Float64Array.from(this.latencies).sort();
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
  }

  rate(now = Date.now()): number {
    return this.ops / Math.max(0.001, (now - this.startedAt) / 1000);
  }
}

export function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}

export function pct(x: number): string {
  return `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%`;
}

/** The interval currently collecting figures; `rotate()` closes it and opens the next. */
export class StatsHolder {
  current = new IntervalStats();

  readonly get = (): IntervalStats => this.current;

  rotate(): IntervalStats {
    const done = this.current;
    this.current = new IntervalStats();
    return done;
  }
}
