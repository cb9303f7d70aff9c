/**
 * The range walk of contract section 8, shared by ReadIndex, ReadBatch, DeleteBatch and PollRange.
 * Keys are compared by their UTF-8 bytes. The store supplies an ordered iterator positioned by
 * `scanStart()`; `walkRange()` applies prefix/end stops, the filter and the limit.
 */
import { badRequest, type K2vError } from './errors.js';
import { compareUtf8, utf8Bytes } from './utf8.js';

export interface RangeSpec {
  readonly prefix?: string | undefined;
  readonly start?: string | undefined;
  readonly end?: string | undefined;
  readonly limit?: number | undefined;
  readonly reverse: boolean;
}

/** The bounds of a forward range without limit, as PollRange and seen markers use them. */
export interface KeyBounds {
  readonly prefix?: string | undefined;
  readonly start?: string | undefined;
  readonly end?: string | undefined;
}

/** Where a store iterator begins: a UTF-8 key, inclusive or not; undefined = the first (last) key. */
export interface ScanFrom {
  readonly key: Uint8Array;
  readonly inclusive: boolean;
}

/** How a walk ended: `more` and `nextStart` exactly as the contract's response fields. */
export interface RangeEnd {
  readonly more: boolean;
  readonly nextStart: string | null;
}

const DONE: RangeEnd = { more: false, nextStart: null };

/** 400 InvalidRequest when `start` does not begin with `prefix` (as Garage's range.rs). */
export function checkRange(spec: KeyBounds): K2vError | undefined {
  const { prefix, start } = spec;
  if (prefix !== undefined && start !== undefined && !start.startsWith(prefix)) {
    return badRequest(`Start key '${start}' does not start with prefix '${prefix}'`);
  }
  return undefined;
}

/**
 * Where the store iterator must begin. Reverse with a prefix only: just below the smallest byte
 * string greater than every key with that prefix, which is exclusive of that string itself
 * (Garage steps to the next character and skips it; the byte form needs no character table).
 */
export function scanStart(spec: RangeSpec): ScanFrom | undefined {
  if (spec.start !== undefined) return { key: utf8Bytes(spec.start), inclusive: true };
  if (spec.prefix === undefined) return undefined;
  const prefix = utf8Bytes(spec.prefix);
  if (!spec.reverse) return { key: prefix, inclusive: true };
  const after = bytesAfterPrefix(prefix);
  return after === undefined ? undefined : { key: after, inclusive: false };
}

/** The smallest byte string greater than every string beginning with `prefix`, if any. */
function bytesAfterPrefix(prefix: Uint8Array): Uint8Array | undefined {
  let n = prefix.length;
  while (n > 0 && prefix[n - 1] === 0xff) n--;
  if (n === 0) return undefined;
  const out = prefix.slice(0, n);
  out[n - 1] += 1;
  return out;
}

/** True when `key` is inside the forward range: begins with prefix, start <= key < end. */
export function inRange(key: string, bounds: KeyBounds): boolean {
  if (bounds.prefix !== undefined && !key.startsWith(bounds.prefix)) return false;
  if (bounds.start !== undefined && compareUtf8(key, bounds.start) < 0) return false;
  if (bounds.end !== undefined && compareUtf8(key, bounds.end) >= 0) return false;
  return true;
}

/**
 * Walks `entries` (already positioned by `scanStart` and ordered in the spec's direction), lazily
 * yielding the entries to return, and returns `more`/`nextStart`. It pulls at most one entry past
 * the last one it yields, and calls `entries.return()` whenever it stops before the iterator is
 * exhausted (including when the consumer stops early), so the store can release its snapshot.
 * `startsWith` on JS strings equals a UTF-8 byte-prefix test for well-formed strings.
 */
export function* walkRange<T>(
  entries: Iterator<T>,
  keyOf: (e: T) => string,
  spec: RangeSpec,
  filter?: (e: T) => boolean,
): Generator<T, RangeEnd, undefined> {
  const { prefix, end, limit, reverse } = spec;
  let exhausted = false;
  let yielded = 0;
  try {
    for (;;) {
      let r: IteratorResult<T>;
      try {
        r = entries.next();
      } catch (err) {
        exhausted = true; // as for-of: an iterator whose next() threw is not closed
        throw err;
      }
      if (r.done === true) {
        exhausted = true;
        return DONE;
      }
      const e = r.value;
      const key = keyOf(e);
      if (prefix !== undefined && !key.startsWith(prefix)) return DONE;
      if (end !== undefined) {
        const c = compareUtf8(key, end);
        if (reverse ? c <= 0 : c >= 0) return DONE;
      }
      if (filter !== undefined && !filter(e)) continue;
      if (limit !== undefined && yielded >= limit) return { more: true, nextStart: key };
      yielded++;
      yield e;
    }
  } finally {
    if (!exhausted) entries.return?.();
  }
}
