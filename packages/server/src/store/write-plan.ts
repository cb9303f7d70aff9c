/**
 * What one `write()` or `deleteRange()` call does to the items, whatever the backend (Garage
 * splits it the same way: `rpc.rs local_insert` above `src/db`): the causality token checks, the
 * clock floor, the DVVS update (src/k2v/dvvs.ts), the value limit, the partition counter deltas,
 * the number of items created and the node's new `last`. Pure: a backend supplies the items as
 * they are in its transaction (`load`), then persists what `result()` returns, all in that one
 * transaction.
 *
 * Invariant (atomicity per call): `apply()` throws every refusal (a StoreError) before the backend
 * writes anything, so a refused call leaves nothing behind, even when its transaction is shared
 * with other calls (group commit).
 *
 * Clocks. `writerClocks` holds the last timestamp issued by every node that writes this store
 * (this node included). A token naming a writer node with a timestamp beyond its clock is
 * refused (FutureToken): it was never issued, and accepting it would let one request push that
 * node's clock anywhere, up to the end of the u64 range (its next write to the item would issue
 * a timestamp after the token's and make it the node's `last`), and would break the PollRange
 * seen-marker fold (k2v/seen-marker.ts). A node the store does not know as a writer (Garage, or a
 * token forged with a random id) never issues a timestamp here: it is accepted as DVVS does.
 */
import { causalContext, EMPTY_ITEM, merge, nodeTime, sameItem, update, type DvvsItem, type VectorClock } from '../k2v/dvvs.js';
import { addCountsOf, zeroSum, type CountsSum } from '../k2v/index-counts.js';
import { StoreError } from './errors.js';
import type { ItemWrite } from './store.js';

export interface PlanContext {
  /** The node the writes are made through. */
  readonly nodeId: bigint;
  /** Last timestamp issued by every writer node of the store, `nodeId`'s included. */
  readonly writerClocks: VectorClock;
  /** Wall clock, ms since the epoch, read once per call. */
  readonly nowMs: number;
  /** Stored values (duplicates included) one item may hold; beyond -> TooManyValues. */
  readonly maxValuesPerItem: number;
}

/** One item touched by the call; `ref` is the backend's handle on it (e.g. its key). */
export interface PlannedItem<R> {
  readonly pk: string;
  readonly sk: string;
  readonly ref: R;
  /** As loaded; undefined when the item does not exist. */
  readonly old: DvvsItem | undefined;
  /** After this call's writes. */
  cur: DvvsItem | undefined;
}

export interface PlanResult<R> {
  /** Changed items, in first-touch order (an item written back to `old` is not listed). */
  readonly changed: readonly PlannedItem<R>[];
  /** Counter delta per partition key, for the partitions of changed items (may be all zero). */
  readonly counterDeltas: ReadonlyMap<string, CountsSum>;
  /** Items that did not exist before (the bucket's item count grows by this much). */
  readonly created: number;
  /** The node's `last` after the call (unchanged when nothing was written). */
  readonly last: bigint;
}

/** The item as it is in the backend's transaction, and the backend's handle on it. */
export type LoadItem<R> = (pk: string, sk: string) => { readonly old: DvvsItem | undefined; readonly ref: R };

export class WritePlan<R> {
  private readonly items = new Map<string, Map<string, PlannedItem<R>>>();
  private readonly touched: PlannedItem<R>[] = [];
  private last: bigint;
  private readonly floorNow: bigint;

  constructor(
    private readonly ctx: PlanContext,
    private readonly load: LoadItem<R>,
  ) {
    this.last = ctx.writerClocks.get(ctx.nodeId) ?? 0n;
    this.floorNow = BigInt(Math.floor(ctx.nowMs));
  }

  /** One write; refusals throw before anything is persisted. */
  apply(w: ItemWrite): void {
    const { nodeId } = this.ctx;
    if (w.ct !== undefined) this.checkToken(w.ct);
    const p = this.item(w.pk, w.sk);
    const floor = this.floorNow > this.last ? this.floorNow : this.last;
    const r = update(p.cur ?? EMPTY_ITEM, nodeId, w.ct, w.value, floor);
    const count = storedValueCount(r.item);
    if (count > this.ctx.maxValuesPerItem) {
      throw new StoreError(
        'TooManyValues',
        `item would hold ${count} concurrent values, more than the limit of ${this.ctx.maxValuesPerItem}`,
      );
    }
    p.cur = r.item;
    this.last = r.t;
  }

  /**
   * Restore (`Store.mergeItems`): the item becomes the DVVS merge of what is stored and `incoming`,
   * so a value the store has superseded since the dump stays superseded and merging the same
   * state twice changes nothing (merge is idempotent; an unchanged item is not listed as changed).
   * No token check and no value limit: the state was already accepted by the store it was dumped
   * from. If `incoming` holds timestamps of this very node (a dump of this store restored into
   * it), `last` moves past them so that this node's timestamps keep growing in commit order.
   */
  mergeIn(pk: string, sk: string, incoming: DvvsItem): void {
    const p = this.item(pk, sk);
    const merged = p.cur === undefined ? incoming : merge(p.cur, incoming);
    if (p.cur === undefined || !sameItem(merged, p.cur)) p.cur = merged;
    const own = nodeTime(incoming, this.ctx.nodeId);
    if (own > this.last) this.last = own;
  }

  result(): PlanResult<R> {
    const changed: PlannedItem<R>[] = [];
    const counterDeltas = new Map<string, CountsSum>();
    let created = 0;
    for (const p of this.touched) {
      const cur = p.cur;
      if (cur === undefined || cur === p.old) continue;
      changed.push(p);
      if (p.old === undefined) created++;
      let delta = counterDeltas.get(p.pk);
      if (delta === undefined) {
        delta = zeroSum();
        counterDeltas.set(p.pk, delta);
      }
      addCountsOf(delta, cur, 1);
      if (p.old !== undefined) addCountsOf(delta, p.old, -1);
    }
    return { changed, counterDeltas, created, last: this.last };
  }

  private checkToken(ct: VectorClock): void {
    const { nodeId, writerClocks } = this.ctx;
    for (const [node, t] of ct) {
      // This node's clock is the one this call advances.
      const known = node === nodeId ? this.last : writerClocks.get(node);
      if (known !== undefined && t > known) {
        throw new StoreError(
          'FutureToken',
          `causality token names writer node ${node.toString(16)} at ${t}, after its last issued timestamp`,
        );
      }
    }
  }

  private item(pk: string, sk: string): PlannedItem<R> {
    let part = this.items.get(pk);
    if (part === undefined) {
      part = new Map();
      this.items.set(pk, part);
    }
    const known = part.get(sk);
    if (known !== undefined) return known;
    const { old, ref } = this.load(pk, sk);
    const p: PlannedItem<R> = { pk, sk, ref, old, cur: old };
    part.set(sk, p);
    this.touched.push(p);
    return p;
  }
}

/** Stored (t, value) pairs, duplicates included: what an item costs, whatever clients see. */
function storedValueCount(item: DvvsItem): number {
  let n = 0;
  for (const e of item.entries) n += e.values.length;
  return n;
}

/**
 * DeleteBatch for one query (contract section 9): through this node, a tombstone carrying the
 * item's own causal context for every item of the range that is not tombstone-only (the backend
 * scans the forward range, limit and reverse ignored, without tombstone-only items).
 */
export function rangeDeletion(pk: string, items: Iterable<{ readonly sk: string; readonly item: DvvsItem }>): ItemWrite[] {
  const writes: ItemWrite[] = [];
  for (const { sk, item } of items) writes.push({ pk, sk, ct: causalContext(item), value: null });
  return writes;
}
