/**
 * Tombstone GC (contract section 1): an item that has been tombstone-only for the configured delay
 * is removed, as Garage does. Items never get scanned: when a write leaves an item tombstone-only,
 * the same transaction records `GC | tombstonedAt | item key` (tombstonedAt = the item's largest
 * timestamp of any node, i.e. the time of the write that made it tombstone-only), and removes the record
 * of its previous state. A record is honoured only if the item is still tombstone-only with that
 * same timestamp, so a record left behind by any bug can only delay a removal, never lose a value.
 * Tombstone-only items count zero in every partition counter, so counters do not change; the
 * bucket's item count does.
 */
import { Buffer } from 'node:buffer';
import { isTombstoneOnly } from '../../k2v/dvvs.js';
import { decodeItem } from '../item-codec.js';
import { addBucketItems, tombstonedAt as tombstoneTime } from './apply-writes.js';
import { gcRange, parseGcKey } from './keys.js';
import type { WriterState } from './writer-state.js';

/** Records examined per write transaction. */
export const GC_CHUNK = 1_000;

export interface GcChunk {
  readonly removed: number;
  /** More expired records may remain. */
  readonly more: boolean;
}

/** Runs inside a write transaction callback: removes items tombstoned at or before `upTo`. */
export function collectGarbageChunk(w: Pick<WriterState, 'db'>, upTo: bigint, chunk = GC_CHUNK): GcChunk {
  const { db } = w;
  const { start, end } = gcRange(upTo);
  // Collected first: the cursor must not walk a tree the same transaction is changing.
  const records: { key: Buffer; bucket: Buffer }[] = [];
  for (const { key, value } of db.getRange({ start, end, limit: chunk })) {
    records.push({ key: Buffer.from(key), bucket: Buffer.from(value) });
  }
  const removedPerBucket = new Map<string, { bucket: Buffer; n: number }>();
  let removed = 0;
  for (const { key, bucket } of records) {
    void db.remove(key);
    const { tombstonedAt, itemKey } = parseGcKey(key);
    const raw = db.get(itemKey);
    if (raw === undefined) continue;
    const { item } = decodeItem(raw);
    if (!isTombstoneOnly(item) || tombstoneTime(item) !== tombstonedAt) continue;
    void db.remove(itemKey);
    removed++;
    const id = bucket.toString('hex');
    const entry = removedPerBucket.get(id);
    if (entry === undefined) removedPerBucket.set(id, { bucket, n: 1 });
    else entry.n++;
  }
  for (const { bucket, n } of removedPerBucket.values()) addBucketItems(w, bucket, -n);
  return { removed, more: records.length === chunk };
}
