/**
 * The id of the write transaction that committed last, written inside that transaction, so that
 * a process sharing the environment (`k2v server --workers N`) can tell whether its snapshot is
 * behind what is on disk (peer-processes.ts: a writer killed between writing its meta page and
 * publishing its transaction id).
 *
 * Every write transaction of a worker's store carries it: item writes, range deletes and GC (the
 * store's `transact`), metadata changes, and the node-state load at open. A transaction without
 * it only costs a reader one needless wait for the write lock, never a wrong answer.
 */
import type { RootDatabase } from 'lmdb';
import { COMMIT_STAMP_KEY } from './keys.js';
import type { ItemsDb } from './writer-state.js';

export class CommitStamp {
  private readonly scratch = Buffer.alloc(8);

  /** `db` undefined: one process on the environment, nothing to stamp. */
  constructor(private readonly db: ItemsDb | undefined) {}

  get enabled(): boolean {
    return this.db !== undefined;
  }

  /** Inside a write transaction callback: records the transaction's id in it. */
  mark(): void {
    if (this.db === undefined) return;
    this.scratch.writeDoubleBE(this.db.getWriteTxnId());
    this.db.putSync(COMMIT_STAMP_KEY, this.scratch);
  }

  /** The id stamped in the shared read snapshot (0 when none was ever stamped). */
  seen(): number {
    const b = this.db?.get(COMMIT_STAMP_KEY);
    return b === undefined || b.length !== 8 ? 0 : b.readDoubleBE(0);
  }
}

/**
 * The id of the newest transaction whose meta page is on disk, written by any process (LMDB
 * picks the newer of its two meta pages; both are in the shared map). Read through lmdb-js's
 * native environment, which its typings do not name: narrowed here, at the boundary.
 */
export function lastTxnOnDisk(env: RootDatabase): number {
  const native = (env as unknown as { env?: { info?: () => { lastTxnId?: unknown } } }).env;
  const id = native?.info?.().lastTxnId;
  if (typeof id !== 'number') throw new Error('lmdb-js: the environment reports no lastTxnId');
  return id;
}
