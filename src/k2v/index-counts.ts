/**
 * Per-partition counters of ReadIndex (contract section 7).
 *
 * TODO(helper): implement countsOf / add / subtract / isZero.
 */
export interface IndexCounts {
  readonly entries: number;
  readonly conflicts: number;
  readonly values: number;
  readonly bytes: number;
}
