/**
 * Binary encoding of a stored K2V item: its partition and sort keys (so that GC can name the item
 * from its value alone) and its DVVS state (src/k2v/dvvs.ts).
 *
 * This is the persisted record of EVERY backend, not an LMDB detail: LMDB stores it as the value
 * of the item key, PostgreSQL as an `item bytea` column, so that the read path (item-view.ts,
 * http/json-out.ts) writes responses straight from stored bytes whatever the backend. It is a
 * persisted format: a change of layout takes a new format byte (ITEM_FORMAT), with decoding of
 * every older format kept (or a migration of the stored data), never an edit of format 1.
 *
 * Layout, all integers big-endian, `varint` = unsigned LEB128:
 *   u8 format (1)
 *   varint pkLength, pk UTF-8 | varint skLength, sk UTF-8
 *   varint entryCount, then per node entry (ascending node id):
 *     u64 node | u64 discard | varint valueCount, then per value:
 *       u64 t | varint tag (0 = tombstone, n + 1 = n bytes follow) | bytes
 * Node ids and timestamps are fixed-width because they are u64 (timestamps are ~2^41 today, but
 * a client token may carry any u64 for a foreign node). Lengths are varints: most are tiny.
 *
 * Decoding does not copy values: they are views into the input buffer, which the caller must own
 * (lmdb-js returns a fresh buffer per `get` and per range entry with `encoding: 'binary'`).
 */
import { Buffer } from 'node:buffer';
import type { DotValue, DvvsItem, NodeEntry } from '../k2v/dvvs.js';

/** The first byte of every record: the layout version. 1 is the only one so far. */
export const ITEM_FORMAT = 1;
const FORMAT = ITEM_FORMAT;

export interface StoredItem {
  readonly pk: string;
  readonly sk: string;
  readonly item: DvvsItem;
}

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    size++;
  }
  return size;
}

function writeVarint(buf: Uint8Array, off: number, n: number): number {
  while (n >= 0x80) {
    buf[off++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 0x80);
  }
  buf[off++] = n;
  return off;
}

/** Bytes `encodeItem(pk, sk, item)` takes. */
export function encodedItemSize(pk: string, sk: string, item: DvvsItem): number {
  return bodySize(Buffer.byteLength(pk, 'utf8'), Buffer.byteLength(sk, 'utf8'), item);
}

function bodySize(pkLen: number, skLen: number, item: DvvsItem): number {
  let size = 1 + varintSize(pkLen) + pkLen + varintSize(skLen) + skLen + varintSize(item.entries.length);
  for (const e of item.entries) {
    size += 16 + varintSize(e.values.length);
    for (const d of e.values) {
      const tag = d.v === null ? 0 : d.v.length + 1;
      size += 8 + varintSize(tag) + (d.v === null ? 0 : d.v.length);
    }
  }
  return size;
}

/**
 * Keys are mostly ASCII and short: a byte loop beats `Buffer#write`'s argument checks and native
 * call. `byteLen === s.length` holds exactly when every code unit is ASCII.
 */
function writeString(buf: Buffer, off: number, s: string, byteLen: number): number {
  if (byteLen !== s.length) return off + buf.write(s, off, 'utf8');
  for (let i = 0; i < byteLen; i++) buf[off + i] = s.charCodeAt(i);
  return off + byteLen;
}

/** Writes the encoding (exactly `size` bytes, see bodySize) at the start of `buf`. */
function writeItem(
  buf: Buffer,
  view: DataView,
  pk: string,
  pkLen: number,
  sk: string,
  skLen: number,
  item: DvvsItem,
  size: number,
): void {
  buf[0] = FORMAT;
  let off = writeVarint(buf, 1, pkLen);
  off = writeString(buf, off, pk, pkLen);
  off = writeVarint(buf, off, skLen);
  off = writeString(buf, off, sk, skLen);
  off = writeVarint(buf, off, item.entries.length);
  for (const e of item.entries) {
    view.setBigUint64(off, e.node);
    view.setBigUint64(off + 8, e.discard);
    off = writeVarint(buf, off + 16, e.values.length);
    for (const d of e.values) {
      view.setBigUint64(off, d.t);
      off += 8;
      if (d.v === null) {
        buf[off++] = 0;
      } else {
        off = writeVarint(buf, off, d.v.length + 1);
        buf.set(d.v, off);
        off += d.v.length;
      }
    }
  }
  if (off !== size) throw new Error(`item encoding size mismatch: ${off} != ${size}`);
}

/** Encodes an item; the result is a fresh Buffer sized exactly. */
export function encodeItem(pk: string, sk: string, item: DvvsItem): Buffer {
  const pkLen = Buffer.byteLength(pk, 'utf8');
  const skLen = Buffer.byteLength(sk, 'utf8');
  const size = bodySize(pkLen, skLen, item);
  const buf = Buffer.allocUnsafe(size);
  writeItem(buf, new DataView(buf.buffer, buf.byteOffset, buf.byteLength), pk, pkLen, sk, skLen, item, size);
  return buf;
}

/** Items up to this size are encoded into the scratch buffer; larger ones get their own. */
const SCRATCH_MAX_BYTES = 64 * 1024;

/**
 * encodeItem without a new buffer per item: the result is a view of one scratch buffer, valid only
 * until the next call. For a write transaction that hands each record to LMDB (which copies it)
 * before encoding the next: thousands of items per commit otherwise each leave a Buffer behind.
 */
export class ItemEncoder {
  private buf: Buffer = Buffer.allocUnsafeSlow(1024);
  private view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);

  encode(pk: string, sk: string, item: DvvsItem): Buffer {
    const pkLen = Buffer.byteLength(pk, 'utf8');
    const skLen = Buffer.byteLength(sk, 'utf8');
    const size = bodySize(pkLen, skLen, item);
    if (size > SCRATCH_MAX_BYTES) return encodeItem(pk, sk, item);
    if (size > this.buf.length) {
      this.buf = Buffer.allocUnsafeSlow(Math.min(SCRATCH_MAX_BYTES, Math.max(size, 2 * this.buf.length)));
      this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    }
    writeItem(this.buf, this.view, pk, pkLen, sk, skLen, item, size);
    return this.buf.subarray(0, size);
  }
}

/** Thrown on bytes that are not an encoded item (a corrupted or foreign record). */
export class ItemCodecError extends Error {
  override readonly name = 'ItemCodecError';
}

class Reader {
  off = 0;
  readonly view: DataView;
  constructor(readonly buf: Buffer) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  need(n: number): void {
    if (this.off + n > this.buf.length) throw new ItemCodecError('truncated item record');
  }

  varint(): number {
    let n = 0;
    let scale = 1;
    for (;;) {
      this.need(1);
      const b = this.buf[this.off++]!;
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 0x80;
      if (scale > 2 ** 49) throw new ItemCodecError('varint too long');
    }
  }

  u64(): bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.off);
    this.off += 8;
    return v;
  }

  string(): string {
    const len = this.varint();
    this.need(len);
    const s = this.buf.toString('utf8', this.off, this.off + len);
    this.off += len;
    return s;
  }

  bytes(len: number): Uint8Array {
    this.need(len);
    const v = this.buf.subarray(this.off, this.off + len);
    this.off += len;
    return v;
  }
}

/** Decodes an item; values are views into `bytes` (not copies). */
export function decodeItem(bytes: Uint8Array): StoredItem {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length === 0 || buf[0] !== FORMAT) throw new ItemCodecError(`unknown item format ${buf[0]}`);
  const r = new Reader(buf);
  r.off = 1;
  const pk = r.string();
  const sk = r.string();
  const entryCount = r.varint();
  r.need(entryCount * 17); // each entry takes at least 17 bytes: bounds the allocation below
  const entries: NodeEntry[] = new Array<NodeEntry>(entryCount);
  for (let i = 0; i < entryCount; i++) {
    const node = r.u64();
    const discard = r.u64();
    const valueCount = r.varint();
    r.need(valueCount * 9);
    const values: DotValue[] = new Array<DotValue>(valueCount);
    for (let j = 0; j < valueCount; j++) {
      const t = r.u64();
      const tag = r.varint();
      values[j] = { t, v: tag === 0 ? null : r.bytes(tag - 1) };
    }
    entries[i] = { node, discard, values };
  }
  if (r.off !== buf.length) throw new ItemCodecError('trailing bytes after item record');
  return { pk, sk, item: { entries } };
}
