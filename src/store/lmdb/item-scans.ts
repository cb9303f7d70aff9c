/**
 * Item and index scans of one bucket, decoded, on a snapshot or inside a write transaction.
 */
import type { Transaction } from 'lmdb';
import type { ScanFrom } from '../../k2v/range.js';
import { decodeItem } from '../item-codec.js';
import type { IndexEntry, ItemEntry, ScanIterator } from '../store.js';
import { bucketBytes, counterPrefix, partitionPrefix, pkOfCounterKey } from './keys.js';
import { scanPrefix } from './scan.js';
import { decodeCounts } from './values.js';
import type { ItemsDb } from './writer-state.js';

export function scanItems(
  db: ItemsDb,
  bucketId: string,
  pk: string,
  from: ScanFrom | undefined,
  reverse: boolean,
  transaction: Transaction | undefined,
): ScanIterator<ItemEntry> {
  return scanPrefix(db, partitionPrefix(bucketId, pk), from, reverse, transaction, (_key, value) => {
    const stored = decodeItem(value);
    return { sk: stored.sk, item: stored.item };
  });
}

export function scanIndex(
  db: ItemsDb,
  bucketId: string,
  from: ScanFrom | undefined,
  reverse: boolean,
  transaction: Transaction | undefined,
): ScanIterator<IndexEntry> {
  return scanPrefix(db, counterPrefix(bucketBytes(bucketId)), from, reverse, transaction, (key, value) => ({
    pk: pkOfCounterKey(key),
    counts: decodeCounts(value),
  }));
}
