/**
 * What the LMDB store needs when other processes write the same environment (`k2v server
 * --workers N`, src/server/workers/): a way to tell them of its durable changes and to hear of
 * theirs (poll wake-ups), and fresh reads.
 *
 * Fresh reads. lmdb-js reads through one shared read transaction that it renews lazily, at the
 * first read after a timer it sets when renewing; it drops it at once after this process's own
 * commits, but it cannot know of another process's. A request that arrives after another
 * process acknowledged a write could then be answered from an older snapshot. `ensure()` drops
 * the shared snapshot once per synchronous run (the flag is cleared by a microtask), before the
 * first read of a request's turn: whatever was committed before that turn began is then seen.
 * Snapshots held by `read(fn)` (their own reference) are not affected.
 *
 * A process SIGKILLed in the middle of a commit. LMDB writes the new meta page, then publishes
 * the new transaction id in lock.mdb for readers, then releases the write lock. Killed between
 * the first two steps, the commit is on disk but readers of the other processes keep starting
 * from the previous transaction until the next writer takes the lock, finds its owner dead and
 * repairs the published id. Such a write was never acknowledged (its process died before it could
 * answer), but a read in that window would show it missing and a later read present. So as soon
 * as the primary reports a dead worker, each survivor takes the write lock once (an empty write
 * transaction), which makes LMDB repair the id. The window between the death and that repair
 * remains (milliseconds; docs/operations.md).
 */
import type { RootDatabase } from 'lmdb';
import type { ItemChange } from '../store.js';

/** The channel to the other processes (the cluster primary relays it). */
export interface PeerLink {
  /** Tells the others of changes that are durable. */
  send(changes: readonly ItemChange[]): void;
  /** Changes another process made durable. */
  onChanges(listener: (changes: readonly ItemChange[]) => void): void;
  /** Another process died (it may have held LMDB's write lock: see below). */
  onPeerDied(listener: () => void): void;
}

export class ReadFreshness {
  private renewed = false;
  private readonly onRenew: (() => void)[] = [];
  private readonly clear = (): void => {
    this.renewed = false;
  };

  constructor(private readonly env: RootDatabase | undefined) {}

  /** Runs after each renewal (the metadata store checks its generation there). */
  afterRenew(fn: () => void): void {
    this.onRenew.push(fn);
  }

  /** Before a read: no snapshot older than this turn. A no-op for a store with one process. */
  ensure(): void {
    if (this.env === undefined || this.renewed) return;
    this.renewed = true;
    queueMicrotask(this.clear);
    this.env.resetReadTxn();
    for (const fn of this.onRenew) fn();
  }

  /** A change from another process arrived: the next read must see it, even in this turn. */
  invalidate(): void {
    this.renewed = false;
  }
}
