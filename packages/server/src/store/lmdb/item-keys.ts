/**
 * The item keys of a `write()` call, built when it is queued instead of inside the write
 * transaction callback, where the main thread runs while lmdb-js's writer thread waits for it:
 * what leaves the callback shortens every commit cycle. The store alone, 32 writers of 100 new
 * items: 209 000-229 000 -> 222 000-260 000 items/s (docs/performance.md: InsertBatch per item).
 */
import type { Buffer } from 'node:buffer';
import type { ItemWrite } from '../store.js';
import { itemKey, partitionPrefix } from './keys.js';

/**
 * `keys[i]` is the key of `writes[i]`, or undefined where building it throws (a key too long, a
 * malformed bucket id): applyWrites then builds that one itself and refuses the call at the same
 * point as it always did.
 */
export function itemKeysOf(bucketId: string, writes: readonly ItemWrite[]): (Buffer | undefined)[] {
  const keys = new Array<Buffer | undefined>(writes.length);
  let pk: string | undefined;
  let prefix: Buffer | undefined;
  for (let i = 0; i < writes.length; i++) {
    const w = writes[i]!;
    try {
      if (w.pk !== pk) {
        prefix = partitionPrefix(bucketId, w.pk);
        pk = w.pk;
      }
      keys[i] = itemKey(prefix!, w.sk);
    } catch {
      keys[i] = undefined;
      pk = undefined;
    }
  }
  return keys;
}
