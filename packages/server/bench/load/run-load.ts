/**
 * Drives one server with one request file: `wrk` when installed (C, epoll, costs the servers
 * least), else node-loader.ts in its own process. Same connections and duration for every target.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sampleCpu } from '../proc-stats.js';
import type { Target } from '../sign.js';
import type { LoaderOutput } from './node-loader.js';
import type { RequestFile } from './request-file.js';

export type LoadTool = 'wrk' | 'node';

export interface LoadOptions {
  readonly tool: LoadTool;
  readonly target: Target;
  readonly file: RequestFile;
  readonly connections: number;
  readonly durationS: number;
  /** wrk threads (the node loader is one process). */
  readonly threads: number;
  /** First record to send (records before it were used by a warm-up). */
  readonly offset?: number;
}

export interface LoadResult {
  readonly requests: number;
  readonly seconds: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Responses with status >= 400, plus socket errors and timeouts. */
  readonly errors: number;
  /** Times the file was replayed from its start again. */
  readonly wraps: number;
  /** The load generator's own CPU, percent of one core. */
  readonly loaderCpuPct: number;
}

// bench/load/replay.lua, from dist/bench/load/run-load.js
const LUA = fileURLToPath(new URL('../../../bench/load/replay.lua', import.meta.url));
const NODE_LOADER = fileURLToPath(new URL('./node-loader.js', import.meta.url));

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  return o.tool === 'wrk' ? runWrk(o) : runNodeLoader(o);
}

async function runWrk(o: LoadOptions): Promise<LoadResult> {
  const threads = Math.max(1, Math.min(o.threads, o.connections));
  const args = [
    `-t${threads}`,
    `-c${o.connections}`,
    // wrk takes whole seconds only.
    `-d${Math.max(1, Math.round(o.durationS))}s`,
    '--timeout',
    '30s',
    '-s',
    LUA,
    `http://${o.target.host}:${o.target.port}`,
    '--',
    o.file.path,
    String(o.offset ?? 0),
    String(threads),
  ];
  const { out, cpuSeconds } = await capture('wrk', args);
  const j = parseJsonLine(out, 'wrk') as {
    requests: number;
    duration_us: number;
    p50_us: number;
    p99_us: number;
    errors_connect: number;
    errors_read: number;
    errors_write: number;
    errors_status: number;
    errors_timeout: number;
    wraps: number;
  };
  const seconds = j.duration_us / 1e6;
  return {
    requests: j.requests,
    seconds,
    rps: j.requests / seconds,
    p50Ms: j.p50_us / 1000,
    p99Ms: j.p99_us / 1000,
    errors: j.errors_connect + j.errors_read + j.errors_write + j.errors_status + j.errors_timeout,
    wraps: j.wraps,
    loaderCpuPct: (cpuSeconds / seconds) * 100,
  };
}

async function runNodeLoader(o: LoadOptions): Promise<LoadResult> {
  const { out, cpuSeconds } = await capture(process.execPath, [
    NODE_LOADER,
    o.target.host,
    String(o.target.port),
    o.file.path,
    String(o.connections),
    String(Math.round(o.durationS * 1000)),
    String(o.offset ?? 0),
  ]);
  const j = parseJsonLine(out, 'node loader') as LoaderOutput;
  const seconds = j.durationUs / 1e6;
  return {
    requests: j.requests,
    seconds,
    rps: j.requests / seconds,
    p50Ms: j.p50Us / 1000,
    p99Ms: j.p99Us / 1000,
    errors: j.errorsStatus + j.errorsSocket,
    wraps: j.wraps,
    loaderCpuPct: (cpuSeconds / seconds) * 100,
  };
}

/** Runs the load generator; its output and (sampled) CPU time. */
function capture(cmd: string, args: string[]): Promise<{ out: string; cpuSeconds: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const cpu = child.pid === undefined ? undefined : sampleCpu(child.pid);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    // Sampled at exit, before the process is reaped ('close' comes after the pipes are drained).
    let cpuSeconds = 0;
    child.on('exit', () => {
      cpuSeconds = cpu?.stop() ?? 0;
    });
    child.on('close', (code) => {
      if (code === 0) resolve({ out: stdout, cpuSeconds });
      else reject(new Error(`${cmd} exited with ${code}: ${stderr.trim() || stdout.trim()}`));
    });
  });
}

function parseJsonLine(out: string, what: string): unknown {
  const line = out.split('\n').find((l) => l.startsWith('BENCH_JSON '));
  if (line === undefined) throw new Error(`${what} printed no result: ${out.trim()}`);
  return JSON.parse(line.slice('BENCH_JSON '.length)) as unknown;
}
