/**
 * The read path's scans by pages: one partition's items (as item views) and one bucket's
 * counters, on the view handles (view-dbs.ts) and a snapshot's read transaction, positioned by
 * `scanStart` of the query (scan.ts bounds) and walked by its RangeWalker (page-scan.ts).
 */
import type { Transaction } from 'lmdb';
import type { IndexCounts } from '../../k2v/index-counts.js';
import { RangeWalker, scanStart } from '../../k2v/range.js';
import type { ItemView } from '../item-view.js';
import { itemFilterOf } from '../scan-query.js';
import type { IndexEntry, ItemScanQuery, ScanQuery } from '../store.js';
import { bucketBytes, counterPrefix, partitionPrefix } from './keys.js';
import { LmdbPageScan, type OpenScan } from './page-scan.js';
import { prefixBounds, rangeEntries, type RangeEntry } from './scan.js';
import type { ViewDbs } from './view-dbs.js';

const viewOf = (e: RangeEntry<null, ItemView>): ItemView => e.value;
const skOf = (v: ItemView): string => v.sk;
const recordBytes = (v: ItemView): number => v.recordBytes;
const indexEntryOf = (e: RangeEntry<string, IndexCounts>): IndexEntry => ({ pk: e.key, counts: e.value });
const pkOf = (e: IndexEntry): string => e.pk;

export function scanItemViews(
  dbs: ViewDbs,
  bucketId: string,
  pk: string,
  q: ItemScanQuery,
  transaction: Transaction,
  onEnd: (scan: OpenScan) => void,
): LmdbPageScan<RangeEntry<null, ItemView>, ItemView> {
  const bounds = prefixBounds(partitionPrefix(bucketId, pk), scanStart(q), q.reverse);
  return new LmdbPageScan(
    rangeEntries<null, ItemView>(dbs.items, bounds, transaction),
    viewOf,
    new RangeWalker(q, skOf, itemFilterOf(q)),
    onEnd,
    recordBytes,
  );
}

export function scanIndexViews(
  dbs: ViewDbs,
  bucketId: string,
  q: ScanQuery,
  transaction: Transaction,
  onEnd: (scan: OpenScan) => void,
): LmdbPageScan<RangeEntry<string, IndexCounts>, IndexEntry> {
  const bounds = prefixBounds(counterPrefix(bucketBytes(bucketId)), scanStart(q), q.reverse);
  return new LmdbPageScan(rangeEntries<string, IndexCounts>(dbs.index, bounds, transaction), indexEntryOf, new RangeWalker(q, pkOf), onEnd);
}
