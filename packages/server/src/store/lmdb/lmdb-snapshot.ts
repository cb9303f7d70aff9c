/**
 * A Snapshot (src/store/store.ts) on one LMDB read transaction: every read and every scan made
 * through it sees the same committed state, which is also durable (the store opens LMDB without
 * overlappingSync, see lmdb-store.ts). The store creates one per `read(fn)` and closes it when
 * `fn` settles (or when the store closes).
 *
 * Reads are synchronous underneath (memory-mapped); the port's promises are already resolved.
 * Closing ends the snapshot's unfinished scans first: their cursors must be closed before the
 * transaction can go (lmdb-js: aborting a transaction with open cursors is unsafe).
 */
import type { Transaction } from 'lmdb';
import type { VectorClock } from '../../k2v/dvvs.js';
import { StoreError } from '../errors.js';
import type { ItemView } from '../item-view.js';
import type { MetadataRecords } from '../metadata.js';
import { metadataOfRecords, type MetaRecordsDb } from './metadata-store.js';
import type { StoredItem } from '../item-codec.js';
import type { IndexEntry, ItemRef, ItemScanQuery, PageScan, ScanQuery, Snapshot } from '../store.js';
import { BucketItemScan } from './bucket-scan.js';
import { writerClocks } from './node-identity.js';
import type { OpenScan } from './page-scan.js';
import { readItemView } from './read-item.js';
import type { ViewDbs } from './view-dbs.js';
import { scanIndexViews, scanItemViews } from './view-scans.js';
import type { ItemsDb } from './writer-state.js';

export class LmdbSnapshot implements Snapshot {
  private closed = false;
  private readonly liveScans = new Set<OpenScan>();
  private readonly forgetScan = (scan: OpenScan): void => {
    this.liveScans.delete(scan);
  };

  constructor(
    private readonly db: ItemsDb,
    private readonly views: ViewDbs,
    private readonly metaDb: MetaRecordsDb,
    private readonly txn: Transaction,
  ) {}

  getItem(bucketId: string, pk: string, sk: string): Promise<ItemView | undefined> {
    if (this.closed) return closedError();
    try {
      return Promise.resolve(readItemView(this.views, bucketId, pk, sk, this.txn));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  getItems(bucketId: string, refs: readonly ItemRef[]): Promise<(ItemView | undefined)[]> {
    if (this.closed) return closedError();
    try {
      return Promise.resolve(refs.map((r) => readItemView(this.views, bucketId, r.pk, r.sk, this.txn)));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  scanItems(bucketId: string, pk: string, q: ItemScanQuery): PageScan<ItemView> {
    this.checkOpen();
    return this.live(scanItemViews(this.views, bucketId, pk, q, this.txn, this.forgetScan));
  }

  scanIndex(bucketId: string, q: ScanQuery): PageScan<IndexEntry> {
    this.checkOpen();
    return this.live(scanIndexViews(this.views, bucketId, q, this.txn, this.forgetScan));
  }

  scanBucketItems(bucketId: string): PageScan<StoredItem> {
    this.checkOpen();
    return this.live(new BucketItemScan(this.db, bucketId, this.txn, this.forgetScan));
  }

  metadata(): Promise<MetadataRecords> {
    if (this.closed) return closedError();
    try {
      return Promise.resolve(metadataOfRecords(this.metaDb.getRange({ transaction: this.txn })));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Every writer node (one per worker slot that ever wrote): its `last`, as persisted with the
   * data of this snapshot. Each node's clock is persisted in the transaction of its writes.
   */
  watermark(): Promise<VectorClock> {
    if (this.closed) return closedError();
    try {
      return Promise.resolve(writerClocks(this.db, this.txn));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const scan of [...this.liveScans]) scan.close();
    this.txn.done();
  }

  private live<S extends OpenScan>(scan: S): S {
    this.liveScans.add(scan);
    return scan;
  }

  private checkOpen(): void {
    if (this.closed) throw new StoreError('Unavailable', 'snapshot is closed');
  }
}

function closedError(): Promise<never> {
  return Promise.reject(new StoreError('Unavailable', 'snapshot is closed'));
}
