/**
 * `GET /v1/k2v/dump[?bucket=ID]` (`k2v dump`): the store (keys, buckets, admin tokens, items), or
 * one bucket (its items), as dump-format.ts lines,
 * all read from ONE snapshot (`Store.read`): the metadata records as that snapshot holds them (not
 * the server's in-memory copy, which an admin change committing beside the dump could leave
 * behind or ahead of it), then every item of every bucket through the snapshot's bucket scans. Streamed page by
 * page, each page written before the next is read and the client's draining awaited, so memory
 * stays one page whatever the size of the store.
 */
import type { Exchange } from '../http/respond.js';
import { beginStream } from '../http/respond.js';
import type { Store } from '../store/store.js';
import { adminTokenLine, bucketLine, DUMP_FORMAT, DUMP_VERSION, endLine, headerLine, itemLine, keyLine } from './dump-format.js';
import { noSuchBucket } from './errors.js';

export const NDJSON_TYPE = 'application/x-ndjson';

export async function serveDump(ex: Exchange, store: Store, bucket: string | undefined): Promise<void> {
  if (bucket !== undefined && store.meta.getBucket(bucket) === undefined) throw noSuchBucket(bucket);
  await store.read(async (snap) => {
    const meta = await snap.metadata();
    const keys = bucket === undefined ? meta.keys : [];
    // Their stored digests, never a secret (admin-tokens.ts keeps none).
    const adminTokens = bucket === undefined ? meta.adminTokens : [];
    const one = meta.buckets.find((b) => b.id === bucket);
    // Removed between the check above and the snapshot.
    if (bucket !== undefined && one === undefined) throw noSuchBucket(bucket);
    const buckets = bucket === undefined ? meta.buckets : [one!];
    const out = beginStream(ex, 200, { 'Content-Type': NDJSON_TYPE });
    let pending: string[] = [
      headerLine({
        format: DUMP_FORMAT,
        version: DUMP_VERSION,
        scope: bucket === undefined ? 'store' : 'bucket',
        ...(bucket === undefined ? {} : { bucket }),
        createdAt: new Date().toISOString(),
        nodeId: store.nodeId.toString(16).padStart(16, '0'),
      }),
    ];
    if (bucket === undefined) {
      for (const k of keys) pending.push(keyLine(k));
      for (const b of buckets) pending.push(bucketLine(b));
      for (const t of adminTokens) pending.push(adminTokenLine(t));
    }
    await out.write(pending.join(''));
    let items = 0;
    for (const b of buckets) {
      for await (const page of snap.scanBucketItems(b.id)) {
        pending = page.map((s) => itemLine(b.id, s));
        items += page.length;
        await out.write(pending.join(''));
      }
    }
    out.end(endLine({ keys: keys.length, buckets: bucket === undefined ? buckets.length : 0, adminTokens: adminTokens.length, items }));
  });
}
