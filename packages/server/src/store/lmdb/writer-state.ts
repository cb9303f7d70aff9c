/**
 * What every write transaction of the LMDB store shares: the database, this node's identity and
 * clock, and the limits. Only transaction callbacks (which lmdb-js runs one at a time, in order,
 * on the main thread) touch `last`.
 */
import type { Database } from 'lmdb';
import type { SizeBudget } from './size-budget.js';

export type ItemsDb = Database<Buffer, Buffer>;

export interface WriterState {
  readonly db: ItemsDb;
  readonly nodeId: bigint;
  /** Where this node's `last` is kept (its worker slot's key, keys.ts lastKey). */
  readonly lastKey: Buffer;
  /**
   * The last timestamp this node issued, for any item (contract section 2, step 3). Advanced by a
   * transaction callback once all its writes are validated, and persisted in that transaction; a
   * transaction that then fails to commit leaves it ahead of the disk, which is harmless (the
   * clock only has to grow).
   */
  last: bigint;
  readonly now: () => number;
  readonly maxValuesPerItem: number;
  readonly budget: SizeBudget;
}
