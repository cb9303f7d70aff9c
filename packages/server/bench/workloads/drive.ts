/**
 * One measured run: a warm-up on the first records of a request file (JIT, caches, page cache),
 * then the measured run on the records after it, while the server process's CPU time is read
 * from /proc; its RSS is read at the end.
 */
import path from 'node:path';
import { MachineMeter, rssBytes, TreeCpuMeter } from '../proc-stats.js';
import { runLoad, type LoadResult, type LoadTool } from '../load/run-load.js';
import type { RequestFile } from '../load/request-file.js';
import type { Target } from '../sign.js';

export interface DriveOptions {
  readonly tool: LoadTool;
  readonly connections: number;
  readonly threads: number;
  readonly durationS: number;
  readonly warmupS: number;
}

/** Profiles the server over a measured run (the K2V server with --profile). */
export interface Profiler {
  start(): Promise<void>;
  /** `name` names the profile file (the request file's name). */
  stop(name: string): Promise<void>;
}

export interface MeasuredServer {
  readonly pid: number;
  readonly target: Target;
  readonly profiler?: Profiler | undefined;
}

export interface Measured extends LoadResult {
  readonly itemsPerS: number;
  /** Server CPU, percent of one core, over the measured run. */
  readonly cpuPct: number;
  /**
   * CPU used by everything but the server and the load generator during the run (other
   * processes on a shared machine), percent of one core; high values mean a disturbed figure.
   */
  readonly otherCpuPct: number;
  /** CPU stolen by the hypervisor from this virtual machine, percent of one core. */
  readonly stealPct: number;
  readonly rssBytes: number;
  /** Records consumed (warm-up + run), to size the next file or offset. */
  readonly consumed: number;
}

export async function drive(o: DriveOptions, server: MeasuredServer, file: RequestFile): Promise<Measured> {
  let offset = 0;
  if (o.warmupS > 0) {
    const warm = await runLoad({ tool: o.tool, target: server.target, file, connections: o.connections, threads: o.threads, durationS: o.warmupS });
    // Requests in flight when the warm-up stopped were sent too: skip them as well.
    offset = (warm.requests + o.connections) % file.count;
  }
  await server.profiler?.start();
  // The primary and its workers with --workers N (one process without).
  const cpu = new TreeCpuMeter(server.pid);
  const machine = new MachineMeter();
  const r = await runLoad({
    tool: o.tool,
    target: server.target,
    file,
    connections: o.connections,
    threads: o.threads,
    durationS: o.durationS,
    offset,
  });
  const cpuPct = cpu.percent();
  const m = machine.read();
  await server.profiler?.stop(path.basename(file.path, '.req'));
  return {
    ...r,
    otherCpuPct: Math.max(0, m.busyPct - cpuPct - r.loaderCpuPct),
    stealPct: m.stealPct,
    itemsPerS: r.rps * file.itemsPerRequest,
    wraps: file.replayable ? 0 : r.wraps,
    cpuPct,
    rssBytes: rssBytes(server.pid),
    consumed: offset + r.requests + o.connections,
  };
}
