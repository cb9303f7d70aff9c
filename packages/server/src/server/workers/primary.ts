/**
 * The primary process of `k2v server --workers N` (node:cluster): it serves nothing itself. It
 * holds the data directory's lock (a second server on the directory is still refused), starts one
 * worker per slot (each a whole server: listeners shared through the primary, its own node of the
 * LMDB store, store/lmdb/node-identity.ts), relays the durable change events of each worker to
 * the others (poll wake-ups), restarts a worker that dies (in the same slot, once the dead one is
 * gone), and on SIGTERM/SIGINT stops every worker (each drains like a single server) and exits 0.
 * A worker that fails before it ever served (port in use, bad TLS files) fails the start: every
 * worker is stopped and the primary exits 1. Workers exit when the primary dies (IPC
 * 'disconnect').
 */
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { DirLock } from '../../store/lmdb/dir-lock.js';
import { MetricsGatherer } from './cluster-metrics.js';
import { parseMessage, WORKER_FIRST_ENV, WORKER_SLOT_ENV } from './worker-messages.js';

/** A worker that dies is started again after this pause (a crash loop must not spin). */
const RESTART_DELAY_MS = 500;
/**
 * A worker still running this long after the stop signal is SIGKILLed (and the exit code is 1):
 * a stuck worker must not keep the primary, the lock and the ports forever. Acknowledged writes
 * are durable; a drain longer than this only cuts the slowest requests short.
 */
const STOP_TIMEOUT_MS = 30_000;

export interface PrimaryOptions {
  readonly workers: number;
  readonly lock: DirLock;
  readonly log: Logger;
  /** Whether slot 0's first worker does the first run's set-up and prints its lines. */
  readonly announce: boolean;
}

export function runPrimary(opts: PrimaryOptions): Promise<number> {
  const { log } = opts;
  const slots = new Map<Worker, number>();
  const gatherer = new MetricsGatherer();
  const ready = new Set<number>();
  let started = false;
  let stopping = false;
  let failedCode = 0;
  let finish: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (finish = resolve));

  const fork = (slot: number, first: boolean): void => {
    const env: Record<string, string> = { [WORKER_SLOT_ENV]: String(slot) };
    if (first && opts.announce) env[WORKER_FIRST_ENV] = '1';
    const w = cluster.fork(env);
    slots.set(w, slot);
    // A send to a worker that is exiting fails with EPIPE, as an 'error' event: unhandled, it
    // would take the primary down. Its 'exit' follows and is what counts.
    w.on('error', (err: unknown) => log.debug({ err, slot }, 'IPC to an exiting worker failed'));
    w.on('message', (m: unknown) => {
      const msg = parseMessage(m);
      if (msg === undefined) return;
      if (msg.k2v === 'ready') {
        ready.add(slot);
        if (!started && ready.size === opts.workers) {
          started = true;
          log.info({ workers: opts.workers }, 'k2v server ready: every worker listens');
        }
        return;
      }
      if (msg.k2v === 'metrics-req') gatherer.request(w, msg.id);
      else if (msg.k2v === 'metrics-part') gatherer.part(msg.id, msg.json);
      else if (msg.k2v === 'changes') for (const other of slots.keys()) if (other !== w && other.isConnected()) other.send(msg);
    });
    w.on('exit', (code, signal) => {
      slots.delete(w);
      ready.delete(slot);
      if (stopping) {
        if (code !== 0) failedCode = 1;
        if (slots.size === 0) end();
        return;
      }
      if (!started) {
        log.error({ slot, code, signal }, 'a worker failed to start: stopping');
        failedCode = 1;
        stopAll('SIGTERM');
        return;
      }
      log.error({ slot, code, signal }, 'worker died: starting it again');
      for (const other of slots.keys()) if (other.isConnected()) other.send({ k2v: 'peer-died' });
      setTimeout(() => {
        if (!stopping) fork(slot, false);
      }, RESTART_DELAY_MS);
    });
  };

  const end = (): void => {
    opts.lock.release();
    log.info('k2v server stopped (every worker)');
    finish(failedCode);
  };

  const stopAll = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    if (slots.size === 0) {
      end();
      return;
    }
    for (const w of slots.keys()) w.process.kill(signal);
    setTimeout(() => {
      for (const [w, slot] of slots) {
        log.error({ slot }, 'worker still stopping after the stop timeout: killing it');
        failedCode = 1;
        w.process.kill('SIGKILL');
      }
    }, STOP_TIMEOUT_MS).unref();
  };

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (++signals > 1) {
      log.warn({ signal }, 'second signal: exiting at once');
      for (const w of slots.keys()) w.process.kill('SIGKILL');
      opts.lock.release();
      process.exit(1);
    }
    log.info({ signal }, 'shutting down: stopping every worker');
    stopAll('SIGTERM');
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));

  for (let slot = 0; slot < opts.workers; slot++) fork(slot, slot === 0);
  return done;
}
