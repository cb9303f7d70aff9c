/**
 * A read-only view of one stored item record (layout: item-codec.ts) answering what the read path
 * needs straight from the record's bytes: the sort key, tombstone-only, in conflict, the distinct
 * values and the causality token. ReadBatch returns each item it reads, so building a DvvsItem
 * (BigInt timestamps, an object per value, a Map for the causal context) and throwing it away was
 * most of its CPU per item (docs/performance.md); a view costs one small object, and writes its
 * token and values as text straight into the response's buffer (http/json-out.ts).
 *
 * It is the one read type of the Store port (store.ts): every backend hands out views of the
 * records it stores (item-codec.ts FORMAT 1 is the stored record of every backend).
 *
 * The view reads the bytes it is given for as long as it lives: they must be its own (a copy),
 * never a buffer that a backend reuses for the next entry. Every accessor agrees with the
 * corresponding function of src/k2v/dvvs.ts on `decodeItem(bytes).item` (tested against it).
 */
import { Buffer } from 'node:buffer';
import { writeBase64 } from '../k2v/base64.js';
import { causalityTokenOfPairs, encodeCausalityToken, writeCausalityTokenOfPairs } from '../k2v/causality-token.js';
import { causalContext, isNewer, type DvvsItem, type VectorClock } from '../k2v/dvvs.js';
import { decodeItem, ItemCodecError, ITEM_FORMAT } from './item-codec.js';

/**
 * Offset after the last varint read by `varint()`. A module-level scratch: safe only while every
 * reader of it (parse, distinctValues, tokenPairs) runs start to end synchronously, which they
 * do; never put an `await` inside one.
 */
let pos = 0;

function varint(buf: Buffer, end: number): number {
  let n = 0;
  let scale = 1;
  for (;;) {
    if (pos >= end) throw new ItemCodecError('truncated item record');
    const b = buf[pos++]!;
    n += (b & 0x7f) * scale;
    if (b < 0x80) return n;
    scale *= 0x80;
    if (scale > 2 ** 49) throw new ItemCodecError('varint too long');
  }
}

function u32(buf: Buffer, off: number): number {
  return ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0;
}

/** a > b for the u64 BE at offsets a and b. */
function u64Greater(buf: Buffer, a: number, b: number): boolean {
  const ah = u32(buf, a);
  const bh = u32(buf, b);
  return ah !== bh ? ah > bh : u32(buf, a + 4) > u32(buf, b + 4);
}

/**
 * With `pos` at a node entry: moves `pos` past it and returns the offset of its largest
 * timestamp (the discard watermark, or a later value's), its time in the causal context.
 */
function maxTimeAt(buf: Buffer, end: number): number {
  let max = pos + 8;
  pos += 16;
  const n = varint(buf, end);
  for (let j = 0; j < n; j++) {
    if (u64Greater(buf, pos, max)) max = pos;
    pos += 8;
    const tag = varint(buf, end);
    if (tag !== 0) pos += tag - 1;
  }
  return max;
}

/** Scratch of `distinctValues` for `isInConflict` (synchronous use only, as `pos`). */
const conflictScratch: number[] = [];
/** Scratch of the token bytes, grown on demand (8 + 16 bytes per node; synchronous use only). */
let tokenBuf = Buffer.allocUnsafe(8 + 16 * 4);

/**
 * A vector clock laid out for `ItemView.newerThan`: per node its id and time as u32 halves, so
 * that a record's entries compare without a BigInt or a Map per item. A PollRange checks every
 * item of its range against its marker's clock, and all but the changed few are not newer.
 */
export class ClockBound {
  /** [id high, id low, time high, time low] per node with a non-zero time. */
  private readonly words: Uint32Array;

  constructor(readonly clock: VectorClock) {
    const nodes = [...clock].filter(([, t]) => t > 0n);
    this.words = new Uint32Array(4 * nodes.length);
    nodes.forEach(([n, t], i) => {
      this.words.set([Number(n >> 32n), Number(n & 0xffffffffn), Number(t >> 32n), Number(t & 0xffffffffn)], 4 * i);
    });
  }

  /** Whether the u64 time at `buf[at]` is greater than this clock's time for the u64 node at `buf[nodeAt]`. */
  exceededBy(buf: Buffer, nodeAt: number, at: number): boolean {
    const w = this.words;
    const nh = u32(buf, nodeAt);
    const nl = u32(buf, nodeAt + 4);
    const th = u32(buf, at);
    const tl = u32(buf, at + 4);
    for (let i = 0; i < w.length; i += 4) {
      if (w[i] === nh && w[i + 1] === nl) return th !== w[i + 2] ? th > w[i + 2]! : tl > w[i + 3]!;
    }
    return th !== 0 || tl !== 0;
  }
}

/** Values of at least this many bytes are base64-encoded by Node (see `writeBase64`). */
export const NATIVE_BASE64_FROM = 128;

export class ItemView {
  /** The sort key as a string, decoded on first use (see `sk`). */
  private skText: string | undefined = undefined;

  private constructor(
    /** The sort key's UTF-8 bytes in the record. */
    private readonly skAt: number,
    private readonly skBytes: number,
    private readonly buf: Buffer,
    private readonly start: number,
    private readonly end: number,
    /** Offset of the first node entry. */
    private readonly entriesAt: number,
    private readonly entryCount: number,
    /** Values of all entries, duplicates and tombstones included. */
    private readonly valueCount: number,
    private readonly tombstoneOnly: boolean,
    /** Node ids strictly increase, as every writer keeps them (else the token takes the slow path). */
    private readonly nodesAscending: boolean,
  ) {}

  /**
   * Checks the record in `buf[start, end)` as strictly as decodeItem (ItemCodecError on a
   * truncated, over-long or unknown record) and returns a view of it. `buf` must stay unchanged
   * while the view is in use.
   */
  static parse(buf: Buffer, start: number, end: number): ItemView {
    if (end <= start || buf[start] !== ITEM_FORMAT) {
      throw new ItemCodecError(`unknown item format ${end <= start ? undefined : buf[start]}`);
    }
    pos = start + 1;
    const pkLen = varint(buf, end);
    pos += pkLen;
    const skLen = varint(buf, end);
    if (pos + skLen > end) throw new ItemCodecError('truncated item record');
    const skAt = pos;
    pos += skLen;
    const entryCount = varint(buf, end);
    const entriesAt = pos;
    let valueCount = 0;
    let tombstoneOnly = true;
    let nodesAscending = true;
    let prevNode = -1;
    for (let i = 0; i < entryCount; i++) {
      if (pos + 16 > end) throw new ItemCodecError('truncated item record');
      if (prevNode >= 0 && !u64Greater(buf, pos, prevNode)) nodesAscending = false;
      prevNode = pos;
      pos += 16;
      const n = varint(buf, end);
      valueCount += n;
      for (let j = 0; j < n; j++) {
        pos += 8;
        const tag = varint(buf, end);
        if (tag !== 0) {
          tombstoneOnly = false;
          pos += tag - 1;
        }
      }
    }
    if (pos !== end) throw new ItemCodecError(pos > end ? 'truncated item record' : 'trailing bytes after item record');
    return new ItemView(skAt, skLen, buf, start, end, entriesAt, entryCount, valueCount, tombstoneOnly, nodesAscending);
  }

  /**
   * The sort key. Decoded when first asked for: a ReadBatch of a whole partition writes each key
   * from its bytes (`writeSk`) and its range walk only reads keys against a prefix, an end or a
   * limit, so most views never need the string (a UTF-8 decode per item, ~3-5 % of the handler).
   */
  get sk(): string {
    return (this.skText ??= this.buf.toString('utf8', this.skAt, this.skAt + this.skBytes));
  }

  /**
   * dvvs.ts `isNewer(causalContext(item), bound's clock)`, read from the record: some node's
   * largest timestamp (its discard watermark or a later value) is above the clock's.
   */
  newerThan(bound: ClockBound): boolean {
    // With a node id twice, causalContext keeps the last entry's time: the decoded path agrees.
    if (!this.nodesAscending) return isNewer(causalContext(this.toItem()), bound.clock);
    const buf = this.buf;
    pos = this.entriesAt;
    for (let i = 0; i < this.entryCount; i++) {
      const node = pos;
      if (bound.exceededBy(buf, node, maxTimeAt(buf, this.end))) return true;
    }
    return false;
  }

  /** The item itself (dvvs.ts), for the paths that compute on it (PollItem, PollRange, DeleteBatch). */
  toItem(): DvvsItem {
    return decodeItem(this.buf.subarray(this.start, this.end)).item;
  }

  /** The bytes [from, to) of a range from `distinctValues` (a view of the record, not a copy). */
  value(from: number, to: number): Uint8Array {
    return this.buf.subarray(from, to);
  }

  /** Size of the stored record, bytes. */
  get recordBytes(): number {
    return this.end - this.start;
  }

  /** Copies the sort key's UTF-8 bytes into `out` at `at`; returns the offset after them. */
  writeSk(out: Uint8Array, at: number): number {
    const buf = this.buf;
    const n = this.skBytes;
    for (let k = 0; k < n; k++) out[at + k] = buf[this.skAt + k]!;
    return at + n;
  }

  /** dvvs.ts isTombstoneOnly. */
  isTombstoneOnly(): boolean {
    return this.tombstoneOnly;
  }

  /** dvvs.ts isInConflict. */
  isInConflict(): boolean {
    return this.valueCount > 1 && this.distinctValues(conflictScratch) > 1;
  }

  /**
   * dvvs.ts values(): the distinct values in node order then write order, first occurrence kept.
   * Writes value i's byte range as out[2i], out[2i + 1] (out[2i] = -1 for a tombstone) and
   * returns the count; `base64(from, to)` gives a value's text.
   */
  distinctValues(out: number[]): number {
    const buf = this.buf;
    let count = 0;
    pos = this.entriesAt;
    for (let i = 0; i < this.entryCount; i++) {
      pos += 16;
      const n = varint(buf, this.end);
      for (let j = 0; j < n; j++) {
        pos += 8;
        const tag = varint(buf, this.end);
        const from = tag === 0 ? -1 : pos;
        const len = tag - 1;
        if (tag !== 0) pos += len;
        if (!this.seen(out, count, from, len)) {
          out[2 * count] = from;
          out[2 * count + 1] = from + len;
          count++;
        }
      }
    }
    return count;
  }

  private seen(out: readonly number[], count: number, from: number, len: number): boolean {
    for (let k = 0; k < count; k++) {
      const f = out[2 * k]!;
      if (from < 0 || f < 0) {
        if (from === f) return true;
        continue;
      }
      if (out[2 * k + 1]! - f === len && this.buf.compare(this.buf, from, from + len, f, f + len) === 0) return true;
    }
    return false;
  }

  /** Standard base64 of the record's bytes [from, to) (a range from `distinctValues`). */
  base64(from: number, to: number): string {
    return this.buf.toString('base64', from, to);
  }

  /** `base64(from, to)` written as ASCII into `out` at `at`; returns the offset after it. */
  writeBase64(from: number, to: number, out: Uint8Array, at: number): number {
    // Node's encoder (a string, then copied in) wins from about 130 bytes on, the loop below that:
    // CPU per value, best of 2 in-process runs: 99 bytes 132-135 ns by the loop vs 162-174 by
    // Node; 150 bytes 220 vs 177; 1 000 bytes 1 316 vs 295 (and Node's string is garbage to collect).
    if (to - from >= NATIVE_BASE64_FROM && out instanceof Buffer) {
      return at + out.write(this.buf.toString('base64', from, to), at, 'latin1');
    }
    return writeBase64(this.buf, from, to, out, at, false);
  }

  /** The causality token of the item's causal context (dvvs.ts causalContext). */
  causalityToken(): string {
    return this.nodesAscending ? causalityTokenOfPairs(this.tokenPairs(), this.entryCount) : this.slowToken();
  }

  /** `causalityToken()` written as ASCII into `out` at `at`; returns the offset after it. */
  writeCausalityToken(out: Uint8Array, at: number): number {
    if (!this.nodesAscending) return writeAscii(this.slowToken(), out, at);
    return writeCausalityTokenOfPairs(this.tokenPairs(), this.entryCount, out, at);
  }

  private slowToken(): string {
    return encodeCausalityToken(causalContext(decodeItem(this.buf.subarray(this.start, this.end)).item));
  }

  /** Lays out (node, max time) per entry from byte 8 of the token scratch, as the token has them. */
  private tokenPairs(): Buffer {
    const buf = this.buf;
    if (tokenBuf.length < 8 + 16 * this.entryCount) tokenBuf = Buffer.allocUnsafe(8 + 16 * this.entryCount);
    const out = tokenBuf;
    let o = 8;
    pos = this.entriesAt;
    for (let i = 0; i < this.entryCount; i++) {
      const node = pos;
      const max = maxTimeAt(buf, this.end);
      for (let k = 0; k < 8; k++) out[o + k] = buf[node + k]!;
      for (let k = 0; k < 8; k++) out[o + 8 + k] = buf[max + k]!;
      o += 16;
    }
    return out;
  }
}

function writeAscii(s: string, out: Uint8Array, at: number): number {
  for (let i = 0; i < s.length; i++) out[at + i] = s.charCodeAt(i);
  return at + s.length;
}
