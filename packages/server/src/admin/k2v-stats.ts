/**
 * The `k2v` extension of BucketInfo: totals of a bucket's partition counters (contract
 * section 7), read from one store snapshot.
 */
import type { Store } from '../store/store.js';
import type { K2vStats } from './wire.js';

export const NO_K2V_STATS: K2vStats = { items: 0, partitions: 0, values: 0, bytes: 0 };

export function k2vStats(store: Store, bucketId: string): Promise<K2vStats> {
  return store.read(async (snap) => {
    const stats = { ...NO_K2V_STATS };
    for await (const page of snap.scanIndex(bucketId, { reverse: false })) {
      for (const { counts } of page) {
        stats.partitions += 1;
        stats.items += counts.entries;
        stats.values += counts.values;
        stats.bytes += counts.bytes;
      }
    }
    return stats;
  });
}
