/**
 * Item scans of one partition, decoded, on a snapshot or inside a write transaction (the read
 * path's scans, which do not decode, are in view-scans.ts).
 */
import type { Buffer } from 'node:buffer';
import type { Transaction } from 'lmdb';
import type { ScanFrom } from '../../k2v/range.js';
import { decodeItem } from '../item-codec.js';
import type { ItemEntry, ScanIterator } from '../store.js';
import { partitionPrefix } from './keys.js';
import { scanPrefix, type OnScanEnd } from './scan.js';
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
