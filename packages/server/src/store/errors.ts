/**
 * Errors of the storage layer, as values with a code; http/ maps them to contract errors.
 */
export type StoreErrorCode =
  /** The map or the disk is full, or the store is closing: retry later (503). */
  | 'Unavailable'
  /** A causality token names this node with a timestamp it never issued (400 CausalityToken). */
  | 'FutureToken'
  /** A write would leave an item with more concurrent values than the limit allows (400). */
  | 'TooManyValues'
  /** A metadata update would break an invariant of the metadata store. */
  | 'Conflict'
  /** A metadata update required a bucket without K2V items, and it has some (admin 409). */
  | 'BucketNotEmpty'
  /** The bucket was removed while the write was on its way (another server's admin API, 404). */
  | 'NoSuchBucket';

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}
