/**
 * Every item of one bucket, on a snapshot's read transaction (dump). Item keys lead with a hash
 * of (bucket, partition key) (keys.ts), so a bucket's items are not one range: the scan walks
 * the whole item range and keeps the partitions whose hash is this bucket's. Items of one
 * partition are adjacent, so the hash is computed once per partition, not per item.
 */
import { Buffer } from 'node:buffer';
import type { Transaction } from 'lmdb';
import { decodeItem, type StoredItem } from '../item-codec.js';
import { ITEM_PREFIX_BYTES, partitionPrefix } from './keys.js';
import { CursorPages, PAGE_BYTES, PAGE_ENTRIES, type OpenScan } from './page-scan.js';
import type { ItemsDb } from './writer-state.js';

const ITEMS_START = Buffer.from([0x01]);
const ITEMS_END = Buffer.from([0x02]);
export class BucketItemScan extends CursorPages<{ key: Buffer; value: Buffer }, StoredItem> {
  /** The partition prefix of the last run seen, and whether it is this bucket's. */
  private runPrefix: Buffer | undefined;
  private runKept = false;

  constructor(db: ItemsDb, private readonly bucketId: string, transaction: Transaction, onEnd: (scan: OpenScan) => void) {
    const range = db.getRange({ start: ITEMS_START, end: ITEMS_END, transaction }) as unknown as Iterable<{ key: Buffer; value: Buffer }>;
    super(range[Symbol.iterator](), onEnd);
  }

  protected fill(): StoredItem[] {
    const page: StoredItem[] = [];
    let bytes = 0;
    while (page.length < PAGE_ENTRIES && bytes < PAGE_BYTES) {
      const r = this.inner.next();
      if (r.done === true) {
        this.ranOut();
        break;
      }
      const { key, value } = r.value;
      const prefix = key.subarray(0, ITEM_PREFIX_BYTES);
      let item: StoredItem | undefined;
      if (this.runPrefix === undefined || !prefix.equals(this.runPrefix)) {
        this.runPrefix = Buffer.from(prefix);
        item = decodeItem(value);
        this.runKept = partitionPrefix(this.bucketId, item.pk).equals(this.runPrefix);
      }
      if (!this.runKept) continue;
      page.push(item ?? decodeItem(value));
      bytes += value.length;
    }
    return page;
  }
}
