/**
 * K2V_TEST_WORKERS=N (N > 1): the e2e harness runs each test server as N worker processes over
 * one LMDB data dir (worker-cluster-main.ts), so any suite runs against `--workers N`. The
 * handle looks like startServer()'s RunningServer: addresses, close(), and the polls held, read
 * from `/metrics` (every worker's polls, summed) by `clusterPollCount` (e2e/support-http.ts
 * openWaiters), while `polls.size` is only the last count read (0 once closed); `store` is not
 * reachable from the test process (a suite that needs it runs with one process).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ServerConfig } from '../../src/config/config.js';
import type { RunningServer } from '../../src/server/running-server.js';
import { freePort } from './server-process.js';

const MAIN = fileURLToPath(new URL('./worker-cluster-main.js', import.meta.url));

/** The number of workers the run asks for; 1: servers run in the test process. */
export function testWorkers(): number {
  const n = Number(process.env['K2V_TEST_WORKERS'] ?? '1');
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`K2V_TEST_WORKERS=${process.env['K2V_TEST_WORKERS']} is not a number of workers`);
  return n;
}

const freshCounts = new WeakMap<RunningServer, () => Promise<number>>();

/**
 * The polls held by every worker of a cluster started here, from a scrape that starts now: it
 * counts every poll that was answered or held before the call (a worker updates its gauge before
 * it answers). Undefined for a server of the test process (its `polls.size` is current).
 */
export function clusterPollCount(server: RunningServer): Promise<number> | undefined {
  return freshCounts.get(server)?.();
}

export async function startWorkerCluster(base: ServerConfig, workers: number): Promise<RunningServer> {
  const k2vPort = await freePort();
  const adminPort = await freePort();
  const config: ServerConfig = { ...base, workers, k2vBind: `127.0.0.1:${k2vPort}`, adminBind: `127.0.0.1:${adminPort}` };
  const child = spawn(process.execPath, [MAIN], { env: { ...process.env, K2V_TEST_CONFIG: JSON.stringify(config) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const exited = new Promise<number | string>((resolve) => child.on('close', (c, s) => resolve(c ?? s ?? 'unknown')));
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 30_000;
  while (!out.includes('every worker listens')) {
    if (gone || Date.now() > deadline) throw new Error(`worker cluster did not start; stderr: ${err} stdout: ${out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const scrape = async (): Promise<number> => {
    const headers: Record<string, string> = config.metricsToken === undefined ? {} : { authorization: `Bearer ${config.metricsToken}` };
    const res = await fetch(`http://127.0.0.1:${adminPort}/metrics`, { headers });
    const text = await res.text();
    const m = /^k2v_polls_held (\d+)/m.exec(text);
    if (m === null) throw new Error(`/metrics has no k2v_polls_held: ${res.status} ${text.slice(0, 200)}`);
    return Number(m[1]);
  };
  // No scraping in the background: each scrape counts in the metrics a suite checks.
  let polls = 0;
  const fresh = async (): Promise<number> => (polls = await scrape());
  let closing: Promise<void> | undefined;
  const handle: RunningServer = {
    k2v: { kind: 'tcp', host: '127.0.0.1', port: k2vPort },
    admin: { kind: 'tcp', host: '127.0.0.1', port: adminPort },
    console: undefined,
    get store(): never {
      throw new Error('K2V_TEST_WORKERS: the store lives in the worker processes');
    },
    polls: {
      get size() {
        return polls;
      },
    },
    close() {
      closing ??= (async () => {
        if (!gone) child.kill('SIGTERM');
        const code = await exited;
        polls = 0; // every worker has exited: it holds no poll
        if (code !== 0) throw new Error(`worker cluster exited ${code}; stderr: ${err}`);
      })();
      return closing;
    },
    reloadTls: () => Promise.reject(new Error('K2V_TEST_WORKERS: no TLS reload')),
  };
  freshCounts.set(handle, fresh);
  return handle;
}
