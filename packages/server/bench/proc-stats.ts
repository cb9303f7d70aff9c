/**
 * Resident memory and CPU time of another process, read from /proc (Linux), so the server is
 * measured from outside without instrumenting it.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let clockTicks: number | undefined;

/** Kernel clock ticks per second (`getconf CLK_TCK`, 100 on every common Linux). */
export function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

function statusField(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return m === null ? 0 : Number(m[1]) * 1024;
}

/** Resident set size in bytes (VmRSS): heap and stacks, plus the pages of mapped files in RAM. */
export function rssBytes(pid: number): number {
  return statusField(pid, 'VmRSS');
}

/**
 * Anonymous resident memory (RssAnon): what the process allocated itself, without the LMDB
 * file's pages that happen to be mapped in (those are page cache, shared and reclaimable).
 */
export function rssAnonBytes(pid: number): number {
  return statusField(pid, 'RssAnon');
}

/** User + system CPU time consumed so far, in seconds (all threads). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces and parentheses: fields are counted after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / ticksPerSecond();
}

/** Measures a process's CPU use over `fn` (or a plain wait), as a percentage of one core. */
export class CpuMeter {
  private readonly cpu0: number;
  private readonly t0: bigint;

  constructor(private readonly pid: number) {
    this.cpu0 = cpuSeconds(pid);
    this.t0 = process.hrtime.bigint();
  }

  /** Percent of one core since construction. */
  percent(): number {
    const wall = Number(process.hrtime.bigint() - this.t0) / 1e9;
    return wall <= 0 ? 0 : ((cpuSeconds(this.pid) - this.cpu0) / wall) * 100;
  }
}

interface MachineTimes {
  readonly busy: number;
  readonly steal: number;
  readonly total: number;
}

/** Whole-machine CPU times from /proc/stat, in ticks (all cores). */
function machineTimes(): MachineTimes {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number) as number[];
  const busy = user! + nice! + system! + irq! + softirq!;
  return { busy, steal: steal!, total: busy + idle! + iowait! + steal! };
}

/**
 * Whole-machine CPU use over an interval, in percent of one core (so 200 = both cores of a
 * 2-core machine busy), to see what else ran while a server was measured.
 */
export class MachineMeter {
  private readonly t0 = machineTimes();
  private readonly wall0 = process.hrtime.bigint();

  read(): { busyPct: number; stealPct: number } {
    const t = machineTimes();
    const seconds = Number(process.hrtime.bigint() - this.wall0) / 1e9;
    const perSecond = (ticks: number) => (seconds <= 0 ? 0 : (ticks / ticksPerSecond() / seconds) * 100);
    return { busyPct: perSecond(t.busy - this.t0.busy), stealPct: perSecond(t.steal - this.t0.steal) };
  }
}

/**
 * CPU time of a short-lived child (the load generator), sampled until it exits: /proc/<pid>
 * disappears with the process, so the last sample (at most `everyMs` before the exit) is kept.
 */
export function sampleCpu(pid: number, everyMs = 200): { stop(): number } {
  const start = safeCpu(pid) ?? 0;
  let last = start;
  const timer = setInterval(() => {
    last = safeCpu(pid) ?? last;
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      last = safeCpu(pid) ?? last;
      return last - start;
    },
  };
}

function safeCpu(pid: number): number | undefined {
  try {
    return cpuSeconds(pid);
  } catch {
    return undefined;
  }
}

/**
 * CPU of a process and its children over a run, percent of one core: a PostgreSQL cluster
 * (postmaster and every backend, background workers included), or a `k2v server --workers N`
 * (the primary and its workers). Children come and go (backends with their connections, a
 * restarted worker), so they are sampled every `everyMs`; a child's CPU is counted from its first
 * sample (0 if it was born during the run) to its last.
 */
export class TreeCpuMeter {
  private readonly first = new Map<number, number>();
  private readonly last = new Map<number, number>();
  private readonly timer: NodeJS.Timeout;
  private readonly t0 = process.hrtime.bigint();

  constructor(private readonly root: number, everyMs = 200) {
    for (const [pid, cpu] of this.scan()) {
      this.first.set(pid, cpu);
      this.last.set(pid, cpu);
    }
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  private sample(): void {
    for (const [pid, cpu] of this.scan()) {
      if (!this.first.has(pid)) this.first.set(pid, 0);
      this.last.set(pid, cpu);
    }
  }

  private *scan(): Generator<[number, number]> {
    const ticks = ticksPerSecond();
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      const pid = Number(d);
      let stat: string;
      try {
        stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      } catch {
        continue;
      }
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (pid !== this.root && Number(fields[1]) !== this.root) continue;
      yield [pid, (Number(fields[11]) + Number(fields[12])) / ticks];
    }
  }

  percent(): number {
    clearInterval(this.timer);
    this.sample();
    const wall = Number(process.hrtime.bigint() - this.t0) / 1e9;
    let cpu = 0;
    for (const [pid, end] of this.last) cpu += end - (this.first.get(pid) ?? 0);
    return wall <= 0 ? 0 : (cpu / wall) * 100;
  }
}
