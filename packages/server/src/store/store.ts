/**
 * The Store port: everything the HTTP and admin layers need from storage, and nothing of LMDB.
 * See architecture.md "The Store interface". Backends: store/lmdb (embedded default).
 */
import type { DvvsItem, Value, VectorClock } from '../k2v/dvvs.js';
import type { IndexCounts } from '../k2v/index-counts.js';
import type { RangeSpec, ScanFrom } from '../k2v/range.js';
import type { ItemView } from './item-view.js';
import type { MetadataStore } from './metadata.js';

/** One write of InsertItem / DeleteItem / InsertBatch: `value === null` writes a tombstone. */
export interface ItemWrite {
  readonly pk: string;
  readonly sk: string;
  readonly ct: VectorClock | undefined;
  readonly value: Value;
}

export interface ItemEntry {
  readonly sk: string;
  readonly item: DvvsItem;
}

export interface IndexEntry {
  readonly pk: string;
  readonly counts: IndexCounts;
}

/** An ordered, lazy iterator over one read snapshot; `return()` (or running out) releases it. */
export type ScanIterator<T> = IterableIterator<T> & { return(): IteratorResult<T> };

/**
 * A consistent read snapshot. Everything read through one snapshot sees the same committed and
 * durable state; `close()` releases it (idempotent).
 */
export interface Snapshot {
  getItem(bucketId: string, pk: string, sk: string): DvvsItem | undefined;
  /** Items of one partition in sort-key byte order (descending when `reverse`). */
  scanItems(bucketId: string, pk: string, from: ScanFrom | undefined, reverse: boolean): ScanIterator<ItemEntry>;
  /**
   * The read path's form of getItem and scanItems (ReadBatch): the same items, as views of their
   * stored records, which cost far less than a DvvsItem each (item-view.ts).
   */
  getItemView(bucketId: string, pk: string, sk: string): ItemView | undefined;
  scanItemViews(bucketId: string, pk: string, from: ScanFrom | undefined, reverse: boolean): ScanIterator<ItemView>;
  /** Partitions of a bucket with non-zero counters, in partition-key byte order. */
  scanIndex(bucketId: string, from: ScanFrom | undefined, reverse: boolean): ScanIterator<IndexEntry>;
  /**
   * Everything this store's node wrote with a timestamp <= watermark().get(nodeId) is visible in
   * this snapshot (the `last` timestamp persisted with the data). Used for PollRange seen markers.
   */
  watermark(): VectorClock;
  close(): void;
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

export interface Store {
  /** This store's persistent node id (u64). */
  readonly nodeId: bigint;
  readonly meta: MetadataStore;

  /** Fast path for a single read: the item, or undefined if never written (or GC'd). */
  getItem(bucketId: string, pk: string, sk: string): DvvsItem | undefined;
  snapshot(): Snapshot;

  /**
   * Applies the writes atomically, in order (several entries for one item apply one after the
   * other), in a transaction shared with other concurrent callers (group commit). Resolves only
   * once the transaction is durable on disk; subscribers are notified after that.
   * Rejects with a StoreError (e.g. 'Unavailable' when the map or disk is full).
   */
  write(bucketId: string, writes: readonly ItemWrite[]): Promise<void>;

  /**
   * DeleteBatch for one query: walks the forward range (limit and reverse ignored), writes a
   * tombstone with its own context into every item that is not tombstone-only, atomically,
   * durably. Resolves to the number of items deleted.
   */
  deleteRange(bucketId: string, pk: string, range: RangeSpec): Promise<number>;

  /**
   * Subscribes to durable changes of one partition; returns the unsubscribe function. `onResync`
   * means "changes may have been missed (e.g. a lost notification connection): re-read"; a
   * subscriber re-checks what it watches, as after a change. Changes committed after `subscribe`
   * returns are always delivered (or followed by `onResync`).
   */
  subscribe(bucketId: string, pk: string, onChange: ChangeListener, onResync: () => void): () => void;

  /** True while any K2V item (tombstones included) remains in the bucket. */
  bucketHasItems(bucketId: string): boolean;

  /** Usable for reads and writes (GET /health). */
  healthy(): boolean;

  /** Waits for in-flight writes, then closes the environment. */
  close(): Promise<void>;
}
