/**
 * Opens a PostgreSQL store: connects, creates or migrates the schema (schema.ts), claims this
 * process's node (pg-node.ts), loads the metadata cache, and LISTENs for other servers' changes.
 */
import { pino, type Logger } from 'pino';
import { Subscriptions } from '../subscriptions.js';
import { connect, renewablePool, type PgConnectionOptions } from './pg-connection.js';
import { guardDriverFaults } from './pg-driver-guard.js';
import { PgListener } from './pg-listener.js';
import { PgMetadataStore } from './pg-metadata-store.js';
import { claimNode } from './pg-node.js';
import { publishAll, PgStore } from './pg-store.js';
import { migrate } from './schema.js';
import { toStoreError } from './pg-errors.js';
import { GroupWriter } from './write-txn.js';

export interface PgStoreOptions {
  /** postgres://user:pass@host1:port,host2:port/db?target_session_attrs=read-write */
  readonly url: string;
  readonly tombstoneGcDelayMs: number;
  readonly maxValuesPerItem: number;
  /** Pool size (default 10). */
  readonly maxConnections?: number;
  /** statement_timeout, and the bound on every store call (default 10 s). */
  readonly statementTimeoutMs?: number;
  /** lock_timeout (default 5 s). */
  readonly lockTimeoutMs?: number;
  readonly now?: () => number;
  readonly logger?: Logger;
  readonly gcIntervalMs?: number;
}

export async function openPgStore(opts: PgStoreOptions): Promise<PgStore> {
  const logger = opts.logger ?? pino({ level: 'silent' });
  const conn: PgConnectionOptions = {
    url: opts.url,
    maxConnections: opts.maxConnections ?? 10,
    statementTimeoutMs: opts.statementTimeoutMs ?? 10_000,
    lockTimeoutMs: opts.lockTimeoutMs ?? 5_000,
  };
  const pool = renewablePool(() => connect(conn));
  const sql = pool.sql;
  const unguard = guardDriverFaults(() => pool.renew());
  /** Whether the notification connection was lost since the pool was made. */
  let wasDown = false;
  try {
    await migrate(sql);
    const node = await claimNode(sql);
    const meta = await PgMetadataStore.load(sql, logger);
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
          // After an outage, a fresh pool: connections of the old one may be stuck (renewablePool).
          if (wasDown) pool.renew();
          wasDown = false;
          await meta.reload();
          subs.resync();
        },
        down: () => {
          wasDown = true;
          meta.markStale();
        },
      },
      logger,
    );
    await listener.start();
    const now = opts.now ?? Date.now;
    const writer = new GroupWriter(sql, {
      nodeId: node.nodeId,
      now,
      maxValuesPerItem: opts.maxValuesPerItem,
      onCommitted: (changes) => publishAll(subs, changes),
    });
    const gcIntervalMs = opts.gcIntervalMs ?? Math.min(60_000, Math.max(1_000, Math.floor(opts.tombstoneGcDelayMs / 10)));
    logger.info({ nodeId: node.nodeId.toString(16) }, 'PostgreSQL store open');
    return new PgStore({
      sql,
      node,
      writer,
      meta,
      subs,
      listener,
      logger,
      now,
      tombstoneGcDelayMs: opts.tombstoneGcDelayMs,
      gcIntervalMs,
      statementTimeoutMs: conn.statementTimeoutMs,
    });
  } catch (err) {
    unguard();
    await sql.end({ timeout: 1 }).catch(() => undefined);
    throw toStoreError(err, 'opening the PostgreSQL store');
  }
}
