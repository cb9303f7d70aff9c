/**
 * The composition root: config -> store -> K2V and admin listeners; lifecycle and shutdown.
 */
import type { Server } from 'node:http';
import { pino, type Logger } from 'pino';
import { createAdminHandler } from '../admin/admin-server.js';
import type { ServerConfig } from '../config/config.js';
import { parseBindAddress } from '../config/bind-address.js';
import { createK2vHandler } from '../http/dispatch.js';
import { PollRegistry } from '../http/poll-registry.js';
import { createGuardedServer } from './http-guards.js';
import { keyLimitsProblem } from './key-limits.js';
import { formatBound, listen } from './listen.js';
import { openStore, storageOf } from './open-store.js';
import { StartupError } from './startup-error.js';
import type { BoundAddress, RunningServer } from './running-server.js';

export async function startServer(config: ServerConfig, logger?: Logger): Promise<RunningServer> {
  const log = logger ?? pino({ level: config.logLevel });
  const k2vBind = parseBindAddress(config.k2vBind, 'K2V');
  const adminBind = parseBindAddress(config.adminBind, 'admin');
  const store = await openStore(storageOf(config), {
    tombstoneGcDelayMs: config.tombstoneGcDelayMs,
    maxValuesPerItem: config.limits.maxValuesPerItem,
    logger: log,
  });
  const limitsProblem = keyLimitsProblem(config.limits, store.keyLimits);
  if (limitsProblem !== undefined) {
    await store.close();
    throw new StartupError(limitsProblem);
  }
  const polls = new PollRegistry();
  const k2vHandler = createK2vHandler({ store, region: config.region, limits: config.limits, polls, logger: log });
  const adminHandler = createAdminHandler({ store, adminToken: config.adminToken, region: config.region, logger: log });
  const k2vServer = createGuardedServer(k2vHandler, config.connections, config.region, log, 'K2V');
  const adminServer = createGuardedServer(adminHandler, config.connections, config.region, log, 'admin');
  let k2v: BoundAddress;
  let admin: BoundAddress;
  try {
    k2v = await listen(k2vServer, k2vBind, 'K2V', log, 0o222);
    admin = await listen(adminServer, adminBind, 'admin', log, 0o220);
  } catch (err) {
    k2vServer.close();
    adminServer.close();
    await store.close();
    throw err;
  }
  log.info({ k2v: formatBound(k2v), admin: formatBound(admin), dbEngine: config.dbEngine, dataDir: config.dbEngine === 'lmdb' ? config.dataDir : undefined }, 'k2v server listening');

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

/** Stops accepting; resolves when every in-flight request has been answered. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
