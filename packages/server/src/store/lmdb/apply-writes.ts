/**
 * Persists one `write()` / `deleteRange()` call inside one LMDB write transaction callback: the
 * items are loaded and the call planned by store/write-plan.ts, then written here.
 *
 * Invariant (atomicity per call): lmdb-js runs many callbacks in one transaction and cannot roll
 * back one of them alone (a throwing callback keeps the puts it already made). So every refusal
 * (the plan's FutureToken, TooManyValues, the key sizes of keys.ts, the size budget) is thrown
 * before the first put; after it, writing cannot fail except on a storage error, which fails the
 * whole transaction.
 *
 * In the same transaction as the items: partition counters (old counts out, new in; a counter at
 * zero is deleted), the per-bucket item count, the tombstone GC index, and the node's `last`.
 */
import { Buffer } from 'node:buffer';
import { isTombstoneOnly, nodeTime, type DvvsItem } from '../../k2v/dvvs.js';
import { addCounts, isZeroCounts, ZERO_COUNTS } from '../../k2v/index-counts.js';
import { StoreError } from '../errors.js';
import { decodeItem, encodedItemSize, ItemEncoder, type StoredItem } from '../item-codec.js';
import type { ItemChange, ItemWrite } from '../store.js';
import { WritePlan } from '../write-plan.js';
import { bucketBytes, bucketCountKey, counterKey, gcKey, itemKey, partitionPrefix } from './keys.js';
import { writerClocks } from './node-identity.js';
import { decodeCounts, decodeU64, encodeCounts, encodeU64 } from './values.js';
import type { WriterState } from './writer-state.js';

/** Per-record overhead of an LMDB leaf node (header and alignment), for size estimates. */
const NODE_OVERHEAD = 16;

/**
 * One scratch buffer serves every item record. Safe only while encode -> hand-off stays
 * synchronous: transaction callbacks run one at a time on the main thread, and each record is
 * handed to LMDB (`putSync`: copied into the transaction before it returns) before the next is
 * encoded. Never await between `encoder.encode` and the put.
 */
const encoder = new ItemEncoder();

/** The backend's handle on a planned item: its key and the bytes its old record takes. */
interface ItemRef {
  readonly key: Buffer;
  /** Bytes of the old record (key + value + overhead), 0 when absent. */
  readonly oldBytes: number;
}

/**
 * What several calls sharing one transaction callback leave for the end of it (write-queue.ts):
 * the bucket item counts and the node's `last` are each written once per batch, not once per call.
 */
export class BatchTotals {
  /** Items created per bucket (bucket id bytes, count). */
  readonly created = new Map<string, { bucket: Buffer; n: number }>();
  /** `w.last` when the batch began: persisted at the end only if a call moved it. */
  constructor(readonly lastAtStart: bigint) {}

  /** Inside the same transaction, after the batch's last call: the deferred puts. */
  finish(w: WriterState): void {
    for (const { bucket, n } of this.created.values()) addBucketItems(w, bucket, n);
    if (w.last !== this.lastAtStart) void w.db.put(w.lastKey, encodeU64(w.last));
  }
}

/**
 * Runs inside a write transaction callback; returns the changes to publish after the commit.
 * With `totals`, the bucket count and `last` puts are left to `totals.finish()` (same transaction).
 * `keys` (item-keys.ts), when given, holds the item key of each write, built before the callback.
 */
export function applyWrites(
  w: WriterState,
  bucketId: string,
  writes: readonly ItemWrite[],
  merges: readonly StoredItem[] = [],
  totals?: BatchTotals,
  keys?: readonly (Buffer | undefined)[],
): ItemChange[] {
  const { db, nodeId } = w;
  const bucket = bucketOf(bucketId);
  const prefixes = new Map<string, Buffer>();
  // The write being planned: the plan loads an item only for the write it applies.
  let at = -1;
  const plan = new WritePlan<ItemRef>(
    { nodeId, writerClocks: clocksFor(w, writes), nowMs: w.now(), maxValuesPerItem: w.maxValuesPerItem },
    (pk, sk) => {
      // Only for the write being applied (the plan loads no other item while applying one).
      const x = at >= 0 ? writes[at] : undefined;
      let key = x !== undefined && x.pk === pk && x.sk === sk ? keys?.[at] : undefined;
      if (key === undefined) {
        let prefix = prefixes.get(pk);
        if (prefix === undefined) {
          prefix = partitionPrefix(bucketId, pk);
          prefixes.set(pk, prefix);
        }
        key = itemKey(prefix, sk);
      }
      const raw = db.get(key);
      if (raw === undefined) return { old: undefined, ref: { key, oldBytes: 0 } };
      return { old: decodeItem(raw).item, ref: { key, oldBytes: key.length + raw.length + NODE_OVERHEAD } };
    },
  );
  for (let i = 0; i < writes.length; i++) {
    at = i;
    plan.apply(writes[i]!);
  }
  at = -1;
  for (const m of merges) plan.mergeIn(m.pk, m.sk, m.item);
  const { changed, counterDeltas, created, last } = plan.result();
  if (changed.length === 0) return [];

  let growth = 0;
  for (const p of changed) {
    const cur = p.cur!;
    const key = p.ref.key;
    growth += key.length + encodedItemSize(p.pk, p.sk, cur) + NODE_OVERHEAD - p.ref.oldBytes;
    const wasTomb = p.old !== undefined && isTombstoneOnly(p.old);
    const isTomb = isTombstoneOnly(cur);
    if (isTomb !== wasTomb) growth += (isTomb ? 1 : -1) * (9 + key.length + 32 + NODE_OVERHEAD);
  }
  // Built before the first put: a partition key too long for the store throws here (RangeError).
  const counters: { key: Buffer; pk: string }[] = [];
  for (const pk of counterDeltas.keys()) counters.push({ key: counterKey(bucket, pk), pk });
  if (!w.budget.admit(db.getWriteTxnId(), 2 * growth)) {
    throw new StoreError('Unavailable', 'the store is full (mapSizeBytes reached); delete data or raise the limit');
  }

  // No refusal past this point: from here on, everything is written.
  const changes: ItemChange[] = new Array<ItemChange>(changed.length);
  for (let i = 0; i < changed.length; i++) {
    const p = changed[i]!;
    const cur = p.cur!;
    const key = p.ref.key;
    db.putSync(key, encoder.encode(p.pk, p.sk, cur));
    if (p.old !== undefined && isTombstoneOnly(p.old)) void db.remove(gcKey(tombstonedAt(p.old), key));
    if (isTombstoneOnly(cur)) void db.put(gcKey(tombstonedAt(cur), key), bucket);
    changes[i] = { bucketId, pk: p.pk, sk: p.sk };
  }
  for (const { key, pk } of counters) {
    const delta = counterDeltas.get(pk)!;
    if (isZeroCounts(delta)) continue;
    const stored = db.get(key);
    const next = addCounts(stored === undefined ? ZERO_COUNTS : decodeCounts(stored), delta);
    if (isZeroCounts(next)) void db.remove(key);
    else void db.put(key, encodeCounts(next));
  }
  if (totals !== undefined) {
    if (created > 0) {
      const t = totals.created.get(bucketId);
      if (t === undefined) totals.created.set(bucketId, { bucket, n: created });
      else t.n += created;
    }
    if (last !== w.last) w.last = last;
    return changes;
  }
  if (created > 0) addBucketItems(w, bucket, created);
  if (last !== w.last) {
    w.last = last;
    void db.put(w.lastKey, encodeU64(last));
  }
  return changes;
}

/**
 * When a tombstone-only item became one, for its GC record: the largest timestamp any node gave
 * the item (the write that made it so, or a later one). It depends on the item alone, not on
 * which node computes it: with several worker processes, a record written by one node is removed
 * or honoured by another (tombstone-gc.ts).
 */
export function tombstonedAt(item: DvvsItem): bigint {
  let max = 0n;
  for (const e of item.entries) {
    const t = nodeTime(item, e.node);
    if (t > max) max = t;
  }
  return max;
}

/**
 * The clocks the plan checks tokens against. Only a token naming another node needs the others'
 * (other worker slots' nodes, read in this write transaction, so current): most writes carry no
 * token, or one of this node's.
 */
function clocksFor(w: WriterState, writes: readonly ItemWrite[]): Map<bigint, bigint> {
  const own = new Map([[w.nodeId, w.last]]);
  for (const x of writes) {
    if (x.ct === undefined) continue;
    for (const node of x.ct.keys()) {
      if (node !== w.nodeId) {
        const all = writerClocks(w.db);
        all.set(w.nodeId, w.last);
        return all;
      }
    }
  }
  return own;
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
