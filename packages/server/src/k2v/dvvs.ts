/**
 * Dotted version vector sets (DVVS), the per-item causality structure of K2V
 * (contract section 2, as in Riak and Garage).
 *
 * An item keeps, for every node id that ever wrote it or that a client token mentioned, a discard
 * watermark and the (timestamp, value) pairs written through that node which no later write has
 * superseded. Everything here is pure: the store supplies the node id and the clock floor.
 */

/** A stored value: bytes, or `null` for a tombstone. */
export type Value = Uint8Array | null;

/** A vector clock: node id -> timestamp. Missing nodes count as 0. */
export type VectorClock = ReadonlyMap<bigint, bigint>;

export interface DotValue {
  readonly t: bigint;
  readonly v: Value;
}

export interface NodeEntry {
  readonly node: bigint;
  readonly discard: bigint;
  readonly values: readonly DotValue[];
}

/** An item: node entries sorted by ascending node id. Immutable; updates return a new item. */
export interface DvvsItem {
  readonly entries: readonly NodeEntry[];
}

export const EMPTY_ITEM: DvvsItem = { entries: [] };

function maxTime(e: NodeEntry): bigint {
  let m = e.discard;
  for (const d of e.values) if (d.t > m) m = d.t;
  return m;
}

function withDiscard(e: NodeEntry, discard: bigint): NodeEntry {
  if (discard <= e.discard) return e;
  return { node: e.node, discard, values: e.values.filter((d) => d.t > discard) };
}

function insertSorted(entries: NodeEntry[], e: NodeEntry): void {
  let i = entries.length;
  while (i > 0 && entries[i - 1]!.node > e.node) i--;
  entries.splice(i, 0, e);
}

export interface UpdateResult {
  readonly item: DvvsItem;
  /** The timestamp issued for this write; the store persists it as the node's `last`. */
  readonly t: bigint;
}

/**
 * Applies one write (a value or a tombstone) made through `node` with the client's context `ctx`
 * (undefined when the client sent no token). `clockFloor` is `max(now_ms, last)`, where `last` is
 * the last timestamp this node issued for any item, so that timestamps of one node strictly
 * increase across all items (PollRange's seen markers rely on it).
 */
export function update(
  item: DvvsItem,
  node: bigint,
  ctx: VectorClock | undefined,
  value: Value,
  clockFloor: bigint,
): UpdateResult {
  if (ctx === undefined && item.entries.length === 0) return firstWrite(node, value, clockFloor);
  const entries = item.entries.slice();
  if (ctx !== undefined) {
    for (const [m, t] of ctx) {
      const i = entries.findIndex((e) => e.node === m);
      if (i >= 0) entries[i] = withDiscard(entries[i]!, t);
      else insertSorted(entries, { node: m, discard: t, values: [] });
    }
  }
  let i = entries.findIndex((e) => e.node === node);
  if (i < 0) {
    insertSorted(entries, { node, discard: 0n, values: [] });
    i = entries.findIndex((e) => e.node === node);
  }
  const own = entries[i]!;
  const prev = maxTime(own);
  const t = prev + 1n > clockFloor + 1n ? prev + 1n : clockFloor + 1n;
  entries[i] = { node, discard: own.discard, values: [...own.values, { t, v: value }] };
  return { item: { entries }, t };
}

/**
 * `update(EMPTY_ITEM, node, undefined, value, clockFloor)` without the intermediate arrays: the
 * write of every new item (a batch import writes little else).
 */
function firstWrite(node: bigint, value: Value, clockFloor: bigint): UpdateResult {
  const next = clockFloor + 1n;
  const t = next < 1n ? 1n : next;
  return { item: { entries: [{ node, discard: 0n, values: [{ t, v: value }] }] }, t };
}

/** The item's causal context: `{node: max_time(node)}` for every node entry. */
export function causalContext(item: DvvsItem): Map<bigint, bigint> {
  const cc = new Map<bigint, bigint>();
  for (const e of item.entries) cc.set(e.node, maxTime(e));
  return cc;
}

function sameValue(a: Value, b: Value): boolean {
  if (a === null || b === null) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** All values in node order then write order, exact duplicates removed (first kept). */
export function values(item: DvvsItem): Value[] {
  const out: Value[] = [];
  for (const e of item.entries) {
    for (const d of e.values) {
      if (!out.some((o) => sameValue(o, d.v))) out.push(d.v);
    }
  }
  return out;
}

/** Every value is a tombstone (an item with no value at all counts too, as in Garage). */
export function isTombstoneOnly(item: DvvsItem): boolean {
  for (const e of item.entries) for (const d of e.values) if (d.v !== null) return false;
  return true;
}

/** Two or more distinct values (a tombstone counts as one). */
export function isInConflict(item: DvvsItem): boolean {
  return values(item).length > 1;
}

/** Merge of two replicas: commutative, associative and idempotent on reachable states. */
export function merge(a: DvvsItem, b: DvvsItem): DvvsItem {
  const entries = a.entries.slice();
  for (const eb of b.entries) {
    const i = entries.findIndex((e) => e.node === eb.node);
    if (i < 0) {
      insertSorted(entries, eb);
      continue;
    }
    const ea = withDiscard(entries[i]!, eb.discard);
    const tMax = maxTime(ea);
    const added = eb.values.filter((d) => d.t > tMax);
    entries[i] = added.length === 0 ? ea : { node: ea.node, discard: ea.discard, values: [...ea.values, ...added] };
  }
  return { entries };
}

/** True when some node has a larger timestamp in `a` than in `b` (missing = 0). */
export function isNewer(a: VectorClock, b: VectorClock): boolean {
  for (const [n, t] of a) if (t > (b.get(n) ?? 0n)) return true;
  return false;
}

/** Pointwise maximum of two vector clocks. */
export function clockMax(a: VectorClock, b: VectorClock): Map<bigint, bigint> {
  const out = new Map(a);
  for (const [n, t] of b) if (t > (out.get(n) ?? 0n)) out.set(n, t);
  return out;
}

/** The largest timestamp the item holds for `node` (0 if none). */
export function nodeTime(item: DvvsItem, node: bigint): bigint {
  const e = item.entries.find((x) => x.node === node);
  return e === undefined ? 0n : maxTime(e);
}

/** Structural equality of two items (same entries, watermarks, dots and value bytes, in order). */
export function sameItem(a: DvvsItem, b: DvvsItem): boolean {
  if (a.entries.length !== b.entries.length) return false;
  for (let i = 0; i < a.entries.length; i++) {
    const x = a.entries[i]!;
    const y = b.entries[i]!;
    if (x.node !== y.node || x.discard !== y.discard || x.values.length !== y.values.length) return false;
    for (let j = 0; j < x.values.length; j++) {
      if (x.values[j]!.t !== y.values[j]!.t || !sameValue(x.values[j]!.v, y.values[j]!.v)) return false;
    }
  }
  return true;
}
