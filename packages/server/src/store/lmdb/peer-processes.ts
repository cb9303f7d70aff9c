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
 * the first two steps (the meta page's synchronous write takes a tenth of a millisecond, so a
 * kill lands there often), the commit is on disk but readers of the other processes keep starting
 * from the previous transaction until the next writer takes the lock, finds its owner dead and
 * repairs the published id. Such a write was never acknowledged, but a read in that window would
 * show it missing and a later read present: a client that lost its connection to the killed
 * process, read the item elsewhere and wrote again on that basis would find its earlier write
 * back beside the new one. The window is not closed by waiting to hear of the death (the client
 * sees its connection drop no later than any process does): each turn's first read compares the
 * id stamped in its snapshot by the last writer (commit-stamp.ts) with the newest meta page on
 * disk, and when the snapshot is behind and stays behind for a moment (a live writer publishes
 * within its meta page write), it takes the write lock (an empty write transaction), which makes
 * LMDB repair a dead owner's commit, and reads again. The primary's news of a dead worker also
 * makes each survivor take the lock once, for the snapshots that are not renewed per turn.
 */
import { performance } from 'node:perf_hooks';
import type { RootDatabase } from 'lmdb';
import type { ItemChange } from '../store.js';
import { lastTxnOnDisk, type CommitStamp } from './commit-stamp.js';
import type { ItemsDb } from './writer-state.js';

/**
 * How long a snapshot may trail the newest meta page before the write lock is taken: a live
 * writer publishes right after its meta page's synchronous write (a tenth of a millisecond here).
 */
const PUBLISH_GRACE_MS = 5;
const spin = new Int32Array(new SharedArrayBuffer(4));

/** The channel to the other processes (the cluster primary relays it). */
export interface PeerLink {
  /** Tells the others of changes that are durable. */
  send(changes: readonly ItemChange[]): void;
  /** Changes another process made durable. */
  onChanges(listener: (changes: readonly ItemChange[]) => void): void;
  /** Another process died (it may have held LMDB's write lock: see below). */
  onPeerDied(listener: () => void): void;
}

/** A worker's view of the shared environment: what ReadFreshness reads and locks. */
export interface WorkerEnv {
  readonly env: RootDatabase;
  readonly db: ItemsDb;
  readonly stamp: CommitStamp;
}

export class ReadFreshness {
  private renewed = false;
  /** The meta page id at which the write lock was last taken for a trailing snapshot. */
  private repairedAt = -1;
  private readonly onRenew: (() => void)[] = [];
  private readonly clear = (): void => {
    this.renewed = false;
  };

  /** `worker` undefined: one process on the environment, nothing to do. */
  constructor(private readonly worker?: WorkerEnv) {}

  /** Runs after each renewal (the metadata store checks its generation there). */
  afterRenew(fn: () => void): void {
    this.onRenew.push(fn);
  }

  /** Before a read: no snapshot older than this turn. A no-op for a store with one process. */
  ensure(): void {
    if (this.worker === undefined || this.renewed) return;
    this.renewed = true;
    queueMicrotask(this.clear);
    this.worker.env.resetReadTxn();
    this.catchUpWithDisk(this.worker);
    for (const fn of this.onRenew) fn();
  }

  /**
   * Takes LMDB's write lock once (an empty write transaction): a dead owner's half-published
   * commit is published, and the next read sees it. After the primary's news of a dead worker,
   * and for a snapshot that trails the disk.
   */
  takeWriteLock(): void {
    if (this.worker === undefined) return;
    this.renewed = false;
    this.worker.db.transactionSync(() => undefined);
    this.worker.env.resetReadTxn();
  }

  /** A change from another process arrived: the next read must see it, even in this turn. */
  invalidate(): void {
    this.renewed = false;
  }

  /** See the file comment: a snapshot behind the newest meta page, past the grace, takes the write lock. */
  private catchUpWithDisk({ env, stamp }: WorkerEnv): void {
    const onDisk = lastTxnOnDisk(env);
    if (onDisk === this.repairedAt || stamp.seen() >= onDisk) return;
    const deadline = performance.now() + PUBLISH_GRACE_MS;
    while (performance.now() < deadline) {
      Atomics.wait(spin, 0, 0, 0.05);
      env.resetReadTxn();
      if (stamp.seen() >= onDisk) return;
    }
    this.repairedAt = onDisk;
    this.takeWriteLock();
    this.renewed = true;
  }
}
