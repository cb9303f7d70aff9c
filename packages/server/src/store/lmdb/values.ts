/**
 * Small fixed-layout values of the `k2v` database (see keys.ts): u64 numbers and partition
 * counters. Counters are four u64 BE (entries, conflicts, values, bytes); JS numbers are exact up
 * to 2^53, far above any real partition.
 */
import { Buffer } from 'node:buffer';
import type { IndexCounts } from '../../k2v/index-counts.js';

export function encodeU64(n: bigint): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeBigUInt64BE(n);
  return b;
}

export function decodeU64(b: Uint8Array): bigint {
  if (b.length !== 8) throw new Error(`expected an 8-byte number, got ${b.length} bytes`);
  return Buffer.from(b.buffer, b.byteOffset, 8).readBigUInt64BE();
}

export function encodeCounts(c: IndexCounts): Buffer {
  const b = Buffer.allocUnsafe(32);
  b.writeBigUInt64BE(BigInt(c.entries), 0);
  b.writeBigUInt64BE(BigInt(c.conflicts), 8);
  b.writeBigUInt64BE(BigInt(c.values), 16);
  b.writeBigUInt64BE(BigInt(c.bytes), 24);
  return b;
}

export function decodeCounts(b: Uint8Array): IndexCounts {
  if (b.length !== 32) throw new Error(`expected 32 bytes of counters, got ${b.length}`);
  const buf = Buffer.from(b.buffer, b.byteOffset, 32);
  return {
    entries: Number(buf.readBigUInt64BE(0)),
    conflicts: Number(buf.readBigUInt64BE(8)),
    values: Number(buf.readBigUInt64BE(16)),
    bytes: Number(buf.readBigUInt64BE(24)),
  };
}
