/**
 * The PostgreSQL Store (architecture "Several servers over PostgreSQL"): any number of server
 * processes over one database serve one K2V store. Each process is a node of the causality
 * tokens (pg-node.ts); writes are group-committed (write-txn.ts); reads and snapshots are
 * REPEATABLE READ READ ONLY transactions on a bounded pool (pg-snapshot.ts); changes committed
 * through other servers arrive by LISTEN/NOTIFY (pg-listener.ts), and a lost notification
 * connection makes every subscriber re-read (onResync) once it is back.
 *
 * Every database failure is StoreError 'Unavailable' (503), and every call is bounded in time
 * (`statementTimeoutMs`), so a slow, locked or stopped database answers 503 instead of hanging.
 */
import type { Logger } from 'pino';
import type { RangeSpec } from '../../k2v/range.js';
import { ChurnSet } from '../../k2v/churn-set.js';
import { StoreError } from '../errors.js';
import type { StoredItem } from '../item-codec.js';
import type { ItemView } from '../item-view.js';
import type { ChangeListener, ItemChange, ItemWrite, KeyLimits, Snapshot, Store } from '../store.js';
import { Subscriptions } from '../subscriptions.js';
import type { Db } from './pg-connection.js';
import { toStoreError, withDeadline } from './pg-errors.js';
import { inTransaction } from './pg-transaction.js';
import { bucketBytes, nodeToDb, PG_KEY_LIMITS } from './pg-keys.js';
import type { PgListener } from './pg-listener.js';
import type { PgWatchdog } from './pg-watchdog.js';
import type { PgMetadataStore } from './pg-metadata-store.js';
import type { NodeClaim } from './pg-node.js';
import { parseChangePayload } from './pg-notify.js';
import { PgSnapshot, readItems } from './pg-snapshot.js';
import { PointReads } from './pg-point-reads.js';
import type { GroupWriter } from './write-txn.js';

export interface PgStoreParts {
  readonly sql: Db;
  readonly node: NodeClaim;
  readonly writer: GroupWriter;
  readonly meta: PgMetadataStore;
  /** The metadata lease's connection (closed last). */
  readonly leaseSql: Db;
  readonly subs: Subscriptions;
  readonly listener: PgListener;
  readonly logger: Logger;
  readonly now: () => number;
  readonly tombstoneGcDelayMs: number;
  readonly gcIntervalMs: number;
  readonly statementTimeoutMs: number;
  /** Rebuilds the connections when they stay unusable while PostgreSQL answers (pg-watchdog.ts). */
  readonly watchdog?: (store: PgStore) => PgWatchdog;
  /** Stops this store's part in the driver-fault guard (pg-driver-guard.ts). */
  readonly unguard?: () => void;
  /**
   * Ends every pool of the store (`sql`, `leaseSql`, and those they replaced) and resolves once
   * no socket of it is open and none can be opened again (pg-connection.ts SocketGate); without
   * it, `sql` and `leaseSql` are ended.
   */
  readonly closeConnections?: () => Promise<void>;
}

/** Tombstone-only items removed per GC transaction. */
const GC_CHUNK = 1_000;
/** Advisory lock key of the tombstone GC ("k2v_gc" in ASCII): one chunk at a time, over all servers. */
const GC_LOCK = 0x6b32765f6763n;

export class PgStore implements Store {
  readonly nodeId: bigint;
  readonly meta: PgMetadataStore;
  readonly keyLimits: KeyLimits = PG_KEY_LIMITS;
  private readonly sql: Db;
  private readonly p: PgStoreParts;
  // A ChurnSet, not a Set: every request's store call passes through it (k2v/churn-set.ts says why).
  private readonly inflight = new ChurnSet<Promise<unknown>>();
  private closing: Promise<void> | undefined;
  private lastFailure = 0;
  private readonly gcTimer: NodeJS.Timeout;
  private gcRunning = false;
  private readonly watchdog: PgWatchdog | undefined;
  /** getItem calls of one event-loop turn, read in one statement. */
  private readonly pointReads = new PointReads((refs) => this.track('read', () => readItems(this.sql, refs)));

  constructor(parts: PgStoreParts) {
    this.p = parts;
    this.sql = parts.sql;
    this.nodeId = parts.node.nodeId;
    this.meta = parts.meta;
    this.gcTimer = setInterval(() => this.gcTick(), parts.gcIntervalMs);
    this.gcTimer.unref();
    this.watchdog = parts.watchdog?.(this);
    this.watchdog?.start();
  }

  /** Committed write transactions since open. */
  get commitCount(): number {
    return this.p.writer.commits;
  }

  /** A notification from the listener: another server's committed change. */
  static onChangePayload(subs: Subscriptions, self: bigint, payload: string): void {
    const parsed = parseChangePayload(payload);
    if (parsed === undefined || parsed.nodeId === self) return;
    subs.publish(parsed.change);
  }

  getItem(bucketId: string, pk: string, sk: string): Promise<ItemView | undefined> {
    if (this.closing !== undefined) return Promise.reject(new StoreError('Unavailable', 'the store is closing'));
    return this.pointReads.get(bucketId, pk, sk);
  }

  read<T>(fn: (snap: Snapshot) => Promise<T>): Promise<T> {
    if (this.closing !== undefined) return Promise.reject(new StoreError('Unavailable', 'the store is closed'));
    if (this.p.node.lost !== undefined) return Promise.reject(this.p.node.lost);
    let fnFailed = false;
    let fnError: unknown;
    const run = inTransaction(this.sql, 'ISOLATION LEVEL REPEATABLE READ READ ONLY', this.boundMs, async (r) => {
        const snap = new PgSnapshot(r.tx as unknown as Db, this.boundMs);
        try {
          return await fn(snap);
        } catch (err) {
          fnFailed = true;
          fnError = err;
          throw err;
        } finally {
          snap.close();
        }
      })
      .then(
        (v) => v as T,
        (err: unknown) => {
          if (fnFailed && err === fnError) throw err;
          this.failed();
          throw toStoreError(err, 'read failed');
        },
      );
    // Not bounded as a whole: a long scan streams at the client's pace (each query is bounded).
    return this.tracked(run, false);
  }

  write(bucketId: string, writes: readonly ItemWrite[]): Promise<void> {
    return this.track('write', async () => {
      bucketBytes(bucketId);
      if (writes.length === 0) return;
      await this.p.writer.write(bucketId, writes);
    });
  }

  mergeItems(bucketId: string, items: readonly StoredItem[]): Promise<number> {
    return this.track('write', async () => {
      bucketBytes(bucketId);
      if (items.length === 0) return 0;
      return (await this.p.writer.mergeItems(bucketId, items)).length;
    });
  }

  deleteRange(bucketId: string, pk: string, range: RangeSpec): Promise<number> {
    return this.track('delete', async () => {
      bucketBytes(bucketId);
      return (await this.p.writer.deleteRange(bucketId, pk, range)).deleted;
    });
  }

  subscribe(bucketId: string, pk: string, onChange: ChangeListener, onResync: () => void): () => void {
    return this.p.subs.subscribe(bucketId, pk, onChange, onResync);
  }

  bucketHasItems(bucketId: string): Promise<boolean> {
    return this.track('read', async () => {
      const [r] = await this.sql<{ n: bigint }[]>`
        SELECT coalesce(sum(items), 0)::int8 AS n FROM k2v_bucket_items WHERE bucket = ${bucketBytes(bucketId)}`;
      return (r?.n ?? 0n) > 0n;
    });
  }

  /**
   * Healthy while the notification connection is up, the metadata lease holds, and no database
   * call failed in the last 2 s.
   */
  healthy(): boolean {
    return this.closing === undefined && this.p.node.lost === undefined && this.p.listener.isLive && this.meta.lease.valid && Date.now() - this.lastFailure > 2_000;
  }

  /**
   * One GC pass: removes every item tombstone-only for longer than the delay, whichever node
   * wrote its tombstone (`tomb_since` is the time of the write that made it tombstone-only, on
   * the writing server's clock: server clocks are assumed synchronized, as for the causality
   * clocks). One server at a time: each chunk runs under a transaction advisory lock, and a pass
   * that finds another server's chunk running stops there (that server collects). Returns how
   * many items it removed.
   */
  gcOnce(): Promise<number> {
    return this.track('gc', async () => {
      const upTo = Math.floor(this.p.now() - this.p.tombstoneGcDelayMs);
      let total = 0;
      for (;;) {
        const n = await this.gcChunk(upTo);
        if (n === undefined) return total;
        total += n;
        if (n < GC_CHUNK) return total;
      }
    });
  }

  /**
   * Removes up to GC_CHUNK expired tombstone-only items in one transaction; returns how many, or
   * undefined when another server's GC holds the lock (a transaction lock: nothing to release
   * on a connection that may have died).
   */
  private gcChunk(upTo: number): Promise<number | undefined> {
    return inTransaction(this.sql, '', this.boundMs, async (r): Promise<number | undefined> => {
      const tx = r.tx;
      const [got] = await r.run(tx<{ ok: boolean }[]>`SELECT pg_try_advisory_xact_lock(${GC_LOCK.toString()}::bigint) AS ok`);
      if (got?.ok !== true) return undefined;
      const gone = await r.run(tx<{ bucket: Buffer; n: bigint }[]>`
        WITH victims AS (
          SELECT part, sk FROM k2v_item WHERE tomb_since IS NOT NULL AND tomb_since <= ${upTo}
          ORDER BY tomb_since LIMIT ${GC_CHUNK} FOR UPDATE SKIP LOCKED),
        deleted AS (
          DELETE FROM k2v_item i USING victims v WHERE i.part = v.part AND i.sk = v.sk RETURNING i.bucket)
        SELECT bucket, count(*)::int8 AS n FROM deleted GROUP BY bucket ORDER BY bucket`);
      for (const g of gone) {
        await r.run(tx`
          INSERT INTO k2v_bucket_items (bucket, node_id, items) VALUES (${g.bucket}, ${nodeToDb(this.nodeId)}, ${-g.n})
          ON CONFLICT (bucket, node_id) DO UPDATE SET items = k2v_bucket_items.items + EXCLUDED.items`);
      }
      return gone.reduce((acc, g) => acc + Number(g.n), 0);
    });
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /**
   * Stops every periodic task and waits for what each had in flight, then ends the connections:
   * once it resolves, nothing of the store runs, holds a connection or attempts one (a task left
   * running, or a pool it made, would reconnect after the database was gone: an unhandled
   * ECONNREFUSED at a server's shutdown; pg-close.test.ts).
   */
  private async shutdown(): Promise<void> {
    clearInterval(this.gcTimer);
    await this.watchdog?.stop();
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight.values()]);
    await this.p.writer.drain();
    // The listener first: a reconnect under way re-reads the metadata and renews the pools.
    await this.p.listener.close();
    await this.meta.close();
    await this.meta.lease.close();
    await this.p.node.release();
    if (this.p.closeConnections !== undefined) await this.p.closeConnections();
    else {
      await this.sql.end({ timeout: 5 });
      await this.p.leaseSql.end({ timeout: 1 });
    }
    this.p.unguard?.();
  }

  private gcTick(): void {
    if (this.gcRunning || this.closing !== undefined) return;
    this.gcRunning = true;
    this.gcOnce()
      .then(
        (n) => {
          if (n > 0) this.p.logger.debug({ removed: n }, 'tombstone GC');
        },
        (err: unknown) => this.p.logger.warn({ err }, 'tombstone GC failed'),
      )
      .finally(() => {
        this.gcRunning = false;
      });
  }

  private failed(): void {
    this.lastFailure = Date.now();
  }

  /** Runs a database operation: refused when closing, bounded in time, failures mapped. */
  private track<T>(what: string, op: () => Promise<T>): Promise<T> {
    if (this.closing !== undefined) return Promise.reject(new StoreError('Unavailable', 'the store is closing'));
    if (this.p.node.lost !== undefined) return Promise.reject(this.p.node.lost);
    const run = (async () => {
      try {
        return await op();
      } catch (err) {
        const mapped = toStoreError(err, `${what} failed`);
        if (mapped instanceof StoreError && mapped.code === 'Unavailable') this.failed();
        throw mapped;
      }
    })();
    return this.tracked(run);
  }

  /** The bound of one statement, and of a store call (statement_timeout, and a margin for the network). */
  private get boundMs(): number {
    return this.p.statementTimeoutMs + 1_000;
  }

  private tracked<T>(p: Promise<T>, bound = true): Promise<T> {
    const bounded = bound ? withDeadline(p, this.boundMs, 'store call') : p;
    const entry = this.inflight.add(p);
    const forget = (): void => {
      this.inflight.delete(entry);
    };
    p.then(forget, forget);
    return bounded;
  }
}

/** Delivers what this server committed to its own subscribers (other servers get it by NOTIFY). */
export function publishAll(subs: Subscriptions, changes: readonly ItemChange[]): void {
  for (const c of changes) subs.publish(c);
}
