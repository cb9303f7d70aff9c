/**
 * The causality token: an item's causal context as clients see it (contract section 2).
 *
 * Binary: checksum (u64 BE) then, per node in increasing node-id order, node id (u64 BE) and
 * timestamp (u64 BE); the checksum is the XOR of every node id and timestamp. Text: base64url
 * without padding, canonical only (Garage's decoder rejects padding and non-canonical bits).
 */
import { Buffer } from 'node:buffer';
import type { VectorClock } from './dvvs.js';
import { decodeBase64UrlStrict, encodeBase64Url, writeBase64 } from './base64.js';

const U32_MASK = 0xffffffffn;

/**
 * Every item of every ReadBatch and PollRange response carries a token, so this runs once per
 * item: the u64s are written as two u32 halves (the checksum is XORed by halves too), which
 * avoids allocating BigInts for 64-bit arithmetic (docs/performance.md).
 */
export function encodeCausalityToken(ctx: VectorClock): string {
  const nodes = ctx.size <= 1 ? ctx.keys() : [...ctx.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  // From Buffer's pool: a fresh ArrayBuffer per token costs more than the encoding. Every byte is
  // written below.
  const buf = Buffer.allocUnsafe(8 + 16 * ctx.size);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let sumHi = 0;
  let sumLo = 0;
  let off = 8;
  for (const n of nodes) {
    const t = ctx.get(n)!;
    const nHi = Number((n >> 32n) & U32_MASK);
    const nLo = Number(n & U32_MASK);
    const tHi = Number((t >> 32n) & U32_MASK);
    const tLo = Number(t & U32_MASK);
    view.setUint32(off, nHi);
    view.setUint32(off + 4, nLo);
    view.setUint32(off + 8, tHi);
    view.setUint32(off + 12, tLo);
    sumHi ^= nHi ^ tHi;
    sumLo ^= nLo ^ tLo;
    off += 16;
  }
  view.setUint32(0, sumHi >>> 0);
  view.setUint32(4, sumLo >>> 0);
  return encodeBase64Url(buf);
}

/**
 * The token of a clock already laid out in `buf`: bytes [8, 8 + 16 * pairs) hold the (node id,
 * timestamp) pairs as u64 BE, by strictly increasing node id. Writes the checksum into bytes
 * [0, 8) and returns the token's length in bytes. For the read path, which copies the pairs
 * straight from stored item records (src/store/item-view.ts) instead of building a Map of BigInts.
 */
function checksumPairs(buf: Uint8Array, pairs: number): number {
  const end = 8 + 16 * pairs;
  // XOR is bytewise: no need to assemble the u32 halves.
  for (let k = 0; k < 8; k++) {
    let x = 0;
    for (let off = 8 + k; off < end; off += 8) x ^= buf[off]!;
    buf[k] = x;
  }
  return end;
}

/** The token text of pairs laid out in `buf` as checksumPairs describes. */
export function causalityTokenOfPairs(buf: Buffer, pairs: number): string {
  return buf.toString('base64url', 0, checksumPairs(buf, pairs));
}

/** causalityTokenOfPairs written as ASCII into `out` at `at`; returns the offset after it. */
export function writeCausalityTokenOfPairs(buf: Uint8Array, pairs: number, out: Uint8Array, at: number): number {
  return writeBase64(buf, 0, checksumPairs(buf, pairs), out, at, true);
}

/** Decodes a token; undefined when it is not a valid token (the caller picks the error code). */
export function decodeCausalityToken(token: string): Map<bigint, bigint> | undefined {
  const buf = decodeBase64UrlStrict(token);
  if (buf === undefined || buf.length < 8 || (buf.length - 8) % 16 !== 0) return undefined;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const ctx = new Map<bigint, bigint>();
  for (let off = 8; off < buf.length; off += 16) ctx.set(view.getBigUint64(off), view.getBigUint64(off + 8));
  // As Garage: the checksum is checked over the decoded clock, after a repeated node id has kept
  // its last pair, not over every pair of the text.
  let checksum = 0n;
  for (const [n, t] of ctx) checksum ^= n ^ t;
  if (checksum !== view.getBigUint64(0)) return undefined;
  return ctx;
}
