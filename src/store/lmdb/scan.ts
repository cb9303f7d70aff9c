/**
 * Lazy, ordered scans over one key prefix (a partition's items, a bucket's counters), positioned
 * by a ScanFrom (src/k2v/range.ts), on an explicit read transaction (a Snapshot) or, inside a
 * write transaction callback, on that transaction.
 *
 * lmdb-js `getRange({ start, reverse })`, as the contract suite checks (store-case-scans.ts):
 * forward, iteration begins at the first key >= start; reverse, at the last key <= start; `start`
 * itself is included when present. An exclusive ScanFrom skips that one key. The scan ends at
 * the first key outside the prefix, so no `end` bound is needed (and an item whose sort key is
 * empty, whose key is the prefix itself, is still reached in reverse).
 */
import { Buffer } from 'node:buffer';
import type { Transaction } from 'lmdb';
import type { ScanFrom } from '../../k2v/range.js';
import type { ScanIterator } from '../store.js';
import { afterPrefix, hasPrefix, MAX_LMDB_KEY_BYTES, withSuffix } from './keys.js';
import type { ItemsDb } from './writer-state.js';

type Decode<T> = (key: Buffer, value: Buffer) => T;

/** Called once when a scan ends (ran out, or `return()`), e.g. to forget it in its snapshot. */
export type OnScanEnd = (scan: ScanIterator<unknown>) => void;

class PrefixScan<T> implements ScanIterator<T> {
  private done = false;
  private first = true;

  constructor(
    private readonly inner: Iterator<{ key: Buffer; value: Buffer }>,
    private readonly prefix: Buffer,
    private readonly skipKey: Buffer | undefined,
    private readonly decode: Decode<T>,
    private readonly onEnd: OnScanEnd | undefined,
  ) {}

  [Symbol.iterator](): this {
    return this;
  }

  next(): IteratorResult<T> {
    if (this.done) return { done: true, value: undefined };
    let r = this.inner.next();
    if (this.first) {
      this.first = false;
      if (r.done !== true && this.skipKey !== undefined && this.skipKey.compare(r.value.key) === 0) r = this.inner.next();
    }
    if (r.done === true) {
      this.done = true;
      this.onEnd?.(this);
      return { done: true, value: undefined };
    }
    if (!hasPrefix(r.value.key, this.prefix)) return this.return();
    return { done: false, value: this.decode(r.value.key, r.value.value) };
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
 * Scans the keys under `prefix`, from `from` (a suffix after the prefix) or from the first (last)
 * key. `transaction` undefined means the current write transaction (inside a callback) or
 * lmdb-js's shared read transaction.
 */
export function scanPrefix<T>(
  db: ItemsDb,
  prefix: Buffer,
  from: ScanFrom | undefined,
  reverse: boolean,
  transaction: Transaction | undefined,
  decode: Decode<T>,
  onEnd?: OnScanEnd,
): ScanIterator<T> {
  let start: Buffer;
  let skip: Buffer | undefined;
  if (from === undefined) {
    start = reverse ? afterPrefix(prefix) : prefix;
  } else {
    start = withSuffix(prefix, from.key);
    skip = from.inclusive ? undefined : start;
    if (start.length > MAX_LMDB_KEY_BYTES) {
      // No stored key is that long; the only stored key sharing the truncated start as a prefix
      // is the truncated start itself, which sorts before `start`: skip it forward, keep it in
      // reverse.
      start = start.subarray(0, MAX_LMDB_KEY_BYTES);
      skip = reverse ? undefined : start;
    }
  }
  const range = db.getRange(transaction === undefined ? { start, reverse } : { start, reverse, transaction });
  return new PrefixScan(range[Symbol.iterator](), prefix, skip, decode, onEnd);
}
