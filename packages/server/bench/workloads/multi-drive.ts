/**
 * One measured run over several K2V servers at once (the PostgreSQL backend: several servers on
 * one database). wrk takes one URL and a signed request names its Host, so each server gets its
 * own request file and its own load generator, the connections split between them; all run at
 * once, after a warm-up of all at once. CPU is read for every K2V server, for the whole
 * PostgreSQL cluster, for the loaders and for the rest of the machine.
 */
import path from 'node:path';
import { runLoad } from '../load/run-load.js';
import type { RequestFile } from '../load/request-file.js';
import { CpuMeter, MachineMeter, TreeCpuMeter } from '../proc-stats.js';
import type { DriveOptions, MeasuredServer } from './drive.js';

export interface Leg {
  readonly server: MeasuredServer;
  readonly file: RequestFile;
  readonly connections: number;
}

export interface MultiMeasured {
  readonly servers: number;
  readonly connections: number;
  readonly requests: number;
  readonly rps: number;
  readonly itemsPerS: number;
  /** The legs' p50s weighted by their requests (each leg's clients see about the same). */
  readonly p50Ms: number;
  /** The worst leg's p99 (an upper bound of the whole run's). */
  readonly p99Ms: number;
  readonly errors: number;
  readonly wraps: number;
  /** Every K2V server together, percent of one core. */
  readonly k2vCpuPct: number;
  readonly pgCpuPct: number;
  readonly loaderCpuPct: number;
  readonly otherCpuPct: number;
  readonly stealPct: number;
}

/** Splits `total` connections over `n` servers (the first ones get the remainder). */
export function split(total: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.floor(total / n) + (i < total % n ? 1 : 0));
}

export async function driveMany(o: DriveOptions, legs: readonly Leg[], postmasterPid: number, profileName?: string): Promise<MultiMeasured> {
  const offsets = legs.map(() => 0);
  if (o.warmupS > 0) {
    const warm = await Promise.all(
      legs.map((l) => runLoad({ tool: o.tool, target: l.server.target, file: l.file, connections: l.connections, threads: o.threads, durationS: o.warmupS })),
    );
    warm.forEach((w, i) => (offsets[i] = (w.requests + legs[i]!.connections) % legs[i]!.file.count));
  }
  await Promise.all(legs.map((l) => l.server.profiler?.start()));
  const cpus = legs.map((l) => new CpuMeter(l.server.pid));
  const pg = new TreeCpuMeter(postmasterPid);
  const machine = new MachineMeter();
  const runs = await Promise.all(
    legs.map((l, i) =>
      runLoad({ tool: o.tool, target: l.server.target, file: l.file, connections: l.connections, threads: o.threads, durationS: o.durationS, offset: offsets[i]! }),
    ),
  );
  const k2vCpuPct = cpus.reduce((s, c) => s + c.percent(), 0);
  const pgCpuPct = pg.percent();
  const m = machine.read();
  await Promise.all(legs.map((l, i) => l.server.profiler?.stop(`${profileName ?? path.basename(l.file.path, '.req')}-server${i + 1}`)));
  const requests = runs.reduce((s, r) => s + r.requests, 0);
  const rps = runs.reduce((s, r) => s + r.rps, 0);
  const loaderCpuPct = runs.reduce((s, r) => s + r.loaderCpuPct, 0);
  const itemsPerS = runs.reduce((s, r, i) => s + r.rps * legs[i]!.file.itemsPerRequest, 0);
  return {
    servers: legs.length,
    connections: legs.reduce((s, l) => s + l.connections, 0),
    requests,
    rps,
    itemsPerS,
    p50Ms: requests === 0 ? 0 : runs.reduce((s, r) => s + r.p50Ms * r.requests, 0) / requests,
    p99Ms: Math.max(...runs.map((r) => r.p99Ms)),
    errors: runs.reduce((s, r) => s + r.errors, 0),
    wraps: runs.reduce((s, r, i) => s + (legs[i]!.file.replayable ? 0 : r.wraps), 0),
    k2vCpuPct,
    pgCpuPct,
    loaderCpuPct,
    otherCpuPct: Math.max(0, m.busyPct - k2vCpuPct - pgCpuPct - loaderCpuPct),
    stealPct: m.stealPct,
  };
}
