/**
 * Point read of one item, as a view of its record, on a snapshot's transaction or lmdb-js's
 * shared read transaction.
 */
import { Buffer } from 'node:buffer';
import type { Transaction } from 'lmdb';
import { ItemView } from '../item-view.js';
import { itemKey, MAX_SORT_KEY_BYTES, partitionPrefix } from './keys.js';
import type { ItemsDb } from './writer-state.js';

/** lmdb-js returns a fresh Buffer per `get` on the binary handle: the view may keep it. */
export function readItemView(
  db: ItemsDb,
  bucketId: string,
  pk: string,
  sk: string,
  transaction: Transaction | undefined,
): ItemView | undefined {
  // A sort key the store could never hold names no item (rather than a key-size error).
  if (Buffer.byteLength(sk, 'utf8') > MAX_SORT_KEY_BYTES) return undefined;
  const key = itemKey(partitionPrefix(bucketId, pk), sk);
  const raw = transaction === undefined ? db.get(key) : db.get(key, { transaction });
  return raw === undefined ? undefined : ItemView.parse(raw, 0, raw.length);
}
