/**
 * The writes of one `write()` / `deleteRange()` call, inside one LMDB write transaction callback.
 *
 * Invariant (atomicity per call): lmdb-js runs many callbacks in one transaction and cannot roll
 * back one of them alone (a throwing callback keeps the puts it already made). So `apply()` only
 * computes new item states in memory and throws every refusal (FutureToken, TooManyValues, size)
 * before `flush()` makes the first put; `flush()` then writes everything and cannot fail except
 * on a storage error, which fails the whole transaction.
 *
 * In the same transaction as the items: partition counters (old counts out, new in; a counter at
 * zero is deleted), the per-bucket item count, the tombstone GC index, and the node's `last`.
 */
import { Buffer } from 'node:buffer';
import { EMPTY_ITEM, isTombstoneOnly, nodeTime, update, type DvvsItem, type Value, type VectorClock } from '../../k2v/dvvs.js';
import { addCounts, addCountsOf, isZeroCounts, zeroSum, ZERO_COUNTS, type CountsSum } from '../../k2v/index-counts.js';
import { StoreError } from '../errors.js';
import { decodeItem, encodedItemSize, ItemEncoder } from '../item-codec.js';
import type { ItemChange } from '../store.js';
import { bucketBytes, bucketCountKey, counterKey, gcKey, itemKey, LAST_KEY, partitionPrefix } from './keys.js';
import { decodeCounts, decodeU64, encodeCounts, encodeU64 } from './values.js';
import type { WriterState } from './writer-state.js';

/** Per-record overhead of an LMDB leaf node (header and alignment), for size estimates. */
const NODE_OVERHEAD = 16;

/**
 * Transaction callbacks run one at a time on the main thread, and each record is handed to LMDB
 * (`putSync`: copied into the transaction before it returns) before the next is encoded, so one
 * scratch buffer serves every item record.
 */
const encoder = new ItemEncoder();

/** The items of one partition touched by this call. */
interface Partition {
  readonly pk: string;
  readonly prefix: Buffer;
  readonly items: Map<string, Pending>;
  /** Index counts delta of this call, summed in flush(). */
  readonly delta: CountsSum;
  /** Has a changed item (its counter is updated by flush()). */
  changed: boolean;
}

interface Pending {
  readonly key: Buffer;
  readonly pk: string;
  readonly sk: string;
  readonly part: Partition;
  readonly old: DvvsItem | undefined;
  /** Bytes of the old record (key + value + overhead), 0 when absent. */
  readonly oldBytes: number;
  cur: DvvsItem | undefined;
}

export class ItemTxn {
  private readonly partitions = new Map<string, Partition>();
  /** Every item loaded, in first-load order. */
  private readonly loaded: Pending[] = [];
  private readonly bucket: Buffer;
  private last: bigint;
  /**
   * The wall clock, read once per call: its writes run back to back within microseconds, and
   * `last` keeps their timestamps strictly increasing anyway.
   */
  private nowMs: bigint | undefined;

  constructor(
    private readonly w: WriterState,
    private readonly bucketId: string,
  ) {
    this.bucket = bucketOf(bucketId);
    this.last = w.last;
  }

  /** One write made through this node; refusals throw before anything is written. */
  apply(pk: string, sk: string, ct: VectorClock | undefined, value: Value): void {
    const { nodeId } = this.w;
    const named = ct?.get(nodeId);
    if (named !== undefined && named > this.last) {
      throw new StoreError(
        'FutureToken',
        `causality token names this node (${nodeId.toString(16)}) at ${named}, after its last issued timestamp`,
      );
    }
    const p = this.load(pk, sk);
    const now = (this.nowMs ??= BigInt(Math.floor(this.w.now())));
    const floor = now > this.last ? now : this.last;
    const r = update(p.cur ?? EMPTY_ITEM, nodeId, ct, value, floor);
    const count = storedValueCount(r.item);
    if (count > this.w.maxValuesPerItem) {
      throw new StoreError(
        'TooManyValues',
        `item would hold ${count} concurrent values, more than the limit of ${this.w.maxValuesPerItem}`,
      );
    }
    p.cur = r.item;
    this.last = r.t;
  }

  /** Writes every changed item and its bookkeeping; returns the changes to publish after commit. */
  flush(): ItemChange[] {
    const { db, nodeId } = this.w;
    const records: Pending[] = [];
    const counted: Partition[] = [];
    let growth = 0;
    let created = 0;
    for (const p of this.loaded) {
      const cur = p.cur;
      if (cur === undefined || cur === p.old) continue;
      records.push(p);
      growth += p.key.length + encodedItemSize(p.pk, p.sk, cur) + NODE_OVERHEAD - p.oldBytes;
      if (p.old === undefined) created++;
      const wasTomb = p.old !== undefined && isTombstoneOnly(p.old);
      const isTomb = isTombstoneOnly(cur);
      if (isTomb !== wasTomb) growth += (isTomb ? 1 : -1) * (9 + p.key.length + 32 + NODE_OVERHEAD);
      const part = p.part;
      if (!part.changed) {
        part.changed = true;
        counted.push(part);
      }
      addCountsOf(part.delta, cur, 1);
      if (p.old !== undefined) addCountsOf(part.delta, p.old, -1);
    }
    if (records.length === 0) return [];
    const counterKeys = counted.map((part) => counterKey(this.bucket, part.pk));
    if (!this.w.budget.admit(db.getWriteTxnId(), 2 * growth)) {
      throw new StoreError('Unavailable', 'the store is full (mapSizeBytes reached); delete data or raise the limit');
    }

    // No refusal past this point: from here on, everything is written.
    const changes: ItemChange[] = new Array<ItemChange>(records.length);
    for (let i = 0; i < records.length; i++) {
      const p = records[i]!;
      const cur = p.cur!;
      db.putSync(p.key, encoder.encode(p.pk, p.sk, cur));
      if (p.old !== undefined && isTombstoneOnly(p.old)) void db.remove(gcKey(nodeTime(p.old, nodeId), p.key));
      if (isTombstoneOnly(cur)) void db.put(gcKey(nodeTime(cur, nodeId), p.key), this.bucket);
      changes[i] = { bucketId: this.bucketId, pk: p.pk, sk: p.sk, item: cur };
    }
    for (let i = 0; i < counted.length; i++) {
      const delta = counted[i]!.delta;
      if (isZeroCounts(delta)) continue;
      const key = counterKeys[i]!;
      const stored = db.get(key);
      const next = addCounts(stored === undefined ? ZERO_COUNTS : decodeCounts(stored), delta);
      if (isZeroCounts(next)) void db.remove(key);
      else void db.put(key, encodeCounts(next));
    }
    if (created > 0) addBucketItems(this.w, this.bucket, created);
    if (this.last !== this.w.last) {
      this.w.last = this.last;
      void db.put(LAST_KEY, encodeU64(this.last));
    }
    return changes;
  }

  private partition(pk: string): Partition {
    let part = this.partitions.get(pk);
    if (part === undefined) {
      const prefix = partitionPrefix(this.bucketId, pk);
      part = { pk, prefix, items: new Map(), delta: zeroSum(), changed: false };
      this.partitions.set(pk, part);
    }
    return part;
  }

  private load(pk: string, sk: string): Pending {
    const part = this.partition(pk);
    const known = part.items.get(sk);
    if (known !== undefined) return known;
    const key = itemKey(part.prefix, sk);
    const raw = this.w.db.get(key);
    const old = raw === undefined ? undefined : decodeItem(raw).item;
    const oldBytes = raw === undefined ? 0 : key.length + raw.length + NODE_OVERHEAD;
    const p: Pending = { key, pk, sk, part, old, oldBytes, cur: old };
    part.items.set(sk, p);
    this.loaded.push(p);
    return p;
  }
}

// Writes come in bursts to one bucket: decode its id once (the bytes are only ever read).
let lastBucketId = '';
let lastBucket: Buffer = Buffer.alloc(0);
function bucketOf(bucketId: string): Buffer {
  if (bucketId !== lastBucketId) {
    lastBucket = bucketBytes(bucketId);
    lastBucketId = bucketId;
  }
  return lastBucket;
}

/** Adds `delta` (possibly negative) to a bucket's item count; deletes the record at zero. */
export function addBucketItems(w: Pick<WriterState, 'db'>, bucket: Buffer, delta: number): void {
  const key = bucketCountKey(bucket);
  const stored = w.db.get(key);
  const next = (stored === undefined ? 0n : decodeU64(stored)) + BigInt(delta);
  if (next <= 0n) void w.db.remove(key);
  else void w.db.put(key, encodeU64(next));
}

/** Stored (t, value) pairs, duplicates included: what an item costs, whatever clients see. */
function storedValueCount(item: DvvsItem): number {
  let n = 0;
  for (const e of item.entries) n += e.values.length;
  return n;
}
