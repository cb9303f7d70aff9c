/**
 * `k2v server`: runs the K2V and admin APIs on the embedded LMDB store until SIGINT/SIGTERM.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { pino } from 'pino';
import { DEFAULT_CONFIG, type ServerConfig } from '../config/config.js';
import { startServer } from '../server/server.js';

function positiveInt(what: string) {
  return (text: string): number => {
    const n = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`${what} must be a whole number`);
    return n;
  };
}

export function serverCommand(): Command {
  return new Command('server')
    .description('run the K2V API and the admin API on the embedded LMDB store, or on PostgreSQL (several servers on one database)')
    .addOption(new Option('--db-engine <engine>', 'store: embedded LMDB, or PostgreSQL shared by several servers').choices(['lmdb', 'postgres']).default(DEFAULT_CONFIG.dbEngine))
    .option('--postgres-url <url>', 'PostgreSQL URL for --db-engine postgres (env K2V_POSTGRES_URL), e.g. postgres://k2v@db1,db2/k2v?target_session_attrs=read-write')
    .option('--data-dir <dir>', 'where the LMDB files live (created if missing)', DEFAULT_CONFIG.dataDir)
    .option('--k2v-bind <host:port>', 'address of the K2V API (Garage K2V port)', DEFAULT_CONFIG.k2vBind)
    .option('--admin-bind <host:port>', 'address of the admin API (Garage admin API v1)', DEFAULT_CONFIG.adminBind)
    .option('--admin-token <token>', 'bearer token of the admin API (env K2V_ADMIN_TOKEN); without one every admin route but /health answers 403')
    .option('--region <name>', 'SigV4 region clients sign with', DEFAULT_CONFIG.region)
    .option(
      '--tombstone-gc-delay <seconds>',
      'remove items that stayed tombstone-only this long',
      positiveInt('--tombstone-gc-delay'),
      DEFAULT_CONFIG.tombstoneGcDelayMs / 1000,
    )
    .option('--map-size <MiB>', 'largest size the LMDB file may grow to', positiveInt('--map-size'), DEFAULT_CONFIG.mapSizeBytes / 2 ** 20)
    .option(
      '--max-connections <n>',
      'open connections per listener; more are closed at once',
      positiveInt('--max-connections'),
      DEFAULT_CONFIG.connections.maxConnections,
    )
    .option(
      '--max-connections-per-ip <n>',
      'open connections per client address, 0 for no cap (keep 0 behind a reverse proxy: every connection comes from its address)',
      positiveInt('--max-connections-per-ip'),
      DEFAULT_CONFIG.connections.maxConnectionsPerIp,
    )
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent', DEFAULT_CONFIG.logLevel)
    .addHelpText(
      'after',
      `
Example:
  k2v server --data-dir /var/lib/k2v --admin-token "$(openssl rand -hex 32)"

Then create a key and a bucket through the admin API (see README), and sign K2V requests with
SigV4, service "k2v", region "${DEFAULT_CONFIG.region}".`,
    )
    .action(async (opts: Record<string, unknown>) => {
      const config: ServerConfig = {
        ...DEFAULT_CONFIG,
        dbEngine: opts.dbEngine === 'postgres' ? 'postgres' : 'lmdb',
        dataDir: String(opts.dataDir),
        postgresUrl: typeof opts.postgresUrl === 'string' ? opts.postgresUrl : process.env.K2V_POSTGRES_URL || undefined,
        k2vBind: String(opts.k2vBind),
        adminBind: String(opts.adminBind),
        adminToken: typeof opts.adminToken === 'string' ? opts.adminToken : process.env.K2V_ADMIN_TOKEN || undefined,
        region: String(opts.region),
        tombstoneGcDelayMs: Number(opts.tombstoneGcDelay) * 1000,
        mapSizeBytes: Number(opts.mapSize) * 2 ** 20,
        connections: {
          ...DEFAULT_CONFIG.connections,
          maxConnections: Number(opts.maxConnections),
          maxConnectionsPerIp: Number(opts.maxConnectionsPerIp),
        },
        logLevel: String(opts.logLevel),
      };
      await runServer(config);
    });
}

async function runServer(config: ServerConfig): Promise<void> {
  const log = pino({ level: config.logLevel });
  if (config.adminToken === undefined) {
    log.warn('no admin token (--admin-token or K2V_ADMIN_TOKEN): the admin API answers 403 to everything but /health');
  }
  let server;
  try {
    server = await startServer(config, log);
  } catch (err) {
    // Start-up failures (port in use, data dir locked, bad address) are one clear line, exit 1.
    process.stderr.write(`k2v: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting at once');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
