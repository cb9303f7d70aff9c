/**
 * What a store reports for the metrics of the composition root (server/metrics.ts): its commits,
 * the writes waiting for one, and its size. A store opened without an observer reports nothing
 * and pays nothing.
 */

export interface StoreSize {
  /** Bytes of data in use, as the map budget counts them. */
  readonly usedBytes: number;
  /** The map budget (`mapSizeBytes`). */
  readonly limitBytes: number;
  /** Size of the data file on disk (it keeps free pages for reuse); undefined if unknown. */
  readonly fileBytes: number | undefined;
  /** Bytes still free for this process on the data directory's file system; undefined if unknown. */
  readonly diskFreeBytes: number | undefined;
}

export interface StoreObserver {
  /** A write (one write(), deleteRange chunk or GC chunk) joins the queue for a commit. */
  writeQueued(): void;
  /** That write's commit finished, durable or failed. */
  writeSettled(): void;
  /**
   * One transaction is durable: how many queued writes it carried, the seconds from its first
   * write being applied to durable, and the seconds after its last write was applied (the
   * commit proper: page writes and fsync).
   */
  committed(writes: number, commitSeconds: number, syncSeconds: number): void;
  /** How to read the store's size when metrics are read (never on the write path). */
  sizeProbe(probe: () => StoreSize): void;
}
