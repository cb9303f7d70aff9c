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
import { PAGE_BYTES, PAGE_ENTRIES, type OpenScan } from './page-scan.js';
import type { ItemsDb } from './writer-state.js';

const ITEMS_START = Buffer.from([0x01]);
const ITEMS_END = Buffer.from([0x02]);
const DONE: Promise<IteratorResult<never, undefined>> = Promise.resolve({ done: true, value: undefined });

export class BucketItemScan implements AsyncIterableIterator<readonly StoredItem[]>, OpenScan {
  private done = false;
  private readonly inner: Iterator<{ key: Buffer; value: Buffer }>;
  /** The partition prefix of the last run seen, and whether it is this bucket's. */
  private runPrefix: Buffer | undefined;
  private runKept = false;

  constructor(
    db: ItemsDb,
    private readonly bucketId: string,
    transaction: Transaction,
    private readonly onEnd: (scan: OpenScan) => void,
  ) {
    const range = db.getRange({ start: ITEMS_START, end: ITEMS_END, transaction }) as unknown as Iterable<{ key: Buffer; value: Buffer }>;
    this.inner = range[Symbol.iterator]();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<readonly StoredItem[], undefined>> {
    if (this.done) return DONE;
    try {
      const page = this.fill();
      return page.length === 0 ? DONE : Promise.resolve({ done: false, value: page });
    } catch (err) {
      this.close();
      return Promise.reject(err);
    }
  }

  return(): Promise<IteratorResult<readonly StoredItem[], undefined>> {
    this.close();
    return DONE;
  }

  close(): void {
    if (this.done) return;
    this.done = true;
    this.inner.return?.();
    this.onEnd(this);
  }

  private fill(): StoredItem[] {
    const page: StoredItem[] = [];
    let bytes = 0;
    while (page.length < PAGE_ENTRIES && bytes < PAGE_BYTES) {
      const r = this.inner.next();
      if (r.done === true) {
        this.done = true;
        this.onEnd(this);
        break;
      }
      const { key, value } = r.value;
      const prefix = key.subarray(0, ITEM_PREFIX_BYTES);
      if (this.runPrefix === undefined || !prefix.equals(this.runPrefix)) {
        this.runPrefix = Buffer.from(prefix);
        const item = decodeItem(value);
        this.runKept = partitionPrefix(this.bucketId, item.pk).equals(this.runPrefix);
        if (this.runKept) {
          page.push(item);
          bytes += value.length;
        }
        continue;
      }
      if (!this.runKept) continue;
      page.push(decodeItem(value));
      bytes += value.length;
    }
    return page;
  }
}
