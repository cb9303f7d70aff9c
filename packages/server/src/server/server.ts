/**
 * The composition root: config -> store -> K2V and admin listeners; lifecycle and shutdown.
 */
import type { Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { createAdminHandler } from '../admin/admin-server.js';
import type { ServerConfig, TlsFiles } from '../config/config.js';
import type { ConnectionLimits } from '../config/limits.js';
import { createK2vHandler } from '../http/dispatch.js';
import { PollRegistry } from '../http/poll-registry.js';
import { openLmdbStore } from '../store/lmdb/open-lmdb-store.js';
import { parseBindAddress } from './bind-address.js';
import { healthCheck } from './health.js';
import { createGuardedServer } from './http-guards.js';
import { createServerMetrics } from './metrics.js';
import { createSecureListener, type SecureListener } from './secure-server.js';
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
  let k2vListener: Listener;
  let adminListener: Listener;
  try {
    k2vListener = listener(k2vHandler, config.connections, config.region, log, 'K2V', config.k2vTls);
    adminListener = listener(adminHandler, config.connections, config.region, log, 'admin', config.adminTls);
  } catch (err) {
    await store.close();
    throw new StartupError(err instanceof Error ? err.message : String(err));
  }
  const k2vServer = k2vListener.server;
  const adminServer = adminListener.server;
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
  log.info(
    { k2v: `${k2v.host}:${k2v.port}`, admin: `${admin.host}:${admin.port}`, k2vTls: k2vListener.tls, adminTls: adminListener.tls, dataDir: config.dataDir },
    'k2v server listening',
  );

  const reloadTls = async () => {
    for (const [what, l] of [['K2V', k2vListener], ['admin', adminListener]] as const) {
      if (l.reload === undefined) continue;
      try {
        l.reload();
        log.info({ listener: what }, 'TLS certificate and key reloaded');
      } catch (err) {
        log.error({ err, listener: what }, 'TLS reload failed: the previous certificate stays in use');
        throw err;
      }
    }
  };
  // The usual signal for "read your certificates again" (certbot, systemd ExecReload).
  const onHangup = () => void reloadTls().catch(() => undefined);
  const tls = k2vListener.tls || adminListener.tls;
  if (tls) process.on('SIGHUP', onHangup);

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      const stopped = Promise.all([closeServer(k2vServer), closeServer(adminServer)]);
      // Waiting polls are answered 304 so clients re-issue them elsewhere or later.
      if (tls) process.off('SIGHUP', onHangup);
      polls.closeAll();
      k2vListener.closeIdle();
      adminListener.closeIdle();
      await stopped;
      await store.close();
      log.info('k2v server stopped');
    })();
    return closing;
  };
  return { k2v, admin, store, polls, close, reloadTls };
}

/** A listener as the composition root drives it, plain or TLS. */
interface Listener {
  readonly server: Server;
  readonly tls: boolean;
  readonly reload: (() => void) | undefined;
  closeIdle(): void;
}

function listener(
  handler: Parameters<typeof createGuardedServer>[0],
  limits: ConnectionLimits,
  region: string,
  log: Logger,
  what: string,
  tls: TlsFiles | undefined,
): Listener {
  if (tls === undefined) {
    const server = createGuardedServer(handler, limits, region, log, what);
    return { server, tls: false, reload: undefined, closeIdle: () => server.closeIdleConnections() };
  }
  const secure: SecureListener = createSecureListener(handler, limits, region, log, what, tls);
  return { server: secure.server, tls: true, reload: () => secure.reload(), closeIdle: () => secure.closeIdle() };
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
