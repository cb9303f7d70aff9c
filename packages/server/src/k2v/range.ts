/**
 * The range walk of contract section 8, shared by ReadIndex, ReadBatch, DeleteBatch and PollRange.
 * Keys are compared by their UTF-8 bytes. A store positions its scan by `scanStart()`;
 * `RangeWalker` applies prefix/end stops, the filter and the limit.
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

/** What a range walk does with an offered entry: return it, pass over it, or end the walk. */
export type Offer = 'take' | 'skip' | 'stop';

/**
 * The range walk, pushed one entry at a time, so that a synchronous loop (a backend filling a
 * page from its cursor) and an asynchronous one (a handler reading pages) drive the same rules.
 * Entries must be offered in the spec's order, from the position `scanStart(spec)` gives. `offer`
 * applies the prefix and end stops, the filter and the limit; once it has answered 'stop' it
 * answers 'stop' to everything. `end()` is `more`/`nextStart`: after a 'stop', or after the
 * entries ran out. `startsWith` on JS strings equals a UTF-8 byte-prefix test for well-formed
 * strings.
 */
export class RangeWalker<T> {
  private readonly prefix: string | undefined;
  private readonly end_: string | undefined;
  private readonly limit: number | undefined;
  private readonly reverse: boolean;
  private taken = 0;
  private stopped: RangeEnd | undefined;

  constructor(
    spec: RangeSpec,
    private readonly keyOf: (e: T) => string,
    private readonly filter?: (e: T) => boolean,
  ) {
    this.prefix = spec.prefix;
    this.end_ = spec.end;
    this.limit = spec.limit;
    this.reverse = spec.reverse;
  }

  offer(e: T): Offer {
    if (this.stopped !== undefined) return 'stop';
    // The key is only read when a bound or the limit needs it: item views decode it on demand.
    if (this.prefix !== undefined || this.end_ !== undefined) {
      const key = this.keyOf(e);
      if (this.prefix !== undefined && !key.startsWith(this.prefix)) return this.stop(DONE);
      if (this.end_ !== undefined) {
        const c = compareUtf8(key, this.end_);
        if (this.reverse ? c <= 0 : c >= 0) return this.stop(DONE);
      }
    }
    if (this.filter !== undefined && !this.filter(e)) return 'skip';
    if (this.limit !== undefined && this.taken >= this.limit) return this.stop({ more: true, nextStart: this.keyOf(e) });
    this.taken++;
    return 'take';
  }

  /**
   * The limit is reached: the next entry in range will only say `more`. A source that needs no
   * `more` (a backend serving `limit` entries) stops pulling here.
   */
  get full(): boolean {
    return this.limit !== undefined && this.taken >= this.limit;
  }

  end(): RangeEnd {
    return this.stopped ?? DONE;
  }

  private stop(end: RangeEnd): Offer {
    this.stopped = end;
    return 'stop';
  }
}
