/**
 * The composition root: config -> store -> K2V and admin listeners; lifecycle and shutdown.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { createAdminHandler } from '../admin/admin-server.js';
import type { ServerConfig } from '../config/config.js';
import { createK2vHandler } from '../http/dispatch.js';
import { PollRegistry } from '../http/poll-registry.js';
import { openLmdbStore } from '../store/lmdb/open-lmdb-store.js';
import { parseBindAddress } from './bind-address.js';
import { healthCheck } from './health.js';
import { createGuardedServer } from './http-guards.js';
import { createServerMetrics } from './metrics.js';
import type { BoundAddress, RunningServer } from './running-server.js';

/** A start-up failure the CLI reports as one clear line (exit 1). */
export class StartupError extends Error {
  override name = 'StartupError';
}

export async function startServer(config: ServerConfig, logger?: Logger): Promise<RunningServer> {
  const log = logger ?? pino({ level: config.logLevel });
  const k2vBind = parseBindAddress(config.k2vBind, 'K2V');
  const adminBind = parseBindAddress(config.adminBind, 'admin');
  const metrics = createServerMetrics();
  const store = await openLmdbStore({
    dataDir: config.dataDir,
    mapSizeBytes: config.mapSizeBytes,
    tombstoneGcDelayMs: config.tombstoneGcDelayMs,
    maxValuesPerItem: config.limits.maxValuesPerItem,
    logger: log,
    observer: metrics.store,
  });
  const polls = new PollRegistry();
  metrics.trackPolls(() => polls.size);
  const k2vHandler = createK2vHandler({ store, region: config.region, limits: config.limits, polls, logger: log, observer: metrics.k2v });
  const adminHandler = createAdminHandler({
    store,
    adminToken: config.adminToken,
    region: config.region,
    logger: log,
    observer: metrics.admin,
    metrics,
    metricsToken: config.metricsToken,
    health: healthCheck(store, config.dataDir),
  });
  const k2vServer = createGuardedServer(k2vHandler, config.connections, config.region, log, 'K2V');
  const adminServer = createGuardedServer(adminHandler, config.connections, config.region, log, 'admin');
  metrics.trackListener('k2v', k2vServer);
  metrics.trackListener('admin', adminServer);
  let k2v: BoundAddress;
  let admin: BoundAddress;
  try {
    k2v = await listen(k2vServer, k2vBind.host, k2vBind.port, 'K2V');
    admin = await listen(adminServer, adminBind.host, adminBind.port, 'admin');
  } catch (err) {
    k2vServer.close();
    adminServer.close();
    await store.close();
    throw err;
  }
  log.info({ k2v: `${k2v.host}:${k2v.port}`, admin: `${admin.host}:${admin.port}`, dataDir: config.dataDir }, 'k2v server listening');

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      const stopped = Promise.all([closeServer(k2vServer), closeServer(adminServer)]);
      // Waiting polls are answered 304 so clients re-issue them elsewhere or later.
      polls.closeAll();
      k2vServer.closeIdleConnections();
      adminServer.closeIdleConnections();
      await stopped;
      await store.close();
      log.info('k2v server stopped');
    })();
    return closing;
  };
  return { k2v, admin, store, polls, close };
}

function listen(server: Server, host: string, port: number, what: string): Promise<BoundAddress> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      const reason =
        err.code === 'EADDRINUSE'
          ? 'the address is already in use'
          : err.code === 'EACCES'
            ? 'permission denied'
            : err.code === 'EADDRNOTAVAIL'
              ? 'the address is not available on this machine'
              : err.message;
      reject(new StartupError(`cannot listen for the ${what} API on ${host}:${port}: ${reason}`));
    };
    const onListening = () => {
      server.off('error', onError);
      const a = server.address() as AddressInfo;
      resolve({ host: a.address, port: a.port });
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/** Stops accepting; resolves when every in-flight request has been answered. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
