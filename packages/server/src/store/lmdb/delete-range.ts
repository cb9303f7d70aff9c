/**
 * DeleteBatch for one query (contract section 9; the rule is write-plan.ts rangeDeletion), one
 * chunk per write transaction: walk the forward range (limit and reverse ignored) and write,
 * through this node, a tombstone carrying the item's own causal context into every item that is
 * not tombstone-only.
 */
import { isTombstoneOnly } from '../../k2v/dvvs.js';
import type { RangeSpec } from '../../k2v/range.js';
import type { ItemChange } from '../store.js';
import { rangeDeletion } from '../write-plan.js';
import { applyWrites } from './apply-writes.js';
import { collectItems } from './item-scans.js';
import type { WriterState } from './writer-state.js';

/**
 * Items per transaction: large enough that Aerogramme-sized partitions go in one, small enough
 * that one transaction does not hold the writer (and its batch companions) for long. One
 * transaction per query was measured and refused: a transaction callback runs on the main thread,
 * and 100 000 items in one held it for 3.7-4.1 s of CPU (9-18 s of wall time on a busy 2-core
 * machine), serving nothing else meanwhile; in chunks, ~0.3 s of CPU per chunk (the longest stall
 * 2 s on the same busy machine), with requests served between chunks. Store.deleteRange (store.ts)
 * and the README say what this guarantees.
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
  const { items, walker } = collectItems(w.db, bucketId, pk, spec, (item) => !isTombstoneOnly(item));
  const changes = applyWrites(w, bucketId, rangeDeletion(pk, items));
  const end = walker.end();
  return { deleted: items.length, changes, nextStart: end.more && end.nextStart !== null ? end.nextStart : undefined };
}
