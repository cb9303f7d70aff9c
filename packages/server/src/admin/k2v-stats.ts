/**
 * The `k2v` extension of BucketInfo: totals of a bucket's partition counters (contract
 * section 7), read from one store snapshot.
 */
import type { Store } from '../store/store.js';
import type { K2vStats } from './wire.js';

export const NO_K2V_STATS: K2vStats = { items: 0, partitions: 0, values: 0, bytes: 0 };

export function k2vStats(store: Store, bucketId: string): K2vStats {
  const stats = { ...NO_K2V_STATS };
  const snapshot = store.snapshot();
  try {
    for (const { counts } of snapshot.scanIndex(bucketId, undefined, false)) {
      stats.partitions += 1;
      stats.items += counts.entries;
      stats.values += counts.values;
      stats.bytes += counts.bytes;
    }
  } finally {
    snapshot.close();
  }
  return stats;
}
