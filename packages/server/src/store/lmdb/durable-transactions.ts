/**
 * Write transactions with LMDB's overlapping sync (lmdb-js `overlappingSync: true`): a commit is
 * made visible without waiting for its fdatasync, and that sync runs on the writer thread while
 * the next transaction's callbacks (item reads, DVVS updates, encoding) run on the main thread.
 * lmdb-js resolves `transaction()` at visibility and the batch's `flushed` promise once the data
 * and its meta page are on disk.
 *
 * Two guarantees are built here on top of that:
 * - `transact` resolves only once the transaction is durable (a write is acknowledged, and its
 *   change published to polls, only then);
 * - `durableView` lets a reader wait until nothing it may have seen is still unflushed. Every item
 *   write is a transaction callback, and lmdb-js runs those on this thread before it commits their
 *   transaction, so a transaction whose callbacks have not started cannot be visible yet. Callback
 *   number `built` (in queue order, which is the order lmdb-js runs them in) is the last that may
 *   be visible to a snapshot opened now; the snapshot is safe to answer from once every callback
 *   up to `built` belongs to a flushed transaction (`durable >= built`). Flushes complete in commit
 *   order, so `durable` only grows.
 *
 * A crash between commit and flush loses the unflushed transaction (LMDB reopens at the last
 * synced meta page when `safeRestore` is set or after an OS crash); nothing of it has then been
 * acknowledged or answered.
 */
import type { ItemsDb } from './writer-state.js';
import type { Transact } from './observed-transactions.js';

export interface DurableTransactions {
  readonly transact: Transact;
  /**
   * Undefined when everything a snapshot opened now could see is durable (the common case: no
   * write in flight); otherwise a promise that resolves once it is. Call it right after opening
   * the snapshot (or right after a point read), before answering from it.
   */
  durableView(): Promise<void> | undefined;
}

/** Where flush completions come from: lmdb-js's `flushed` of the batch current at the call. */
/** lmdb-js marks the rejection of every write of a failed commit with `commitError`. */
function isCommitFailure(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'commitError' in err;
}

export type FlushedOf = (db: ItemsDb) => PromiseLike<unknown>;

const lmdbFlushed: FlushedOf = (db) => db.flushed;

export function durableTransactions(db: ItemsDb, inner: Transact, flushedOf: FlushedOf = lmdbFlushed): DurableTransactions {
  let queued = 0;
  let built = 0;
  let durable = 0;
  const waiters: { upTo: number; resolve: () => void }[] = [];

  const advance = (seq: number): void => {
    if (seq <= durable) return;
    durable = seq;
    while (waiters.length > 0 && waiters[0]!.upTo <= durable) waiters.shift()!.resolve();
  };

  // The flush of the previous call's batch: what a failed commit still waits for.
  let lastFlushed: Promise<unknown> = Promise.resolve();

  const transact: Transact = <T>(fn: () => T): Promise<T> => {
    const seq = ++queued;
    const committed = inner(() => {
      built = seq;
      return fn();
    });
    // Read `flushed` now, in the turn the callback was queued in: it is the promise of the batch
    // this callback joined (or of a later one, which only waits longer), never of an earlier one.
    // (`then` is called here, synchronously: lmdb-js's `flushed` picks its batch when `then` runs.)
    const flushed = new Promise((resolve, reject) => {
      flushedOf(db).then(resolve, reject);
    }).then(
      () => true,
      () => false,
    );
    const previous = lastFlushed;
    lastFlushed = flushed;
    return committed.then(
      async (result) => {
        if (!(await flushed)) throw new Error('LMDB flush failed after commit');
        advance(seq);
        return result;
      },
      (err: unknown) => {
        if (isCommitFailure(err)) {
          // Nothing of this batch is visible; earlier batches may still be syncing.
          void previous.then(() => advance(seq));
        } else {
          // Refused before writing anything (a StoreError thrown by the callback): the refusal is
          // answered at once, and the batch, committed with the others' writes, ends the wait of
          // readers once it is flushed.
          void flushed.then((ok) => {
            if (ok) advance(seq);
          });
        }
        throw err;
      },
    );
  };

  const durableView = (): Promise<void> | undefined => {
    const upTo = built;
    if (upTo <= durable) return undefined;
    return new Promise((resolve) => {
      // Waiters are added in non-decreasing `upTo` order (`built` only grows).
      waiters.push({ upTo, resolve });
    });
  };

  return { transact, durableView };
}
