/**
 * The PollRange seen marker (contract section 10): what a client has already seen of a range.
 *
 * `vc` says "every item state whose causal context is <= vc has been seen"; `items` holds, for
 * items whose context is not covered by `vc`, the context last seen. An item is new when its
 * context is newer than both. The store passes as watermark the vector clock of its node ids'
 * last issued timestamps at the read snapshot; since one node's timestamps grow in commit order
 * (architecture.md), every item state with a context <= watermark was in that snapshot.
 *
 * Text form: base64url without padding of a versioned binary encoding (version 1):
 *   u8 1 | varint N | N x u64 BE node id (strictly increasing)
 *   | clock vc | varint M | M x (varint key length, UTF-8 key, clock), keys strictly increasing
 * where clock = varint K | K x (varint node index, varint timestamp >= 1), indexes increasing,
 * and an item's clock is never empty.
 * Varints are unsigned LEB128, minimal, at most 64 bits. Zero timestamps are left out: a missing
 * node counts as 0 (`isNewer`).
 */
import { decodeBase64UrlStrict, encodeBase64Url } from './base64.js';
import { clockMax, isNewer, type VectorClock } from './dvvs.js';
import { inRange, type KeyBounds } from './range.js';
import { compareUtf8, utf8Bytes } from './utf8.js';

export interface SeenMarker {
  readonly vc: Map<bigint, bigint>;
  readonly items: Map<string, Map<bigint, bigint>>;
}

/** Largest encoded marker, in characters; `decodeSeenMarker` callers may allow this much. */
export const SEEN_MARKER_MAX_CHARS = 48 * 1024;

const FORMAT_VERSION = 1;
const U64_MAX = (1n << 64n) - 1n;

export function emptySeenMarker(): SeenMarker {
  return { vc: new Map(), items: new Map() };
}

export function isNewItem(marker: SeenMarker, sk: string, ctx: VectorClock): boolean {
  if (!isNewer(ctx, marker.vc)) return false;
  const seen = marker.items.get(sk);
  return seen === undefined || isNewer(ctx, seen);
}

/** The marker after the client has seen `seen`, read from a snapshot whose clock is `watermark`. */
export function markSeen(
  marker: SeenMarker,
  watermark: VectorClock,
  seen: Iterable<{ readonly sk: string; readonly ctx: VectorClock }>,
): SeenMarker {
  const vc = clockMax(marker.vc, watermark);
  const items = new Map(marker.items);
  for (const { sk, ctx } of seen) {
    if (!isNewer(ctx, vc)) continue;
    const prev = items.get(sk);
    items.set(sk, prev === undefined ? new Map(ctx) : clockMax(prev, ctx));
  }
  return canonical(vc, items);
}

/** Keeps only the item entries inside the poll range. */
export function restrict(marker: SeenMarker, bounds: KeyBounds): SeenMarker {
  const items = new Map<string, Map<bigint, bigint>>();
  for (const [sk, c] of marker.items) if (inRange(sk, bounds)) items.set(sk, c);
  return { vc: new Map(marker.vc), items };
}

/** Drops item entries that `vc` already covers: they cannot change any `isNewItem` answer. */
function canonical(vc: Map<bigint, bigint>, items: Map<string, Map<bigint, bigint>>): SeenMarker {
  for (const [sk, c] of items) if (!isNewer(c, vc)) items.delete(sk);
  return { vc, items };
}

export function encodeSeenMarker(m: SeenMarker): string {
  const c = canonical(m.vc, new Map(m.items));
  let text = encodeBase64Url(encodeBytes(c));
  if (text.length <= SEEN_MARKER_MAX_CHARS) return text;
  // Folding every item clock into vc is safe because every change of an item stamps this
  // server's node id with a new timestamp, strictly larger than every timestamp it issued before.
  // vc's entry for that node id only ever holds timestamps already issued when the client saw
  // them (the watermark, or a seen item's context, whose entry for the writer is the timestamp
  // of its last write), so any later change is still newer than the folded vc: only states the
  // client has already seen stop looking new. Entries for other node ids (invented by client
  // tokens) may grow freely, since no write stamps them. This assumes one writing node id per
  // store, as architecture.md requires for PollRange: with several, a client token could raise
  // another writer's entry beyond the timestamps that writer has issued.
  let vc = c.vc;
  for (const clock of c.items.values()) vc = clockMax(vc, clock);
  text = encodeBase64Url(encodeBytes({ vc, items: new Map() }));
  if (text.length <= SEEN_MARKER_MAX_CHARS) return text;
  // Only clients inventing thousands of node ids in tokens get here. Forgetting vc entries makes
  // more items look new (spurious answers), never fewer: keep the largest timestamps.
  const kept = [...vc].sort((a, b) => (a[1] < b[1] ? 1 : a[1] > b[1] ? -1 : 0));
  // Worst case per node: 8 (id) + 2 (index varint) + 10 (timestamp varint) bytes, plus a header.
  kept.length = Math.min(kept.length, Math.floor(((SEEN_MARKER_MAX_CHARS * 3) / 4 - 8) / 20));
  return encodeBase64Url(encodeBytes({ vc: new Map(kept), items: new Map() }));
}

function encodeBytes(m: SeenMarker): Uint8Array {
  const nodeSet = new Set<bigint>();
  for (const [n, t] of m.vc) if (t > 0n) nodeSet.add(n);
  for (const c of m.items.values()) for (const [n, t] of c) if (t > 0n) nodeSet.add(n);
  const nodes = [...nodeSet].sort(compareBigint);
  const index = new Map(nodes.map((n, i) => [n, i]));
  const w = new Writer();
  w.byte(FORMAT_VERSION);
  w.varint(BigInt(nodes.length));
  for (const n of nodes) w.u64(n);
  const writeClock = (c: ReadonlyMap<bigint, bigint>): void => {
    const pairs = [...c].filter(([, t]) => t > 0n).map(([n, t]): [number, bigint] => [index.get(n)!, t]);
    pairs.sort((a, b) => a[0] - b[0]);
    w.varint(BigInt(pairs.length));
    for (const [i, t] of pairs) {
      w.varint(BigInt(i));
      w.varint(t);
    }
  };
  writeClock(m.vc);
  const keys = [...m.items.keys()].sort(compareUtf8);
  w.varint(BigInt(keys.length));
  for (const sk of keys) {
    const kb = utf8Bytes(sk);
    w.varint(BigInt(kb.length));
    w.bytes(kb);
    writeClock(m.items.get(sk)!);
  }
  return w.finish();
}

/** The marker, or undefined for anything that is not a marker this code could have written. */
export function decodeSeenMarker(s: string, maxChars: number): SeenMarker | undefined {
  if (s.length > maxChars) return undefined;
  const bytes = decodeBase64UrlStrict(s);
  if (bytes === undefined) return undefined;
  const r = new Reader(bytes);
  try {
    if (r.byte() !== FORMAT_VERSION) return undefined;
    const nodes: bigint[] = [];
    const nNodes = r.count(8);
    for (let i = 0; i < nNodes; i++) {
      const n = r.u64();
      if (i > 0 && n <= nodes[i - 1]!) r.fail();
      nodes.push(n);
    }
    const vc = readClock(r, nodes);
    const items = new Map<string, Map<bigint, bigint>>();
    const nItems = r.count(2);
    let prevKey: string | undefined;
    for (let j = 0; j < nItems; j++) {
      const sk = r.utf8(r.count(1));
      if (prevKey !== undefined && compareUtf8(sk, prevKey) <= 0) r.fail();
      const c = readClock(r, nodes);
      if (c.size === 0) r.fail();
      items.set(sk, c);
      prevKey = sk;
    }
    return r.atEnd() ? { vc, items } : undefined;
  } catch (err) {
    if (err instanceof MalformedMarker) return undefined;
    throw err;
  }
}

function readClock(r: Reader, nodes: readonly bigint[]): Map<bigint, bigint> {
  const c = new Map<bigint, bigint>();
  const k = r.count(2);
  let prev = -1;
  for (let j = 0; j < k; j++) {
    const i = Number(r.varint());
    if (i <= prev || i >= nodes.length) r.fail();
    const t = r.varint();
    if (t === 0n) r.fail();
    c.set(nodes[i]!, t);
    prev = i;
  }
  return c;
}

function compareBigint(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

class Writer {
  private buf = new Uint8Array(256);
  private len = 0;

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  byte(b: number): void {
    this.reserve(1);
    this.buf[this.len++] = b;
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  u64(v: bigint): void {
    this.reserve(8);
    new DataView(this.buf.buffer).setBigUint64(this.len, v & U64_MAX);
    this.len += 8;
  }

  varint(v: bigint): void {
    let x = v & U64_MAX;
    while (x >= 0x80n) {
      this.byte(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.byte(Number(x));
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

class MalformedMarker extends Error {}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

class Reader {
  private pos = 0;
  private readonly view: DataView;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  fail(): never {
    throw new MalformedMarker('malformed seen marker');
  }

  atEnd(): boolean {
    return this.pos === this.buf.length;
  }

  byte(): number {
    if (this.pos >= this.buf.length) this.fail();
    return this.buf[this.pos++]!;
  }

  u64(): bigint {
    if (this.pos + 8 > this.buf.length) this.fail();
    const v = this.view.getBigUint64(this.pos);
    this.pos += 8;
    return v;
  }

  /** Minimal LEB128, at most 64 bits. */
  varint(): bigint {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = this.byte();
      if (shift === 63n && b > 1) this.fail();
      v |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) {
        if (b === 0 && shift > 0n) this.fail();
        return v;
      }
    }
  }

  /** A count of elements taking at least `minBytes` each: never more than the bytes left. */
  count(minBytes: number): number {
    const n = this.varint();
    if (n * BigInt(minBytes) > BigInt(this.buf.length - this.pos)) this.fail();
    return Number(n);
  }

  utf8(n: number): string {
    if (this.pos + n > this.buf.length) this.fail();
    const s = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    try {
      return strictUtf8.decode(s);
    } catch {
      return this.fail();
    }
  }
}
