/**
 * The causality token: an item's causal context as clients see it (contract section 2).
 *
 * Binary: checksum (u64 BE) then, per node in increasing node-id order, node id (u64 BE) and
 * timestamp (u64 BE); the checksum is the XOR of every node id and timestamp. Text: base64url
 * without padding, canonical only (Garage's decoder rejects padding and non-canonical bits).
 */
import type { VectorClock } from './dvvs.js';
import { decodeBase64UrlStrict, encodeBase64Url } from './base64.js';

const U64_MASK = (1n << 64n) - 1n;

export function encodeCausalityToken(ctx: VectorClock): string {
  const nodes = [...ctx.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const buf = new Uint8Array(8 + 16 * nodes.length);
  const view = new DataView(buf.buffer);
  let checksum = 0n;
  let off = 8;
  for (const n of nodes) {
    const t = ctx.get(n)!;
    checksum ^= n ^ t;
    view.setBigUint64(off, n & U64_MASK);
    view.setBigUint64(off + 8, t & U64_MASK);
    off += 16;
  }
  view.setBigUint64(0, checksum & U64_MASK);
  return encodeBase64Url(buf);
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
