/**
 * The bounds of ordered scans over one key prefix (a partition's items, a bucket's counters),
 * positioned by a ScanFrom (src/k2v/range.ts), on an explicit read transaction (a Snapshot) or,
 * inside a write transaction callback, on that transaction.
 *
 * A scan is one lmdb-js `getRange` bounded by an `end` key, so that no key needs a prefix test
 * (view-scans.ts does not even read the keys):
 * - forward: from `prefix | from` (or `prefix`) up to `prefix | FF` exclusive (UTF-8 never holds
 *   0xFF, so every key of the prefix is below it);
 * - reverse: from `prefix | from` (or `prefix | FF`) down to `prefix` inclusive (the key of an
 *   empty sort key or partition key is the prefix itself).
 * Forward, iteration begins at the first key >= start; reverse, at the last key <= start; `start`
 * itself is included unless the ScanFrom is exclusive (lmdb-js `exclusiveStart`). The walk above
 * (page-scan.ts) stops at the range's other end.
 */
import type { Buffer } from 'node:buffer';
import type { Database, Transaction } from 'lmdb';
import type { ScanFrom } from '../../k2v/range.js';
import { afterPrefix, MAX_LMDB_KEY_BYTES, withSuffix } from './keys.js';

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

/**
 * The raw entries of one bounded range of `db` (any of the handles on the items database).
 * `transaction` undefined means the current write transaction (inside a callback) or lmdb-js's
 * shared read transaction.
 */
export function rangeEntries<K, V>(db: Database<V, Buffer>, bounds: PrefixBounds, transaction: Transaction | undefined): Iterator<RangeEntry<K, V>> {
  // A literal, not `{ ...bounds, transaction }`: the spread is a slow generic copy, once per scan.
  const options =
    transaction === undefined
      ? bounds
      : {
          start: bounds.start,
          end: bounds.end,
          reverse: bounds.reverse,
          inclusiveEnd: bounds.inclusiveEnd,
          exclusiveStart: bounds.exclusiveStart,
          transaction,
        };
  const range = db.getRange(options) as unknown as Iterable<RangeEntry<K, V>>;
  return range[Symbol.iterator]();
}
