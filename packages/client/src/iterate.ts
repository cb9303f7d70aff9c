/** Whole ranges, page by page: ReadBatch / ReadIndex calls that follow `nextStart`. */
import type { RangeFilter } from './call-shapes.js';
import type { KeyedItem, RangeResult } from './items.js';
import type { CallOptions } from './transport.js';
import type { IndexEntry, ReadBatchQuery, ReadIndexResult } from './wire.js';

/** The calls a walk makes: K2vClient's, named by shape so that this file does not import it. */
export interface RangeReader {
  readBatch(queries: readonly ReadBatchQuery[], opts?: CallOptions): Promise<RangeResult[]>;
  readIndex(filter?: RangeFilter, opts?: CallOptions): Promise<ReadIndexResult>;
}

/** Which items of a partition `items()` walks. */
export interface ItemsFilter {
  prefix?: string;
  start?: string;
  end?: string;
  reverse?: boolean;
  /** Only items with concurrent values. */
  conflictsOnly?: boolean;
  /** Tombstone-only items too (left out by default). */
  tombstones?: boolean;
  /** Items per request (default 1000). */
  pageSize?: number;
}

/** Which partitions `partitions()` walks. */
export interface PartitionsFilter {
  prefix?: string;
  start?: string;
  end?: string;
  reverse?: boolean;
  /** Partitions per request (default 1000). */
  pageSize?: number;
}

const DEFAULT_PAGE = 1000;

export async function* iterateItems(k2v: RangeReader, pk: string, filter: ItemsFilter, opts: CallOptions): AsyncGenerator<KeyedItem, void, undefined> {
  const { pageSize = DEFAULT_PAGE, start, ...query } = filter;
  let from = start;
  for (;;) {
    const [page] = await k2v.readBatch([{ partitionKey: pk, ...query, ...(from === undefined ? {} : { start: from }), limit: pageSize }], opts);
    if (page === undefined) return;
    yield* page.items;
    if (!page.more || page.nextStart === null) return;
    from = page.nextStart;
  }
}

export async function* iteratePartitions(k2v: RangeReader, filter: PartitionsFilter, opts: CallOptions): AsyncGenerator<IndexEntry, void, undefined> {
  const { pageSize = DEFAULT_PAGE, start, ...query } = filter;
  let from = start;
  for (;;) {
    const page = await k2v.readIndex({ ...query, ...(from === undefined ? {} : { start: from }), limit: pageSize }, opts);
    yield* page.partitionKeys;
    if (!page.more || page.nextStart === null) return;
    from = page.nextStart;
  }
}
