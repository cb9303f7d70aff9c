/**
 * Lazy, ordered scans over one key prefix (a partition's items, a bucket's counters), positioned
 * by a ScanFrom (src/k2v/range.ts), on an explicit read transaction (a Snapshot) or, inside a
 * write transaction callback, on that transaction.
 *
 * A scan is one lmdb-js `getRange` bounded by an `end` key, so that no key needs a prefix test
 * (view-scans.ts does not even read the keys):
 * - forward: from `prefix | from` (or `prefix`) up to `prefix | FF` exclusive (UTF-8 never holds
 *   0xFF, so every key of the prefix is below it);
 * - reverse: from `prefix | from` (or `prefix | FF`) down to `prefix` inclusive (the key of an
 *   empty sort key or partition key is the prefix itself).
 * As the contract suite checks (store-case-scans.ts): forward, iteration begins at the first key
 * >= start; reverse, at the last key <= start; `start` itself is included unless the ScanFrom is
 * exclusive (lmdb-js `exclusiveStart`).
 */
import type { Buffer } from 'node:buffer';
import type { Database, Transaction } from 'lmdb';
import type { ScanFrom } from '../../k2v/range.js';
import type { ScanIterator } from '../store.js';
import { afterPrefix, MAX_LMDB_KEY_BYTES, withSuffix } from './keys.js';
import type { ItemsDb } from './writer-state.js';

/** Called once when a scan ends (ran out, or `return()`), e.g. to forget it in its snapshot. */
export type OnScanEnd = (scan: ScanIterator<unknown>) => void;

export interface RangeEntry<K, V> {
  readonly key: K;
  readonly value: V;
}

/** lmdb-js `getRange` options of a prefix scan (without the transaction). */
export interface PrefixBounds {
  readonly start: Buffer;
  readonly end: Buffer;
  readonly reverse: boolean;
  readonly inclusiveEnd: boolean;
  readonly exclusiveStart: boolean;
}

export function prefixBounds(prefix: Buffer, from: ScanFrom | undefined, reverse: boolean): PrefixBounds {
  const after = afterPrefix(prefix);
  let start: Buffer;
  let exclusiveStart = false;
  if (from === undefined) {
    start = reverse ? after : prefix;
  } else {
    start = withSuffix(prefix, from.key);
    exclusiveStart = !from.inclusive;
    if (start.length > MAX_LMDB_KEY_BYTES) {
      // No stored key is that long; the only stored key sharing the truncated start as a prefix
      // is the truncated start itself, which sorts before `start`: skip it forward, keep it in
      // reverse.
      start = start.subarray(0, MAX_LMDB_KEY_BYTES);
      exclusiveStart = !reverse;
    }
  }
  return { start, end: reverse ? prefix : after, reverse, inclusiveEnd: reverse, exclusiveStart };
}

class MappedScan<E, T> implements ScanIterator<T> {
  private done = false;

  constructor(
    private readonly inner: Iterator<E>,
    private readonly map: (e: E) => T,
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

/**
 * One bounded range of `db` (any of the handles on the items database), each entry mapped.
 * `transaction` undefined means the current write transaction (inside a callback) or lmdb-js's
 * shared read transaction.
 */
export function scanRange<K, V, T>(
  db: Database<V, Buffer>,
  bounds: PrefixBounds,
  transaction: Transaction | undefined,
  map: (e: RangeEntry<K, V>) => T,
  onEnd?: OnScanEnd,
): ScanIterator<T> {
  const range = db.getRange(transaction === undefined ? bounds : { ...bounds, transaction }) as unknown as Iterable<
    RangeEntry<K, V>
  >;
  return new MappedScan(range[Symbol.iterator](), map, onEnd);
}

/** The keys under `prefix` from `from` (a suffix after the prefix) or from the first (last) key, decoded. */
export function scanPrefix<T>(
  db: ItemsDb,
  prefix: Buffer,
  from: ScanFrom | undefined,
  reverse: boolean,
  transaction: Transaction | undefined,
  decode: (key: Buffer, value: Buffer) => T,
  onEnd?: OnScanEnd,
): ScanIterator<T> {
  return scanRange<Buffer, Buffer, T>(db, prefixBounds(prefix, from, reverse), transaction, (e) => decode(e.key, e.value), onEnd);
}
