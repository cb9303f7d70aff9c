/**
 * Opens a PostgreSQL store: connects, creates or migrates the schema (schema.ts), claims this
 * process's node (pg-node.ts), loads the metadata cache, and LISTENs for other servers' changes.
 */
import { pino, type Logger } from 'pino';
import { Subscriptions } from '../subscriptions.js';
import { connect, probeWritable, renewablePool, SocketGate, type PgConnectionOptions } from './pg-connection.js';
import { guardDriverFaults } from './pg-driver-guard.js';
import { hostList } from './pg-hosts.js';
import { PgListener } from './pg-listener.js';
import { PgMetadataStore } from './pg-metadata-store.js';
import { claimNode, type NodeClaim } from './pg-node.js';
import { publishAll, PgStore } from './pg-store.js';
import { migrate } from './schema.js';
import { toStoreError } from './pg-errors.js';
import { PgWatchdog } from './pg-watchdog.js';
import { GroupWriter } from './write-txn.js';
import type { StoreObserver } from '../store-metrics.js';

export interface PgStoreOptions {
  /** postgres://user:pass@host1:port,host2:port/db?target_session_attrs=read-write */
  readonly url: string;
  readonly tombstoneGcDelayMs: number;
  readonly maxValuesPerItem: number;
  /** Pool size (default 10). */
  readonly maxConnections?: number;
  /** statement_timeout, and the bound on every store call (default: the URL's, else 10 s). */
  readonly statementTimeoutMs?: number;
  /** lock_timeout (default: the URL's, else 5 s). */
  readonly lockTimeoutMs?: number;
  readonly now?: () => number;
  readonly logger?: Logger;
  readonly gcIntervalMs?: number;
  /** The metadata lease (pg-meta-lease.ts LEASE_MS by default); shorter in tests. */
  readonly metaLeaseMs?: number;
  /** Commit figures for /metrics. */
  readonly observer?: StoreObserver;
}

/** Default bounds (docs/postgres.md "Bounded time"). */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 10_000;
export const DEFAULT_LOCK_TIMEOUT_MS = 5_000;
export const DEFAULT_MAX_CONNECTIONS = 10;

/**
 * `statement_timeout` and `lock_timeout` given in the URL's query (ms, as PostgreSQL takes them
 * there): they also bound the store's own calls, so they are read here rather than left to the
 * driver alone. Anything else in the URL is the driver's.
 */
export function timeoutsOfUrl(url: string): { statementTimeoutMs?: number; lockTimeoutMs?: number } {
  // The query alone: a multi-host authority (h1:5432,h2:5432) is no WHATWG URL.
  const q = url.indexOf('?');
  const params = new URLSearchParams(q < 0 ? '' : url.slice(q + 1).split('#')[0]);
  const ms = (name: string): number | undefined => {
    const v = params.get(name);
    return v !== null && /^[1-9]\d{0,8}$/.test(v) ? Number(v) : undefined;
  };
  const statementTimeoutMs = ms('statement_timeout');
  const lockTimeoutMs = ms('lock_timeout');
  return { ...(statementTimeoutMs === undefined ? {} : { statementTimeoutMs }), ...(lockTimeoutMs === undefined ? {} : { lockTimeoutMs }) };
}

export async function openPgStore(opts: PgStoreOptions): Promise<PgStore> {
  const logger = opts.logger ?? pino({ level: 'silent' });
  const fromUrl = timeoutsOfUrl(opts.url);
  // Every connection of the store (pools, lease, node lock, notifications, probes) gets its
  // socket here, and none after close (pg-connection.ts).
  const gate = new SocketGate();
  const conn: PgConnectionOptions = {
    gate,
    url: opts.url,
    maxConnections: opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    statementTimeoutMs: opts.statementTimeoutMs ?? fromUrl.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
    lockTimeoutMs: opts.lockTimeoutMs ?? fromUrl.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
  };
  const boundMs = conn.statementTimeoutMs + 1_000;
  // Every connection goes to the writable host of the URL, chosen by probing (pg-hosts.ts).
  const hosts = hostList(opts.url, conn.statementTimeoutMs, gate);
  if (hosts.multi) {
    await hosts.choose().catch(async (err: unknown) => {
      await gate.close();
      throw toStoreError(err, 'opening the PostgreSQL store');
    });
  }
  const connOf = (): PgConnectionOptions => ({ ...conn, url: hosts.current() });
  const pool = renewablePool(() => connect(connOf()));
  const sql = pool.sql;
  // The metadata lease's own connection: renewals never queue behind requests on the pool.
  const leasePool = renewablePool(() => connect({ ...connOf(), maxConnections: 1 }));
  const leaseSql = leasePool.sql;
  const renewAll = (): void => {
    pool.renew();
    leasePool.renew();
  };
  const unguard = guardDriverFaults(renewAll);
  const closeConnections = async (): Promise<void> => {
    await Promise.all([pool.close(5), leasePool.close(1)]);
    await gate.close();
  };
  /** Whether the notification connection was lost since the pool was made. */
  let wasDown = false;
  let claimed: NodeClaim | undefined;
  try {
    await migrate(sql);
    const node = await claimNode(connOf, boundMs, logger);
    claimed = node;
    const meta = await PgMetadataStore.load(sql, logger, leaseSql, node.nodeId, boundMs, opts.metaLeaseMs, () => node.lost !== undefined);
    const subs = new Subscriptions((err, change) =>
      logger.error({ err, bucketId: change?.bucketId, pk: change?.pk, sk: change?.sk }, 'change listener threw'),
    );
    const listener = new PgListener(
      conn,
      {
        onChange: (payload) => PgStore.onChangePayload(subs, node.nodeId, payload),
        onMeta: (payload) => meta.onNotify(payload),
        // Anything committed while nobody listened is re-read: the metadata, then every poll.
        up: async () => {
          // After an outage, fresh connections: those of the old ones may be stuck (renewablePool).
          if (wasDown) renewAll();
          wasDown = false;
          // The node's lock went with its session if the database restarted: take it again now.
          await node.reassert();
          await meta.reload();
          subs.resync();
        },
        down: () => {
          wasDown = true;
          meta.markStale();
        },
      },
      logger,
      (reconnect) => (reconnect && hosts.multi ? hosts.choose() : Promise.resolve(hosts.current())),
    );
    await listener.start();
    meta.lease.start();
    const now = opts.now ?? Date.now;
    const writer = new GroupWriter(sql, {
      nodeId: node.nodeId,
      now,
      maxValuesPerItem: opts.maxValuesPerItem,
      onCommitted: (changes) => publishAll(subs, changes),
      observer: opts.observer,
      boundMs,
      node,
    });
    const gcIntervalMs = opts.gcIntervalMs ?? Math.min(60_000, Math.max(1_000, Math.floor(opts.tombstoneGcDelayMs / 10)));
    logger.info({ nodeId: node.nodeId.toString(16) }, 'PostgreSQL store open');
    return new PgStore({
      sql,
      node,
      writer,
      meta,
      leaseSql,
      subs,
      listener,
      logger,
      now,
      tombstoneGcDelayMs: opts.tombstoneGcDelayMs,
      gcIntervalMs,
      statementTimeoutMs: conn.statementTimeoutMs,
      watchdog: (store) =>
        new PgWatchdog({
          // A lost node is not the connections' fault: nothing to rebuild.
          healthy: () => store.healthy() || node.lost !== undefined,
          // With several hosts, choosing probes them; the rebuilt connections go to the one chosen.
          probe: () => (hosts.multi ? hosts.choose().then(() => true) : probeWritable(conn)),
          rebuild: renewAll,
          logger,
        }),
      unguard,
      closeConnections,
    });
  } catch (err) {
    unguard();
    await claimed?.release();
    await Promise.all([pool.close(1), leasePool.close(1)]);
    await gate.close();
    throw toStoreError(err, 'opening the PostgreSQL store');
  }
}
