/**
 * Lazy, ordered scans of one partition's items (as item views) and of one bucket's counters, on
 * the view handles (view-dbs.ts) and a snapshot's read transaction: the same entries, order and
 * positioning as scan.ts `scanPrefix` (the same bounds), without reading the item keys.
 */
import type { Transaction } from 'lmdb';
import type { IndexCounts } from '../../k2v/index-counts.js';
import type { ScanFrom } from '../../k2v/range.js';
import type { ItemView } from '../item-view.js';
import type { IndexEntry, ScanIterator } from '../store.js';
import { bucketBytes, counterPrefix, partitionPrefix } from './keys.js';
import { prefixBounds, scanRange, type OnScanEnd, type RangeEntry } from './scan.js';
import type { ViewDbs } from './view-dbs.js';

const viewOf = (e: RangeEntry<null, ItemView>): ItemView => e.value;
const indexEntryOf = (e: RangeEntry<string, IndexCounts>): IndexEntry => ({ pk: e.key, counts: e.value });

export function scanItemViews(
  dbs: ViewDbs,
  bucketId: string,
  pk: string,
  from: ScanFrom | undefined,
  reverse: boolean,
  transaction: Transaction,
  onEnd?: OnScanEnd,
): ScanIterator<ItemView> {
  return scanRange(dbs.items, prefixBounds(partitionPrefix(bucketId, pk), from, reverse), transaction, viewOf, onEnd);
}

export function scanIndexViews(
  dbs: ViewDbs,
  bucketId: string,
  from: ScanFrom | undefined,
  reverse: boolean,
  transaction: Transaction,
  onEnd?: OnScanEnd,
): ScanIterator<IndexEntry> {
  return scanRange(dbs.index, prefixBounds(counterPrefix(bucketBytes(bucketId)), from, reverse), transaction, indexEntryOf, onEnd);
}
