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

/**
 * Transport limits of the K2V and admin listeners (README "Limits"), so that slow or greedy
 * clients are answered 408/431 or disconnected instead of exhausting sockets and memory.
 * Long polls are not affected: node's request timeout ends once the request has been received.
 */
export interface ConnectionLimits {
  /** Request line and headers must have arrived after this long (slow loris) -> 408. */
  readonly headersTimeoutMs: number;
  /** The whole request, body included, must have arrived after this long -> 408. */
  readonly requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long. */
  readonly keepAliveTimeoutMs: number;
  /**
   * A response that has started but makes no progress for this long (the client does not read
   * it) is cut, freeing its read snapshot. Long polls waiting for a change are not affected.
   */
  readonly sendTimeoutMs: number;
  /** Request line and headers, bytes -> 431. */
  readonly maxHeaderBytes: number;
  /** Open connections per listener; a connection beyond is closed at once. */
  readonly maxConnections: number;
  /** Open connections per client IP address per listener (0: no cap); beyond, closed at once. */
  readonly maxConnectionsPerIp: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 120_000,
  keepAliveTimeoutMs: 5_000,
  sendTimeoutMs: 60_000,
  maxHeaderBytes: 16 * 1024,
  // Long polls hold a connection each: 10 000 idle polls from one Aerogramme instance (one
  // address) must fit, so there is no per-address cap unless configured.
  maxConnections: 16_384,
  maxConnectionsPerIp: 0,
};
