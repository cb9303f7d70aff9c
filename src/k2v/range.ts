/**
 * The range walk of contract section 8, shared by ReadIndex, ReadBatch, DeleteBatch and PollRange.
 * Keys are compared by their UTF-8 bytes. The store supplies an ordered iterator positioned by
 * `scanStart()`; `walkRange()` applies prefix/end stops, the filter and the limit.
 *
 * TODO(helper): implement. The types below are the agreed interface.
 */

export interface RangeSpec {
  readonly prefix?: string | undefined;
  readonly start?: string | undefined;
  readonly end?: string | undefined;
  readonly limit?: number | undefined;
  readonly reverse: boolean;
}

/** Where a store iterator begins: a UTF-8 key, inclusive or not; undefined = the first (last) key. */
export interface ScanFrom {
  readonly key: Uint8Array;
  readonly inclusive: boolean;
}

/** How a walk ended: `more` and `nextStart` exactly as the contract's response fields. */
export interface RangeEnd {
  readonly more: boolean;
  readonly nextStart: string | null;
}
