/**
 * Lazy, ordered scans of one partition's items (as item views) and of one bucket's counters, on
 * the view handles (view-dbs.ts) and a snapshot's read transaction. Same entries, order and
 * positioning as scan.ts `scanPrefix`, but bounded by an `end` key instead of a prefix test on
 * every key, so that keys need not be read at all:
 *
 * - forward: from `prefix | from` (or `prefix`) up to `prefix | FF` exclusive (UTF-8 never holds
 *   0xFF, so every key of the prefix is below it);
 * - reverse: from `prefix | from` (or `prefix | FF`) down to `prefix` inclusive (the key of an
 *   empty sort key or partition key is the prefix itself).
 *
 * An exclusive ScanFrom uses lmdb-js's `exclusiveStart` (skips the start key if present), as
 * scanPrefix skips it by hand; a start longer than any stored key is truncated as there.
 */
import type { Buffer } from 'node:buffer';
import type { Database, Transaction } from 'lmdb';
import type { IndexCounts } from '../../k2v/index-counts.js';
import type { ScanFrom } from '../../k2v/range.js';
import type { ItemView } from '../item-view.js';
import type { IndexEntry, ScanIterator } from '../store.js';
import { afterPrefix, bucketBytes, counterPrefix, MAX_LMDB_KEY_BYTES, partitionPrefix, withSuffix } from './keys.js';
import type { OnScanEnd } from './scan.js';
import type { ViewDbs } from './view-dbs.js';

type Entry<K, V> = { key: K; value: V };

class BoundedScan<K, V, T> implements ScanIterator<T> {
  private done = false;

  constructor(
    private readonly inner: Iterator<Entry<K, V>>,
    private readonly map: (e: Entry<K, V>) => T,
    private readonly onEnd: OnScanEnd | undefined,
  ) {}

  [Symbol.iterator](): this {
    return this;
  }

  next(): IteratorResult<T> {
    if (this.done) return { done: true, value: undefined };
    const r = this.inner.next();
    if (r.done === true) {
      this.done = true;
      this.onEnd?.(this);
      return { done: true, value: undefined };
    }
    return { done: false, value: this.map(r.value) };
  }

  return(): IteratorResult<T> {
    if (!this.done) {
      this.done = true;
      this.inner.return?.();
      this.onEnd?.(this);
    }
    return { done: true, value: undefined };
  }
}

interface Bounds {
  start: Buffer;
  end: Buffer;
  reverse: boolean;
  inclusiveEnd: boolean;
  exclusiveStart: boolean;
  transaction: Transaction;
}

function boundsOf(prefix: Buffer, from: ScanFrom | undefined, reverse: boolean, transaction: Transaction): Bounds {
  const after = afterPrefix(prefix);
  let start: Buffer;
  let exclusiveStart = false;
  if (from === undefined) {
    start = reverse ? after : prefix;
  } else {
    start = withSuffix(prefix, from.key);
    exclusiveStart = !from.inclusive;
    if (start.length > MAX_LMDB_KEY_BYTES) {
      // As scanPrefix: no stored key is that long; the truncated start itself sorts before it.
      start = start.subarray(0, MAX_LMDB_KEY_BYTES);
      exclusiveStart = !reverse;
    }
  }
  return { start, end: reverse ? prefix : after, reverse, inclusiveEnd: reverse, exclusiveStart, transaction };
}

function scan<K, V, T>(db: Database<V, Buffer>, b: Bounds, map: (e: Entry<K, V>) => T, onEnd: OnScanEnd | undefined): ScanIterator<T> {
  const range = db.getRange(b) as unknown as Iterable<Entry<K, V>>;
  return new BoundedScan(range[Symbol.iterator](), map, onEnd);
}

const viewOf = (e: Entry<null, ItemView>): ItemView => e.value;
const indexEntryOf = (e: Entry<string, IndexCounts>): IndexEntry => ({ pk: e.key, counts: e.value });

export function scanItemViews(
  dbs: ViewDbs,
  bucketId: string,
  pk: string,
  from: ScanFrom | undefined,
  reverse: boolean,
  transaction: Transaction,
  onEnd?: OnScanEnd,
): ScanIterator<ItemView> {
  return scan(dbs.items, boundsOf(partitionPrefix(bucketId, pk), from, reverse, transaction), viewOf, onEnd);
}

export function scanIndexViews(
  dbs: ViewDbs,
  bucketId: string,
  from: ScanFrom | undefined,
  reverse: boolean,
  transaction: Transaction,
  onEnd?: OnScanEnd,
): ScanIterator<IndexEntry> {
  return scan(dbs.index, boundsOf(counterPrefix(bucketBytes(bucketId)), from, reverse, transaction), indexEntryOf, onEnd);
}
