/**
 * The embedded LMDB Store (architecture "Embedded default: LMDB").
 *
 * Group commit and durability. Every write()/deleteRange()/GC chunk is one lmdb-js
 * `transaction(callback)`. lmdb-js queues callbacks issued in the same event turn (and those
 * issued while the writer thread is busy committing) and runs them one after the other, on the
 * main thread, inside ONE LMDB write transaction, then commits it on its writer thread; each
 * `transaction()` promise resolves when that commit has finished (lmdb-js write.js:
 * transactionAsync / resolveCommit). Concurrent requests therefore share commits: while one
 * transaction is being synced, the next batch fills up.
 * The environment is opened with `overlappingSync: false`, so the writer begins each
 * transaction without MDB_NOSYNC (src/writer.cpp WriteWorker::Write) and mdb_txn_commit() returns
 * only after the data pages are fdatasync'ed and the new meta page is written through the
 * O_DSYNC descriptor (mdb.c mdb_env_write_meta). So a resolved promise means durable, and we
 * acknowledge and notify subscribers only then. With lmdb-js's default (overlappingSync on
 * Linux) the promise would resolve at visibility, before the sync, and only `flushed` would mean
 * durable; readers could then see, and polls reveal, writes a crash would lose. Without it,
 * a reader sees a transaction at the earliest while its meta page is being written (one O_DSYNC
 * pwrite after everything else is on disk).
 */
import path from 'node:path';
import type { Logger } from 'pino';
import type { RootDatabase } from 'lmdb';
import type { RangeSpec } from '../../k2v/range.js';
import { StoreError } from '../errors.js';
import type { StoredItem } from '../item-codec.js';
import type { ItemView } from '../item-view.js';
import { copyEnvironment } from './copy-env.js';
import type { MetadataStore } from '../metadata.js';
import type { ChangeListener, ItemChange, ItemWrite, KeyLimits, Snapshot, Store } from '../store.js';
import { deleteChunk } from './delete-range.js';
import { diskNearlyFull, freeBytes } from './disk-space.js';
import type { DirLock } from './dir-lock.js';
import type { PeerLink, ReadFreshness } from './peer-processes.js';
import { bucketBytes, bucketCountKey, MAX_PARTITION_KEY_BYTES, MAX_SORT_KEY_BYTES } from './keys.js';
import { toStoreError } from './lmdb-errors.js';
import { LmdbSnapshot } from './lmdb-snapshot.js';
import type { Transact } from './observed-transactions.js';
import { readItemView } from './read-item.js';
import { Subscriptions } from '../subscriptions.js';
import { collectGarbageChunk } from './tombstone-gc.js';
import type { MetaRecordsDb } from './metadata-store.js';
import type { ViewDbs } from './view-dbs.js';
import type { StoreObserver } from '../store-metrics.js';
import { WriteQueue } from './write-queue.js';
import type { ItemsDb, WriterState } from './writer-state.js';
import { ChurnSet } from '../../k2v/churn-set.js';

export interface LmdbStoreParts {
  readonly env: RootDatabase;
  readonly w: WriterState;
  /** Read-only handles for the read path's scans (view-dbs.ts). */
  readonly views: ViewDbs;
  readonly meta: MetadataStore;
  /** The metadata records' database, for snapshots (a dump's keys and buckets). */
  readonly metaDb: MetaRecordsDb;
  readonly lock: DirLock;
  readonly logger: Logger;
  readonly tombstoneGcDelayMs: number;
  readonly gcIntervalMs: number;
  /** Whether this process collects tombstones (one worker of several does). */
  readonly runsGc: boolean;
  /** Fresh reads when other processes write the environment (peer-processes.ts). */
  readonly freshness: ReadFreshness;
  /** The other worker processes, if any. */
  readonly peers?: PeerLink;
  /** lmdb-js `transaction()`, possibly reporting to a StoreObserver (observed-transactions.ts). */
  readonly transact: Transact;
  /** Told of each write call's queueing and settling (metrics); none: nothing is counted. */
  readonly observer?: Pick<StoreObserver, 'writeQueued' | 'writeSettled'>;
}

/** The longest keys the key layout can hold (keys.ts). */
const LMDB_KEY_LIMITS: KeyLimits = { maxPartitionKeyBytes: MAX_PARTITION_KEY_BYTES, maxSortKeyBytes: MAX_SORT_KEY_BYTES };

export class LmdbStore implements Store {
  readonly nodeId: bigint;
  readonly meta: MetadataStore;
  readonly keyLimits = LMDB_KEY_LIMITS;
  private readonly env: RootDatabase;
  private readonly db: ItemsDb;
  private readonly views: ViewDbs;
  private readonly metaDb: MetaRecordsDb;
  private readonly w: WriterState;
  private readonly lock: DirLock;
  private readonly logger: Logger;
  private readonly gcDelayMs: number;
  private readonly subs: Subscriptions;
  // Not Sets: a Set that every request's operation comes and goes through keeps the finished ones
  // (and the requests awaiting them) alive through young-generation GCs (k2v/churn-set.ts).
  private readonly inflight = new ChurnSet<Promise<unknown>>();
  private readonly snapshots = new ChurnSet<LmdbSnapshot>();
  private closing: Promise<void> | undefined;
  private commitFailed = false;
  private commits = 0;
  private readonly gcTimer: NodeJS.Timeout | undefined;
  private readonly freshness: ReadFreshness;
  private readonly peers: PeerLink | undefined;
  private readonly txn: Transact;
  private gcRunning = false;
  private readonly queue: WriteQueue;

  constructor(parts: LmdbStoreParts) {
    this.env = parts.env;
    this.w = parts.w;
    this.db = parts.w.db;
    this.views = parts.views;
    this.metaDb = parts.metaDb;
    this.nodeId = parts.w.nodeId;
    this.meta = parts.meta;
    this.lock = parts.lock;
    this.logger = parts.logger;
    this.gcDelayMs = parts.tombstoneGcDelayMs;
    this.txn = parts.transact;
    this.queue = new WriteQueue(this.w, (fn, writes) => this.transact(fn, writes), parts.observer);
    this.subs = new Subscriptions((err, change) =>
      this.logger.error({ err, bucketId: change?.bucketId, pk: change?.pk, sk: change?.sk }, 'change listener threw'),
    );
    (this.env as unknown as AfterCommitEmitter).on('aftercommit', (info) => {
      if (info?.txnId !== undefined) this.commits++;
    });
    this.freshness = parts.freshness;
    this.peers = parts.peers;
    // Another process's durable changes: seen by the next read, then the polls here are woken.
    this.peers?.onChanges((changes) => {
      this.freshness.invalidate();
      for (const c of changes) this.subs.publish(c);
    });
    this.peers?.onPeerDied(() => {
      if (this.closing !== undefined) return;
      try {
        this.freshness.takeWriteLock();
      } catch (err) {
        this.logger.error({ err }, 'write lock check after a worker died failed');
      }
      // The dead worker may have committed changes it never relayed: the polls here re-read
      // what they watch (and PollRange's change logs forget what they could not have seen).
      this.subs.resync();
    });
    if (parts.runsGc) {
      this.gcTimer = setInterval(() => this.gcTick(), parts.gcIntervalMs);
      this.gcTimer.unref();
    }
  }

  /** Committed write transactions since open (group commit makes it far lower than write calls). */
  get commitCount(): number {
    return this.commits;
  }

  getItem(bucketId: string, pk: string, sk: string): Promise<ItemView | undefined> {
    try {
      this.checkOpen();
      this.freshness.ensure();
      return Promise.resolve(readItemView(this.views, bucketId, pk, sk, undefined));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async read<T>(fn: (snap: Snapshot) => Promise<T>): Promise<T> {
    this.checkOpen();
    this.freshness.ensure();
    const snap = new LmdbSnapshot(this.db, this.views, this.metaDb, this.db.useReadTransaction());
    const entry = this.snapshots.add(snap);
    try {
      return await fn(snap);
    } finally {
      snap.close();
      this.snapshots.delete(entry);
    }
  }

  write(bucketId: string, writes: readonly ItemWrite[]): Promise<void> {
    return this.track(async () => {
      bucketBytes(bucketId);
      if (writes.length === 0) return;
      const changes = await this.queue.enqueue(bucketId, writes, []);
      this.publish(changes);
    });
  }

  mergeItems(bucketId: string, items: readonly StoredItem[]): Promise<number> {
    return this.track(async () => {
      bucketBytes(bucketId);
      if (items.length === 0) return 0;
      const changes = await this.queue.enqueue(bucketId, [], items);
      this.publish(changes);
      return changes.length;
    });
  }

  /** `k2v snapshot`: LMDB's consistent copy of the environment (copy-env.ts). */
  copyTo(dir: string): Promise<void> {
    return this.track(() => copyEnvironment(this.env, dir));
  }

  deleteRange(bucketId: string, pk: string, range: RangeSpec): Promise<number> {
    return this.track(async () => {
      bucketBytes(bucketId);
      let start = range.start;
      let total = 0;
      for (;;) {
        const from = start;
        const chunk = await this.transact(() => deleteChunk(this.w, bucketId, pk, range, from));
        total += chunk.deleted;
        this.publish(chunk.changes);
        if (chunk.nextStart === undefined) return total;
        start = chunk.nextStart;
      }
    });
  }

  /** In-process: no change is ever missed, so `onResync` is never called. */
  subscribe(bucketId: string, pk: string, onChange: ChangeListener, onResync: () => void): () => void {
    return this.subs.subscribe(bucketId, pk, onChange, onResync);
  }

  bucketHasItems(bucketId: string): Promise<boolean> {
    try {
      this.checkOpen();
      this.freshness.ensure();
      return Promise.resolve(this.db.get(bucketCountKey(bucketBytes(bucketId))) !== undefined);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  healthy(): boolean {
    return this.closing === undefined && !this.commitFailed;
  }

  /** One GC pass: removes every item tombstone-only for longer than the delay; returns how many. */
  gcOnce(): Promise<number> {
    return this.track(async () => {
      const upTo = Math.floor(this.w.now() - this.gcDelayMs);
      if (upTo < 0) return 0;
      let total = 0;
      for (;;) {
        const chunk = await this.transact(() => collectGarbageChunk(this.w, BigInt(upTo)));
        total += chunk.removed;
        if (!chunk.more) return total;
      }
    });
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    clearInterval(this.gcTimer);
    while (this.inflight.size > 0) await Promise.allSettled(this.inflight.values());
    // Readers still streaming are cut short: their cursors and transactions must not outlive the env.
    for (const snap of this.snapshots.values()) snap.close();
    try {
      await this.env.close();
    } finally {
      this.lock.release();
    }
  }

  private gcTick(): void {
    if (this.gcRunning || this.closing !== undefined) return;
    this.gcRunning = true;
    this.gcOnce()
      .then(
        (n) => {
          if (n > 0) this.logger.debug({ removed: n }, 'tombstone GC');
        },
        (err: unknown) => this.logger.error({ err }, 'tombstone GC failed'),
      )
      .finally(() => {
        this.gcRunning = false;
      });
  }

  /** Runs an operation, refusing it when closing, and lets close() wait for it. */
  private track<T>(op: () => Promise<T>): Promise<T> {
    if (this.closing !== undefined) return Promise.reject(new StoreError('Unavailable', 'the store is closing'));
    const p = op();
    const entry = this.inflight.add(p);
    const forget = (): void => {
      this.inflight.delete(entry);
    };
    p.then(forget, forget);
    return p;
  }

  private async transact<T>(fn: () => T, writes?: (result: T) => number): Promise<T> {
    try {
      const result = await this.txn(fn, writes);
      this.commitFailed = false;
      return result;
    } catch (err) {
      const dir = path.dirname(this.lock.path);
      const mapped = await toStoreError(err, () => diskNearlyFull(dir));
      if (mapped.code !== undefined) {
        // The whole batch was aborted: a storage failure, not this call's own refusal.
        this.commitFailed = true;
        this.w.budget.invalidate();
        this.logger.error(
          { err, code: mapped.code, dataDir: dir, freeBytes: freeBytes(dir) },
          mapped.space ? 'write failed: storage is full (map or disk)' : 'write transaction failed',
        );
      }
      throw mapped.error;
    }
  }

  /** After the commit is durable: this process's polls, then the other processes'. */
  private publish(changes: readonly ItemChange[]): void {
    for (const c of changes) this.subs.publish(c);
    if (changes.length > 0) this.peers?.send(changes);
  }

  private checkOpen(): void {
    if (this.closing !== undefined) throw new StoreError('Unavailable', 'the store is closed');
  }
}

interface AfterCommitEmitter {
  on(event: 'aftercommit', listener: (info: { txnId?: number } | undefined) => void): void;
}
