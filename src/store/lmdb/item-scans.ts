/**
 * Item and index scans of one bucket, decoded, on a snapshot or inside a write transaction.
 */
import type { Buffer } from 'node:buffer';
import type { Transaction } from 'lmdb';
import type { ScanFrom } from '../../k2v/range.js';
import { decodeItem } from '../item-codec.js';
import type { IndexEntry, ItemEntry, ScanIterator } from '../store.js';
import { bucketBytes, counterPrefix, partitionPrefix, pkOfCounterKey } from './keys.js';
import { scanPrefix, type OnScanEnd } from './scan.js';
import { decodeCounts } from './values.js';
import type { ItemsDb } from './writer-state.js';

export function scanItems(
  db: ItemsDb,
  bucketId: string,
  pk: string,
  from: ScanFrom | undefined,
  reverse: boolean,
  transaction: Transaction | undefined,
  onEnd?: OnScanEnd,
): ScanIterator<ItemEntry> {
  const decode = (_key: Buffer, value: Buffer): ItemEntry => {
    const stored = decodeItem(value);
    return { sk: stored.sk, item: stored.item };
  };
  return scanPrefix(db, partitionPrefix(bucketId, pk), from, reverse, transaction, decode, onEnd);
}

export function scanIndex(
  db: ItemsDb,
  bucketId: string,
  from: ScanFrom | undefined,
  reverse: boolean,
  transaction: Transaction | undefined,
  onEnd?: OnScanEnd,
): ScanIterator<IndexEntry> {
  const decode = (key: Buffer, value: Buffer): IndexEntry => ({ pk: pkOfCounterKey(key), counts: decodeCounts(value) });
  return scanPrefix(db, counterPrefix(bucketBytes(bucketId)), from, reverse, transaction, decode, onEnd);
}
