/**
 * What `k2v server` does: load the configuration (a bad one is one line on stderr, exit 1), start
 * the server, run the first run's set-up, stop on SIGINT/SIGTERM.
 *
 * stdout carries the log (JSON lines); stderr carries what is meant for the person at the
 * terminal: one-line errors, and the first run's credentials, printed once and never logged.
 *
 * With `--workers N` (N > 1, LMDB) this process becomes the cluster primary
 * (server/workers/primary.ts) and each worker runs this same command again: a worker (told by
 * K2V_WORKER_SLOT) serves like a single server on its own node of the store, and its log lines
 * carry `worker: <slot>` (the primary's `worker: "primary"`).
 */
import cluster from 'node:cluster';
import fs from 'node:fs';
import type { Logger } from 'pino';
import type { ServerConfig } from '../config/config.js';
import { ConfigError } from '../config/config-error.js';
import { credentialsPath } from '../config/data-dir-files.js';
import { loadConfig, type LoadedConfig } from '../config/load-config.js';
import { renderConfig } from '../config/render-config.js';
import type { SettingsInput } from '../config/resolve-settings.js';
import { createFirstCredentials, firstCredentialsPending, prepareFirstRun, type AdminTokenOrigin } from '../server/first-run.js';
import { startServer, type ServerRole } from '../server/server.js';
import { acquireDirLock } from '../store/lmdb/dir-lock.js';
import { attachClusterMetrics } from '../server/workers/cluster-metrics.js';
import { ignoreGone, ipcPeerLink } from '../server/workers/ipc-peer-link.js';
import { runPrimary } from '../server/workers/primary.js';
import { WORKER_FIRST_ENV, WORKER_SLOT_ENV, type WorkerMessage } from '../server/workers/worker-messages.js';
import type { RunningServer } from '../server/running-server.js';
import { createLogger } from './logger.js';

function fail(err: unknown): never {
  process.stderr.write(`k2v: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}

function load(input: SettingsInput): LoadedConfig {
  try {
    return loadConfig(input);
  } catch (err) {
    if (err instanceof ConfigError) fail(err);
    throw err;
  }
}

export function checkConfig(input: SettingsInput): void {
  process.stdout.write(renderConfig(load(input)));
}

export async function runServer(input: SettingsInput): Promise<void> {
  const loaded = load(input);
  const slotText = cluster.isWorker ? process.env[WORKER_SLOT_ENV] : undefined;
  if (slotText !== undefined) return runWorker(loaded, Number(slotText));
  const base = await createLogger(loaded.config.logLevel, loaded.config.logFormat);
  if (loaded.config.workers > 1) return startPrimary(loaded, base.child({ worker: 'primary' }));
  for (const n of loaded.notices) base[n.level](n.detail, n.msg);
  await serve(loaded, base, {}, true);
}

/** `--workers N`: this process holds the lock and runs the workers; exits when they are stopped. */
async function startPrimary(loaded: LoadedConfig, log: Logger): Promise<void> {
  const { config } = loaded;
  if (config.dbEngine !== 'lmdb') {
    fail(new Error('--workers (K2V_WORKERS, workers) is for the LMDB engine; over PostgreSQL run several servers instead (docs/postgres.md)'));
  }
  for (const n of loaded.notices) log[n.level](n.detail, n.msg);
  let lock;
  try {
    // Before the workers start: they read the generated admin token from the data dir.
    prepareFirstRun(config);
    fs.mkdirSync(config.dataDir, { recursive: true });
    lock = acquireDirLock(config.dataDir);
  } catch (err) {
    fail(err);
  }
  log.info({ workers: config.workers, dataDir: config.dataDir }, 'starting worker processes');
  const code = await runPrimary({ workers: config.workers, lock, log, announce: true });
  process.exit(code);
}

async function runWorker(loaded: LoadedConfig, slot: number): Promise<void> {
  const log = (await createLogger(loaded.config.logLevel, loaded.config.logFormat)).child({ worker: slot });
  const first = process.env[WORKER_FIRST_ENV] === '1';
  if (first) for (const n of loaded.notices) log[n.level](n.detail, n.msg);
  const role: ServerRole = { worker: { slot, peers: ipcPeerLink(), runsGc: slot === 0 }, clusterMetrics: (m) => attachClusterMetrics(m) };
  await serve(loaded, log, role, first);
  const ready: WorkerMessage = { k2v: 'ready' };
  if (process.connected) process.send?.(ready, undefined, undefined, ignoreGone);
}

/** Starts one server (the only one, or one worker); `announce`: the first run's set-up and lines. */
async function serve(loaded: LoadedConfig, log: Logger, role: ServerRole, announce: boolean): Promise<void> {
  let config = loaded.config;
  let tokenFrom: AdminTokenOrigin = loaded.adminTokenFrom;
  let started: Promise<RunningServer>;
  try {
    const generated = role.worker === undefined ? prepareFirstRun(config) : undefined;
    if (generated !== undefined) {
      config = { ...config, adminToken: generated };
      tokenFrom = 'first run';
    }
    started = startServer(config, log, role);
  } catch (err) {
    fail(err);
  }
  // Before the server listens: a signal during start-up still stops it cleanly.
  const stop = stopOnSignals(started, log, role.worker === undefined);
  if (role.worker !== undefined) {
    // Node's cluster worker calls process.exit() at once on an unexpected disconnect, before any
    // 'disconnect' listener on process runs; that exit hangs for good when an lmdb-js writer
    // thread is waiting for a callback of this thread (Node joins its thread pool at exit; gdb of
    // a worker left behind by crash-workers.test in CI). Marking the disconnect as expected lets
    // the drain below run instead, and it ends with SIGKILL.
    cluster.worker?.once('disconnect', () => {
      cluster.worker!.exitedAfterDisconnect = true;
    });
    // The primary is gone (SIGKILL, crash): nobody relays changes or restarts us; stop serving.
    process.on('disconnect', () => {
      log.error('the primary process is gone: stopping this worker');
      // The drain is bounded like a graceful stop; past that, nothing is waited for.
      setTimeout(() => process.kill(process.pid, 'SIGKILL'), 30_000).unref();
      stop('disconnect');
    });
  }
  let server: RunningServer;
  try {
    server = await started;
  } catch (err) {
    // Start-up failures (port in use, data dir locked, bad address) are one clear line, exit 1.
    fail(err);
  }
  if (!announce) return;
  if (config.adminToken === undefined) {
    log.warn('no admin token (admin_token, --admin-token or K2V_ADMIN_TOKEN): the admin API answers 403 to everything but /health');
  } else if (tokenFrom === 'data dir') {
    log.info({ file: 'admin_token' }, 'admin token: the one generated by the first run, read from the data dir');
  }
  let credentialsFile: string | undefined;
  try {
    credentialsFile = await firstRunCredentials(server, config, tokenFrom, log);
  } catch (err) {
    log.error({ err }, 'first run: could not create the first credentials');
  }
  if (server.console !== undefined) {
    const how = credentialsFile === undefined ? 'the admin token' : 'K2V_ADMIN_TOKEN from that file';
    process.stderr.write(`k2v: web console at ${server.console} (sign in with ${how}, or an access key)\n`);
  }
}

/** Prints the first run's credentials, or where they are kept; returns that file when there is one. */
async function firstRunCredentials(server: RunningServer, config: ServerConfig, tokenFrom: AdminTokenOrigin, log: Logger): Promise<string | undefined> {
  if (firstCredentialsPending(server, config, tokenFrom)) {
    const creds = await createFirstCredentials(server, config);
    log.info({ accessKeyId: creds.accessKeyId, bucket: 'default', file: creds.file }, 'first run: created an admin token, an access key and the bucket "default"');
    process.stderr.write(
      `\nK2V is running. Credentials of this first run (printed once; kept in ${creds.file}, mode 0600):\n\n${creds.exports}\n`,
    );
    return creds.file;
  }
  const file = credentialsPath(config.dataDir);
  if (!fs.existsSync(file)) return undefined;
  process.stderr.write(`k2v: the first run's credentials are in ${file} (source it: . ${file})\n`);
  return file;
}

/**
 * `forceOnSecond`: a second signal exits at once. Not for a worker: a Ctrl-C reaches it from the
 * terminal and again from the primary, and it is stopped, not hurried.
 */
function stopOnSignals(started: Promise<RunningServer>, log: Logger, forceOnSecond: boolean): (why: string) => void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      if (!forceOnSecond) return;
      log.warn({ signal }, 'second signal: exiting at once');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    // A worker whose primary is gone ends with SIGKILL once it has drained: process.exit() was
    // seen to hang for good in that case (Node joins its thread pool at exit, and an lmdb-js
    // writer thread there was waiting for callbacks of the main thread; gdb). Everything
    // acknowledged is durable by then and LMDB needs no clean close; nobody reads the status.
    const exit = (code: number): void => {
      if (signal === 'disconnect') process.kill(process.pid, 'SIGKILL');
      process.exit(code);
    };
    started.then((server) => server.close()).then(
      () => exit(0),
      (err: unknown) => {
        log.error({ err }, 'error during shutdown');
        exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  return stop;
}
