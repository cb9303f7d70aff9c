/**
 * Extra lmdb-js handles on the `k2v` database for the read path's range scans, which return
 * what the caller needs instead of a `{key, value}` pair of fresh Buffers per entry.
 *
 * Why: with `encoding: 'binary'`, lmdb-js copies every key and every value of a range into new
 * Buffers (`Uint8Array.prototype.slice` on its shared buffer), ~0.55 µs per entry, a quarter of
 * ReadBatch's CPU per item. A database opened with a custom `encoder` (README "encoder": an
 * object with `encode` and `decode`) and `keyEncoder` instead hands each raw value to `decode` and
 * each raw key to `readKey`. The bytes they receive may be lmdb-js's shared buffer, overwritten by
 * the next entry: both only copy out of them before returning (the item view copies its record
 * into a pool, see below), so nothing returned refers to lmdb-js memory.
 *
 * These handles are only read (range scans, and the item handle's point reads: read-item.ts); every
 * write goes through the binary handle (writer-state.ts).
 */
import { Buffer } from 'node:buffer';
import type { Database, RootDatabase } from 'lmdb';
import type { IndexCounts } from '../../k2v/index-counts.js';
import { ItemView } from '../item-view.js';
import { COUNTER_PREFIX_BYTES } from './keys.js';

export interface ViewDbs {
  /** Values are item views (keys are not read: scans are bounded by an `end` key instead). */
  readonly items: Database<ItemView, Buffer>;
  /** Counter records: keys are partition keys, values the partition's counters. */
  readonly index: Database<IndexCounts, Buffer>;
}

/**
 * Records are copied into slabs shared by the views made from them, so that a view costs no
 * Buffer object of its own; a slab is freed with the last view into it, and never written again
 * once full (a new one is started), so views stay valid across the awaits of an asynchronous
 * scan. Module-level scratch: safe only while copy -> parse stays synchronous (one `decode` call
 * of lmdb-js, with nothing awaited in between, as now); never put an `await` inside it.
 */
const SLAB_BYTES = 64 * 1024;
let slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
let slabUsed = 0;

/**
 * lmdb-js's shared buffer reports the entry's size as its `length` while being larger, which
 * trips `Buffer#copy`'s bounds logic: copy through a plain view of exactly `size` bytes.
 */
function copyInto(target: Buffer, at: number, bytes: Buffer, size: number): void {
  target.set(new Uint8Array(bytes.buffer, bytes.byteOffset, size), at);
}

function itemViewOf(bytes: Buffer, size: number): ItemView {
  if (size > SLAB_BYTES / 4) {
    const own = Buffer.allocUnsafeSlow(size);
    copyInto(own, 0, bytes, size);
    return ItemView.parse(own, 0, size);
  }
  if (slabUsed + size > SLAB_BYTES) {
    slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
    slabUsed = 0;
  }
  const at = slabUsed;
  copyInto(slab, at, bytes, size);
  slabUsed += size;
  return ItemView.parse(slab, at, at + size);
}

function u32(b: Buffer, off: number): number {
  return ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
}

function u64Number(b: Buffer, off: number): number {
  return u32(b, off) * 0x1_0000_0000 + u32(b, off + 4);
}

/** values.ts decodeCounts, without BigInts. */
function countsOf(bytes: Buffer, size: number): IndexCounts {
  if (size !== 32) throw new Error(`expected 32 bytes of counters, got ${size}`);
  return { entries: u64Number(bytes, 0), conflicts: u64Number(bytes, 8), values: u64Number(bytes, 16), bytes: u64Number(bytes, 24) };
}

function writeKey(key: Buffer, target: Buffer, start: number): number {
  target.set(key, start);
  return start + key.length;
}

function readOnly(): never {
  throw new Error('read-only database handle');
}

/**
 * `keyEncoder` is a database option of lmdb-js (open.js reads it per database; README "keyEncoder")
 * that its type declarations list only on the root options, hence the options are not a literal.
 */
export function openViewDbs(env: RootDatabase): ViewDbs {
  const itemOptions = {
    name: 'k2v',
    keyEncoder: { writeKey, readKey: () => null },
    // Scans pass the entry's size; `get` passes its options (and sets the shared buffer's length).
    encoder: { encode: readOnly, decode: (bytes: Buffer, size?: unknown) => itemViewOf(bytes, typeof size === 'number' ? size : bytes.length) },
  };
  const indexOptions = {
    name: 'k2v',
    keyEncoder: { writeKey, readKey: (b: Buffer, start: number, end: number) => b.toString('utf8', start + COUNTER_PREFIX_BYTES, end) },
    encoder: { encode: readOnly, decode: (bytes: Buffer, size?: number) => countsOf(bytes, size ?? bytes.length) },
  };
  return { items: env.openDB<ItemView, Buffer>(itemOptions), index: env.openDB<IndexCounts, Buffer>(indexOptions) };
}
