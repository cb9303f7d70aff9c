/**
 * DeleteBatch for one query (contract section 9), one chunk per write transaction: walk the
 * forward range (limit and reverse ignored) and write, through this node, a tombstone carrying
 * the item's own causal context into every item that is not tombstone-only.
 */
import { isTombstoneOnly } from '../../k2v/dvvs.js';
import { scanStart, walkRange, type RangeEnd, type RangeSpec } from '../../k2v/range.js';
import type { ItemChange, ItemEntry } from '../store.js';
import { rangeDeletion } from '../write-plan.js';
import { applyWrites } from './apply-writes.js';
import { scanItems } from './item-scans.js';
import type { WriterState } from './writer-state.js';

/**
 * Items per transaction: large enough that Aerogramme-sized partitions go in one, small enough
 * that one transaction does not hold the writer (and its batch companions) for long.
 */
export const DELETE_CHUNK_ITEMS = 10_000;

export interface DeleteChunk {
  readonly deleted: number;
  readonly changes: ItemChange[];
  /** Where the next chunk starts (inclusive), or undefined when the range is done. */
  readonly nextStart: string | undefined;
}

/** Runs inside a write transaction callback. */
export function deleteChunk(
  w: WriterState,
  bucketId: string,
  pk: string,
  range: RangeSpec,
  start: string | undefined,
  chunkItems: number = DELETE_CHUNK_ITEMS,
): DeleteChunk {
  const spec: RangeSpec = { prefix: range.prefix, start, end: range.end, limit: chunkItems, reverse: false };
  // Collected before writing: the cursor must not walk a tree the same transaction is changing.
  const targets: ItemEntry[] = [];
  const walk = walkRange(
    scanItems(w.db, bucketId, pk, scanStart(spec), false, undefined),
    (e) => e.sk,
    spec,
    (e) => !isTombstoneOnly(e.item),
  );
  let end: RangeEnd;
  for (;;) {
    const r = walk.next();
    if (r.done === true) {
      end = r.value;
      break;
    }
    targets.push(r.value);
  }
  const changes = applyWrites(w, bucketId, rangeDeletion(pk, targets));
  return { deleted: targets.length, changes, nextStart: end.more && end.nextStart !== null ? end.nextStart : undefined };
}
