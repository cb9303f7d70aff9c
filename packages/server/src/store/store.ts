/**
 * The Store port: everything the HTTP and admin layers need from storage, and nothing of LMDB.
 * See architecture.md "The Store interface". Backends: store/lmdb (embedded default); shaped so
 * that a networked database (store/postgres, several servers) fits behind it unchanged:
 * - every read is asynchronous; a point read costs one `await` (~50 ns, nothing next to a
 *   request), a scan one `await` per PAGE of entries, never one per entry (~250 ns each, a
 *   quarter of ReadBatch's budget per item);
 * - a snapshot only lives inside `read(fn)` (on PostgreSQL: a REPEATABLE READ READ ONLY
 *   transaction), so none can leak;
 * - scans receive the range bounds and a limit (`ScanQuery`), so a backend can filter and limit
 *   where the data is (`WHERE … ORDER BY sk LIMIT`);
 * - the write logic that is not the backend's lives above it (write-plan.ts).
 */
import type { Value, VectorClock } from '../k2v/dvvs.js';
import type { IndexCounts } from '../k2v/index-counts.js';
import type { RangeSpec } from '../k2v/range.js';
import type { StoredItem } from './item-codec.js';
import type { ItemView } from './item-view.js';
import type { MetadataRecords, MetadataStore } from './metadata.js';

/** One write of InsertItem / DeleteItem / InsertBatch: `value === null` writes a tombstone. */
export interface ItemWrite {
  readonly pk: string;
  readonly sk: string;
  readonly ct: VectorClock | undefined;
  readonly value: Value;
}

export interface IndexEntry {
  readonly pk: string;
  readonly counts: IndexCounts;
}

/**
 * What a scan reads, in the terms of contract section 8 (keys compared by UTF-8 bytes): the keys
 * that begin with `prefix`, from `start` (inclusive; else from the prefix, else from the first,
 * or in reverse the last, key) up to `end` (exclusive), in key order or reverse key order. A
 * scan yields exactly those entries (an item scan: those its filter keeps), and at most `limit`
 * of them: a range walk (k2v/range.ts) that returns `limit` entries passes `limit + 1`, to learn
 * `more` and `nextStart` from the last one.
 */
export interface ScanQuery {
  readonly prefix?: string | undefined;
  readonly start?: string | undefined;
  readonly end?: string | undefined;
  readonly reverse: boolean;
  readonly limit?: number | undefined;
}

/** An item scan may also skip what ReadBatch and DeleteBatch would drop (scan-query.ts). */
export interface ItemScanQuery extends ScanQuery {
  /** Skip tombstone-only items. */
  readonly skipTombstones?: boolean | undefined;
  /** Only items in conflict (two or more distinct values). */
  readonly conflictsOnly?: boolean | undefined;
}

/** A scan: its entries in pages (never empty), in order. Stopping early (`break`) releases it. */
export type PageScan<T> = AsyncIterable<readonly T[]>;

/**
 * A consistent read snapshot, only valid inside the `read(fn)` that handed it out. Everything
 * read through it sees the same committed and durable state.
 */
/** The name of one item: its partition key and sort key. */
export interface ItemRef {
  readonly pk: string;
  readonly sk: string;
}

export interface Snapshot {
  getItem(bucketId: string, pk: string, sk: string): Promise<ItemView | undefined>;
  /**
   * Point reads of several items of a bucket, answered in the order of `refs` (undefined: no such
   * item). A ReadBatch's `singleItem` queries go through one call: one statement on a networked
   * backend instead of a round trip each.
   */
  getItems(bucketId: string, refs: readonly ItemRef[]): Promise<(ItemView | undefined)[]>;
  /** Items of one partition (ReadBatch, PollRange). */
  scanItems(bucketId: string, pk: string, q: ItemScanQuery): PageScan<ItemView>;
  /** Partitions of a bucket with non-zero counters, by partition key (ReadIndex). */
  scanIndex(bucketId: string, q: ScanQuery): PageScan<IndexEntry>;
  /**
   * For every writer node n of the store: everything n wrote with a timestamp <= watermark().get(n)
   * is visible in this snapshot (each node's `last`, read in the snapshot). PollRange seen markers.
   */
  watermark(): Promise<VectorClock>;
  /**
   * Every item of the bucket, tombstone-only ones included, decoded, in pages (dump). The order
   * is the backend's (not key order); each item appears exactly once.
   */
  scanBucketItems(bucketId: string): PageScan<StoredItem>;
  /** Keys, buckets and admin tokens as this snapshot holds them (dump), not as a cache does. */
  metadata(): Promise<MetadataRecords>;
}

/**
 * A committed, durable change to one item, delivered to subscribers after the commit is on disk.
 * Only the item's name: listeners re-read what they need, and a networked backend can carry it in
 * a notification (PostgreSQL NOTIFY payloads are at most 8000 bytes).
 */
export interface ItemChange {
  readonly bucketId: string;
  readonly pk: string;
  readonly sk: string;
}

export type ChangeListener = (change: ItemChange) => void;

/** The longest keys the backend can hold; `Limits` must not exceed them (checked at start). */
export interface KeyLimits {
  readonly maxPartitionKeyBytes: number;
  readonly maxSortKeyBytes: number;
}

export interface Store {
  /** The node id this store writes through (u64): a node of the causality tokens. */
  readonly nodeId: bigint;
  readonly meta: MetadataStore;
  readonly keyLimits: KeyLimits;

  /** A single read outside any snapshot: the item, or undefined if never written (or GC'd). */
  getItem(bucketId: string, pk: string, sk: string): Promise<ItemView | undefined>;

  /**
   * Runs `fn` on one read snapshot, released when the promise `fn` returned settles (scans still
   * open then are ended). Resolves or rejects as `fn` did.
   */
  read<T>(fn: (snap: Snapshot) => Promise<T>): Promise<T>;

  /**
   * Applies the writes atomically, in order (several entries for one item apply one after the
   * other), in a transaction shared with other concurrent callers (group commit), planned by
   * write-plan.ts. Resolves only once the transaction is durable; subscribers are notified after
   * that. Rejects with a StoreError (FutureToken, TooManyValues; 'Unavailable' when full).
   */
  write(bucketId: string, writes: readonly ItemWrite[]): Promise<void>;

  /**
   * DeleteBatch for one query: walks the forward range (limit and reverse ignored) and writes a
   * tombstone with its own context into every item that is not tombstone-only
   * (write-plan.ts rangeDeletion), durably. Atomic per chunk, not per query: a backend may split
   * a large range into transactions of consecutive items in sort-key order (LMDB: 10 000 items
   * each), so a crash leaves a first part of the range deleted; repeating the query finishes it.
   * Resolves to the number of items deleted.
   */
  deleteRange(bucketId: string, pk: string, range: RangeSpec): Promise<number>;

  /**
   * Subscribes to durable changes of one partition; returns the unsubscribe function. `onResync`
   * means "changes may have been missed (e.g. a lost notification connection): re-read"; a
   * subscriber re-checks what it watches, as after a change. Every change committed after
   * `subscribe` returns is delivered (or followed by `onResync`).
   */
  subscribe(bucketId: string, pk: string, onChange: ChangeListener, onResync: () => void): () => void;

  /**
   * Restore: each item becomes the DVVS merge of its stored state and the given one
   * (write-plan.ts `mergeIn`), in one transaction shared with other calls (group commit),
   * counters, item counts and the node's `last` included; all or nothing. Resolves, once durable,
   * to the number of items that changed (0 when everything was already there).
   */
  mergeItems(bucketId: string, items: readonly StoredItem[]): Promise<number>;

  /**
   * A consistent copy of the whole store as files in the empty directory `dir`, from which a
   * server can start; absent on backends whose data is not files of this process (PostgreSQL:
   * pg_dump or `k2v dump`).
   */
  copyTo?(dir: string): Promise<void>;

  /** True while any K2V item (tombstones included) remains in the bucket. */
  bucketHasItems(bucketId: string): Promise<boolean>;

  /** Usable for reads and writes (GET /health). */
  healthy(): boolean;

  /** Waits for in-flight writes, then closes the backend. */
  close(): Promise<void>;
}
