/**
 * The composition root: config -> store -> K2V and admin listeners; lifecycle and shutdown.
 */
import type { Server } from 'node:net';
import { pino, type Logger } from 'pino';
import { createAdminHandler } from '../admin/admin-server.js';
import { CONSOLE_PREFIX, createConsoleSite, findConsoleDist } from '../admin/console-site.js';
import { parseBindAddress } from '../config/bind-address.js';
import type { ServerConfig, TlsFiles } from '../config/config.js';
import type { ConnectionLimits } from '../config/limits.js';
import { createK2vHandler } from '../http/dispatch.js';
import { PollRegistry } from '../http/poll-registry.js';
import { PollRangeLogs } from '../http/poll-range-logs.js';
import { ConsoleOriginSet, consoleOriginList } from './console-origins.js';
import { healthCheck } from './health.js';
import { createGuardedServer } from './http-guards.js';
import { keyLimitsProblem } from './key-limits.js';
import { formatBound, listen } from './listen.js';
import { createServerMetrics, type ServerMetrics } from './metrics.js';
import { openStore, storageOf } from './open-store.js';
import { createSecureListener, type SecureListener } from './secure-server.js';
import { StartupError } from './startup-error.js';
import type { WorkerRole } from '../store/lmdb/open-lmdb-store.js';
import type { BoundAddress, RunningServer } from './running-server.js';

/** What a worker process of `k2v server --workers N` adds (src/server/workers/). */
export interface ServerRole {
  readonly worker?: WorkerRole;
  /** Makes `/metrics` show every worker's figures (workers/cluster-metrics.ts). */
  readonly clusterMetrics?: (metrics: ServerMetrics) => void;
}

export async function startServer(config: ServerConfig, logger?: Logger, role: ServerRole = {}): Promise<RunningServer> {
  const log = logger ?? pino({ level: config.logLevel });
  const k2vBind = parseBindAddress(config.k2vBind, 'K2V');
  const adminBind = parseBindAddress(config.adminBind, 'admin');
  const metrics = createServerMetrics();
  role.clusterMetrics?.(metrics);
  const store = await openStore(storageOf(config), {
    tombstoneGcDelayMs: config.tombstoneGcDelayMs,
    maxValuesPerItem: config.limits.maxValuesPerItem,
    logger: log,
    observer: metrics.store,
    ...(role.worker === undefined ? {} : { worker: role.worker }),
  });
  const limitsProblem = keyLimitsProblem(config.limits, store.keyLimits);
  if (limitsProblem !== undefined) {
    await store.close();
    throw new StartupError(limitsProblem);
  }
  const polls = new PollRegistry();
  const rangeLogs = new PollRangeLogs(store);
  metrics.trackPollRangeChecks(() => rangeLogs.checks);
  metrics.trackPolls(() => polls.size);
  const consoleOrigins = new ConsoleOriginSet();
  const consoleDist = findConsoleDist();
  let k2vBound: BoundAddress | undefined;
  const consoleSite = createConsoleSite(consoleDist, () => ({ k2v: k2vBound, k2vTls: config.k2vTls !== undefined, region: config.region }));
  const k2vHandler = createK2vHandler({ store, region: config.region, limits: config.limits, polls, rangeLogs, logger: log, observer: metrics.k2v, consoleOrigins });
  const adminHandler = createAdminHandler({
    store,
    adminToken: config.adminToken,
    region: config.region,
    logger: log,
    observer: metrics.admin,
    metrics,
    metricsToken: config.metricsToken,
    health: healthCheck(store, config.dataDir),
    dataDir: config.dataDir,
    console: consoleSite,
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
    k2v = await listen(k2vServer, k2vBind, 'K2V', log, 0o222);
    admin = await listen(adminServer, adminBind, 'admin', log, 0o220);
  } catch (err) {
    k2vServer.close();
    adminServer.close();
    await store.close();
    throw err;
  }
  k2vBound = k2v;
  consoleOrigins.set([...consoleOriginList(admin, adminListener.tls), ...config.consoleOrigins]);
  const consoleUrl = consoleDist === undefined ? undefined : consoleAddress(admin, adminListener.tls);
  log.info(
    {
      k2v: formatBound(k2v),
      console: consoleUrl,
      admin: formatBound(admin),
      k2vTls: k2vListener.tls,
      adminTls: adminListener.tls,
      dbEngine: config.dbEngine,
      dataDir: config.dbEngine === 'lmdb' ? config.dataDir : undefined,
    },
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
      rangeLogs.close();
      k2vListener.closeIdle();
      adminListener.closeIdle();
      await stopped;
      await store.close();
      log.info('k2v server stopped');
    })();
    return closing;
  };
  return { k2v, admin, store, polls, console: consoleUrl, close, reloadTls };
}

/** The console's URL as a browser on this machine opens it (a wildcard address -> loopback). */
function consoleAddress(admin: BoundAddress, tls: boolean): string | undefined {
  if (admin.kind !== 'tcp') return undefined;
  const host = admin.host === '::' || admin.host === '0.0.0.0' ? '127.0.0.1' : admin.host;
  return `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${admin.port}${CONSOLE_PREFIX}/`;
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

/** Stops accepting; resolves when every in-flight request has been answered. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
