/**
 * A Snapshot (src/store/store.ts) on one LMDB read transaction: every read and every lazy scan
 * made through it sees the same committed state, which is also durable (the store opens LMDB
 * without overlappingSync, see lmdb-store.ts). The read transaction is held until `close()`.
 *
 * Closing ends the snapshot's unfinished scans first: their cursors must be closed before the
 * transaction can go (lmdb-js: aborting a transaction with open cursors is unsafe), and the store
 * closes every open snapshot this way before closing the environment.
 */
import type { Transaction } from 'lmdb';
import type { DvvsItem, VectorClock } from '../../k2v/dvvs.js';
import type { ScanFrom } from '../../k2v/range.js';
import { StoreError } from '../errors.js';
import type { ItemView } from '../item-view.js';
import type { IndexEntry, ItemEntry, ScanIterator, Snapshot } from '../store.js';
import { scanItems } from './item-scans.js';
import { LAST_KEY } from './keys.js';
import { readItem, readItemView } from './read-item.js';
import { decodeU64 } from './values.js';
import type { ViewDbs } from './view-dbs.js';
import { scanIndexViews, scanItemViews } from './view-scans.js';
import type { ItemsDb } from './writer-state.js';

export class LmdbSnapshot implements Snapshot {
  private closed = false;
  private readonly liveScans = new Set<ScanIterator<unknown>>();
  private readonly forgetScan = (scan: ScanIterator<unknown>): void => {
    this.liveScans.delete(scan);
  };

  constructor(
    private readonly db: ItemsDb,
    private readonly views: ViewDbs,
    private readonly txn: Transaction,
    private readonly nodeId: bigint,
    private readonly onClose: (s: LmdbSnapshot) => void,
  ) {}

  getItem(bucketId: string, pk: string, sk: string): DvvsItem | undefined {
    this.checkOpen();
    return readItem(this.db, bucketId, pk, sk, this.txn);
  }

  scanItems(bucketId: string, pk: string, from: ScanFrom | undefined, reverse: boolean): ScanIterator<ItemEntry> {
    this.checkOpen();
    return this.live(scanItems(this.db, bucketId, pk, from, reverse, this.txn, this.forgetScan));
  }

  getItemView(bucketId: string, pk: string, sk: string): ItemView | undefined {
    this.checkOpen();
    return readItemView(this.db, bucketId, pk, sk, this.txn);
  }

  scanItemViews(bucketId: string, pk: string, from: ScanFrom | undefined, reverse: boolean): ScanIterator<ItemView> {
    this.checkOpen();
    return this.live(scanItemViews(this.views, bucketId, pk, from, reverse, this.txn, this.forgetScan));
  }

  scanIndex(bucketId: string, from: ScanFrom | undefined, reverse: boolean): ScanIterator<IndexEntry> {
    this.checkOpen();
    return this.live(scanIndexViews(this.views, bucketId, from, reverse, this.txn, this.forgetScan));
  }

  watermark(): VectorClock {
    this.checkOpen();
    const raw = this.db.get(LAST_KEY, { transaction: this.txn });
    return new Map([[this.nodeId, raw === undefined ? 0n : decodeU64(raw)]]);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const scan of [...this.liveScans]) scan.return();
    this.txn.done();
    this.onClose(this);
  }

  private live<T>(scan: ScanIterator<T>): ScanIterator<T> {
    this.liveScans.add(scan);
    return scan;
  }

  private checkOpen(): void {
    if (this.closed) throw new StoreError('Unavailable', 'snapshot is closed');
  }
}
