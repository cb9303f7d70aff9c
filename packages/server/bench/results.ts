/**
 * The benchmark's results as measured: what run-all.ts fills in and report.ts and
 * report-targets.ts read (kept apart from both so neither imports the other's model).
 */
import type { Baseline } from './baseline.js';
import type { MachineInfo } from './machine.js';
import type { Options } from './options.js';
import type { Measured } from './workloads/drive.js';
import type { MixResult } from './workloads/mix.js';
import type { ChurnResult, IdlePollsResult, WakeupResult } from './workloads/polls.js';
import type { PostgresResult } from './workloads/postgres.js';

export interface ThroughputRow {
  readonly workload: string;
  /** The bare server, measured just before this row's K2V run. */
  readonly bare?: Measured | undefined;
  readonly k2v: Measured | undefined;
  readonly etcdLabel?: string;
  readonly etcd?: Measured | undefined;
}

export interface ScaleRow {
  readonly items: number;
  readonly readItem?: Measured;
  readonly insertItem?: Measured;
  readonly preloadSeconds: number;
}

export interface Results {
  readonly started: Date;
  readonly machine: MachineInfo;
  readonly opts: Options;
  /** Every measurement of the bare server (one before each throughput workload). */
  readonly bareRuns: Measured[];
  readonly rows: ThroughputRow[];
  readonly idle: IdlePollsResult[];
  wakeup?: WakeupResult;
  /** The same, PollRange watching a range of `--wide-range` items. */
  wakeupWide?: WakeupResult;
  churn?: ChurnResult;
  mix?: MixResult;
  mixBare?: Measured | undefined;
  readonly scale: ScaleRow[];
  /** One and two K2V servers on PostgreSQL, pgbench beside them (bench/workloads/postgres.ts). */
  postgres?: PostgresResult;
  /** ReadItem and InsertItem of the last results file, for the metrics comparison. */
  baseline?: Baseline | undefined;
  readonly notes: string[];
}
