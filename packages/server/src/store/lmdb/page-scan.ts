/**
 * A scan by pages (store.ts PageScan) over one lmdb-js range iterator: each `next()` fills a page
 * synchronously from the cursor and hands it over in one resolved promise, so the asynchronous
 * port costs one `await` per page, not per entry. The page is filled through a RangeWalker of the
 * scan's query (k2v/range.ts), so it holds exactly the entries of the range its filter keeps,
 * and the cursor stops at the range's end and after `limit` entries instead of decoding past them.
 *
 * The cursor belongs to a snapshot's read transaction: `close()` (or running out, or `return()`,
 * which `break` in a for-await calls) releases it and tells the snapshot (`onEnd`), which closes
 * the scans still open when it is released.
 */
import { RangeWalker } from '../../k2v/range.js';

/** Entries per page: large enough that the per-page `await` is noise, small enough to stream. */
export const PAGE_ENTRIES = 256;
/**
 * A page also ends once its entries hold this many bytes, so that a scan of large values streams
 * in bounded memory (ReadBatch answers whole partitions), as a lazy per-entry scan would: a
 * response stalled by its client holds one page, not 256 values of up to 1 MiB each.
 */
export const PAGE_BYTES = 64 * 1024;

const DONE: Promise<IteratorResult<never, undefined>> = Promise.resolve({ done: true, value: undefined });

/** The part of a scan its snapshot sees: something to close. */
export interface OpenScan {
  close(): void;
}

/**
 * What every page scan over one lmdb-js cursor shares: pages handed over by `next()`, and the
 * cursor released exactly once, by `close()`, `return()` or running out. `fill()` is the scan's
 * own loop; it calls `ranOut()` when the cursor is exhausted and `close()` to stop early.
 */
export abstract class CursorPages<E, T> implements AsyncIterableIterator<readonly T[]>, OpenScan {
  private done = false;

  constructor(
    protected readonly inner: Iterator<E>,
    private readonly onEnd: (scan: OpenScan) => void,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<readonly T[], undefined>> {
    if (this.done) return DONE;
    let page: T[];
    try {
      page = this.fill();
    } catch (err) {
      this.close();
      return Promise.reject(err);
    }
    return page.length === 0 ? DONE : Promise.resolve({ done: false, value: page });
  }

  return(): Promise<IteratorResult<readonly T[], undefined>> {
    this.close();
    return DONE;
  }

  /** Ends the scan and releases its cursor (idempotent). */
  close(): void {
    if (this.done) return;
    this.done = true;
    this.inner.return?.();
    this.onEnd(this);
  }

  /** The cursor ran out: an exhausted lmdb-js iterator has already released it. */
  protected ranOut(): void {
    this.done = true;
    this.onEnd(this);
  }

  /** One page, at most PAGE_ENTRIES entries and about PAGE_BYTES bytes. */
  protected abstract fill(): T[];
}

export class LmdbPageScan<E, T> extends CursorPages<E, T> {
  constructor(
    inner: Iterator<E>,
    private readonly map: (e: E) => T,
    private readonly walker: RangeWalker<T>,
    onEnd: (scan: OpenScan) => void,
    /** Bytes an entry holds (its stored record), for PAGE_BYTES; undefined: entries are small. */
    private readonly bytesOf?: (e: T) => number,
  ) {
    super(inner, onEnd);
  }

  protected fill(): T[] {
    const page: T[] = [];
    const walker = this.walker;
    const inner = this.inner;
    const map = this.map;
    const bytesOf = this.bytesOf;
    let bytes = 0;
    while (page.length < PAGE_ENTRIES && bytes < PAGE_BYTES) {
      if (walker.full) {
        this.close();
        break;
      }
      const r = inner.next();
      if (r.done === true) {
        this.ranOut();
        break;
      }
      const e = map(r.value);
      const o = walker.offer(e);
      if (o === 'take') {
        page.push(e);
        if (bytesOf !== undefined) bytes += bytesOf(e);
      } else if (o === 'stop') {
        this.close();
        break;
      }
    }
    return page;
  }
}
