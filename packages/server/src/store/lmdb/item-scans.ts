/**
 * The items of one range of a partition, decoded, inside a write transaction callback (DeleteBatch:
 * the read path's scans, which do not decode, are view-scans.ts).
 */
import type { Buffer } from 'node:buffer';
import type { DvvsItem } from '../../k2v/dvvs.js';
import { RangeWalker, scanStart, type RangeSpec } from '../../k2v/range.js';
import { decodeItem } from '../item-codec.js';
import { partitionPrefix } from './keys.js';
import { prefixBounds, rangeEntries } from './scan.js';
import type { ItemsDb } from './writer-state.js';

export interface ItemEntry {
  readonly sk: string;
  readonly item: DvvsItem;
}

/**
 * Every entry of the range that `keep` keeps (the spec's limit applies), collected before the
 * caller writes: a cursor must not walk a tree its own transaction is changing.
 */
export function collectItems(
  db: ItemsDb,
  bucketId: string,
  pk: string,
  spec: RangeSpec,
  keep: (item: DvvsItem) => boolean,
): { items: ItemEntry[]; walker: RangeWalker<ItemEntry> } {
  const walker = new RangeWalker<ItemEntry>(spec, (e) => e.sk, (e) => keep(e.item));
  const it = rangeEntries<Buffer, Buffer>(db, prefixBounds(partitionPrefix(bucketId, pk), scanStart(spec), spec.reverse), undefined);
  const items: ItemEntry[] = [];
  try {
    for (;;) {
      const r = it.next();
      if (r.done === true) return { items, walker };
      const stored = decodeItem(r.value.value);
      const e: ItemEntry = { sk: stored.sk, item: stored.item };
      const o = walker.offer(e);
      if (o === 'take') items.push(e);
      else if (o === 'stop') break;
    }
  } catch (err) {
    it.return?.();
    throw err;
  }
  it.return?.();
  return { items, walker };
}
