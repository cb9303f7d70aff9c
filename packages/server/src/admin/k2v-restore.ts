/**
 * `POST /v1/k2v/restore[?bucket=ID]` (`k2v restore FILE`): loads a dump (dump-format.ts) streamed
 * as the request body, merging by causality so that a restore never overwrites a newer value and
 * restoring twice changes nothing:
 * - items: `Store.mergeItems` (DVVS merge, write-plan.ts mergeIn), with counters kept exact in the
 *   same transaction;
 * - keys, buckets and admin tokens (whole-store dumps): merged by dump-metadata-merge.ts (what
 *   the target lacks is added, what it has is kept, nothing it deleted comes back).
 * With `?bucket=ID`, every item goes to that bucket (a bucket dump into another store).
 *
 * Atomicity: items are committed in batches of up to BATCH_ITEMS consecutive item lines of one
 * bucket (one `mergeItems` call, all or nothing); the metadata lines in one metadata update
 * before the first item. Every line of a batch is checked before the batch commits, so a bad line
 * answers 400 naming it, with nothing of its batch committed; the batches before it stay (a
 * restore is idempotent: fix the file and restore it again). A dump without its end line
 * (truncated), or whose end line's counts differ from its lines, is refused the same way.
 *
 * Parts (`?firstLine=N`): `k2v restore` sends a large file as several requests, each within the
 * listener's request timeout. Each part is a dump of its own (the file's header, a run of its
 * lines, an end line counting that run), checked as above; `firstLine` is the file's line number
 * of the part's second line, so that errors name the file's lines and count the parts before
 * as restored.
 */
import type { HttpRequest } from '../http/respond.js';
import type { StoredItem } from '../store/item-codec.js';
import type { AccessKey, AdminToken, Bucket } from '../store/metadata.js';
import type { Store } from '../store/store.js';
import { DumpLineError, endMismatch, parseHeader, parseRecord, type DumpHeader } from './dump-format.js';
import { isEmptyMetadata, mergeDumpMetadata, type DumpMetadata, type MetadataMergeCounts } from './dump-metadata-merge.js';
import { badRequest, noSuchBucket } from './errors.js';
import { lines } from './ndjson-lines.js';

/** Items per transaction: large enough to amortize a commit, small enough to bound memory. */
export const BATCH_ITEMS = 500;
const BATCH_BYTES = 8 * 1024 * 1024;

export interface RestoreSummary extends MetadataMergeCounts {
  lines: number;
  items: number;
  /** Items that changed (0 on a second restore of the same dump). */
  itemsChanged: number;
}

export async function restore(store: Store, req: HttpRequest, targetBucket: string | undefined, firstLine = 2): Promise<RestoreSummary> {
  if (targetBucket !== undefined && store.meta.getBucket(targetBucket) === undefined) throw noSuchBucket(targetBucket);
  const sum: RestoreSummary = { lines: 0, items: 0, itemsChanged: 0, keysAdded: 0, bucketsAdded: 0, adminTokensAdded: 0, adminTokensKept: 0 };
  let header: DumpHeader | undefined;
  let ended = false;
  let itemLines = 0;
  const keys: AccessKey[] = [];
  const buckets: Bucket[] = [];
  const adminTokens: AdminToken[] = [];
  const meta: DumpMetadata = { keys, buckets, adminTokens };
  let metaDone = false;
  let batch: StoredItem[] = [];
  let batchBucket = '';
  let batchBytes = 0;
  let committedThrough = 0;
  let lineNo = 0;

  const flush = async (): Promise<void> => {
    if (batch.length > 0) {
      sum.itemsChanged += await store.mergeItems(batchBucket, batch);
      sum.items += batch.length;
      committedThrough = lineNo - 1;
    }
    batch = [];
    batchBytes = 0;
  };
  // The file's line number of this request's line n (its line 1 is the file's header).
  const fileLine = (n: number): number => (n <= 1 ? n : n + firstLine - 2);
  const fail = (why: string): Error => {
    const restoredThrough = committedThrough === 0 ? (firstLine > 2 ? firstLine - 1 : 0) : fileLine(committedThrough);
    return badRequest(
      `dump line ${fileLine(lineNo)}: ${why}; ${restoredThrough === 0 ? 'nothing was restored' : `lines 1 to ${restoredThrough} were restored`} (restoring again is safe)`,
    );
  };

  try {
    for await (const line of lines(req)) {
      lineNo++;
      if (line === '') continue;
      if (ended) throw fail('data after the end line');
      try {
        if (header === undefined) {
          header = parseHeader(line);
          continue;
        }
        const r = parseRecord(line, header.version);
        if (r.type === 'key') {
          if (metaDone) throw new DumpLineError('key lines must come before the first item');
          keys.push(r.key);
        } else if (r.type === 'bucket') {
          if (metaDone) throw new DumpLineError('bucket lines must come before the first item');
          buckets.push(r.bucket);
        } else if (r.type === 'adminToken') {
          if (metaDone) throw new DumpLineError('admin token lines must come before the first item');
          adminTokens.push(r.token);
        } else if (r.type === 'end') {
          ended = true;
          const why = endMismatch(r, { keys: keys.length, buckets: buckets.length, adminTokens: adminTokens.length, items: itemLines });
          if (why !== undefined) throw new DumpLineError(why);
        } else {
          itemLines++;
          if (!metaDone) {
            metaDone = true;
            if (await mergeMetadata(store, meta, sum)) committedThrough = lineNo - 1;
          }
          const bucketId = targetBucket ?? r.bucketId;
          if (store.meta.getBucket(bucketId) === undefined) {
            throw new DumpLineError(`bucket ${bucketId} does not exist here: restore a whole-store dump, or name a target bucket (k2v restore --bucket)`);
          }
          if (bucketId !== batchBucket || batch.length >= BATCH_ITEMS || batchBytes >= BATCH_BYTES) {
            await flush();
            batchBucket = bucketId;
          }
          batch.push(r.item);
          batchBytes += line.length;
        }
      } catch (err) {
        if (err instanceof DumpLineError) throw fail(err.message);
        throw err;
      }
    }
  } catch (err) {
    // Answer once the client has sent everything: an answer before the body ends can reach a
    // streaming client as a broken pipe instead of this error.
    req.resume();
    throw err;
  }
  if (header === undefined) throw fail('empty dump (no header line)');
  if (!ended) {
    lineNo++;
    throw fail('the dump has no end line (truncated?)');
  }
  if (!metaDone) await mergeMetadata(store, meta, sum);
  lineNo++;
  await flush();
  sum.lines = lineNo - 1;
  return sum;
}

/** True when there was metadata to merge (now committed). */
async function mergeMetadata(store: Store, m: DumpMetadata, sum: RestoreSummary): Promise<boolean> {
  if (isEmptyMetadata(m)) return false;
  await store.meta.update((draft) => mergeDumpMetadata(draft, m, sum));
  return true;
}
