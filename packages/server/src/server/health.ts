/**
 * What `GET /health` tells a load balancer: the store is open and its last commit did not fail
 * (store.healthy()), and the disk holding the data directory is not full. A full map budget is
 * not a failure: deletes still work and free space (README "Limits").
 */
import { STORE_UNAVAILABLE } from '../admin/admin-server.js';
import type { HealthReport } from '../admin/context.js';
import { freeBytes } from '../store/lmdb/disk-space.js';
import type { Store } from '../store/store.js';

/**
 * Below this many free bytes the disk counts as full: a commit copies the pages it changes, so
 * even a small write is about to fail (a failed one makes store.healthy() false by itself).
 */
export const DISK_FULL_BYTES = 1024 * 1024;

export function healthCheck(store: Store, dataDir: string, fullBelowBytes = DISK_FULL_BYTES): () => HealthReport {
  return () => {
    if (!store.healthy()) return { ok: false, reason: STORE_UNAVAILABLE };
    const free = freeBytes(dataDir);
    if (free !== undefined && free < fullBelowBytes) {
      return { ok: false, reason: `K2V server disk is full (${free} bytes free on the data directory's file system): writes fail; reads may still work` };
    }
    return { ok: true };
  };
}
