/**
 * Documented limits (README "Limits"). Exceeding one is a 4xx, never a 500.
 */
export interface Limits {
  /** Partition key, UTF-8 bytes. */
  readonly maxPartitionKeyBytes: number;
  /** Sort key, UTF-8 bytes. */
  readonly maxSortKeyBytes: number;
  /** InsertItem body (one value), bytes -> 413 PayloadTooLarge. */
  readonly maxValueBytes: number;
  /** Any batch or PollRange body, bytes -> 413 PayloadTooLarge. */
  readonly maxBatchBodyBytes: number;
  /** Entries of one InsertBatch, queries of one ReadBatch or DeleteBatch. */
  readonly maxBatchEntries: number;
  /** Concurrent values one item may hold; a write that would exceed it -> 400. */
  readonly maxValuesPerItem: number;
  /** Seen marker, characters of its text form. */
  readonly maxSeenMarkerChars: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxPartitionKeyBytes: 1024,
  maxSortKeyBytes: 1024,
  maxValueBytes: 1024 * 1024,
  maxBatchBodyBytes: 16 * 1024 * 1024,
  maxBatchEntries: 10_000,
  maxValuesPerItem: 100,
  maxSeenMarkerChars: 64 * 1024,
};
