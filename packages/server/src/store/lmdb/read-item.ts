/**
 * Point read of one item, as a view of its record, on a snapshot's transaction or lmdb-js's
 * shared read transaction.
 */
import { Buffer } from 'node:buffer';
import type { Transaction } from 'lmdb';
import type { ItemView } from '../item-view.js';
import { itemKey, MAX_SORT_KEY_BYTES, partitionPrefix } from './keys.js';
import type { ViewDbs } from './view-dbs.js';

/**
 * Through the view handle (view-dbs.ts): lmdb-js hands the record in its shared buffer to the
 * decoder, which copies it into a slab, instead of copying it into a Buffer of its own first.
 */
export function readItemView(
  views: ViewDbs,
  bucketId: string,
  pk: string,
  sk: string,
  transaction: Transaction | undefined,
): ItemView | undefined {
  // A sort key the store could never hold names no item (rather than a key-size error).
  if (Buffer.byteLength(sk, 'utf8') > MAX_SORT_KEY_BYTES) return undefined;
  const key = itemKey(partitionPrefix(bucketId, pk), sk);
  return transaction === undefined ? views.items.get(key) : views.items.get(key, { transaction });
}
