/**
 * The configured map size (`mapSizeBytes`) as a hard budget.
 *
 * lmdb-js does not stop at `mapSize`: its LMDB fork grows the map on demand (mdb.c, the
 * "<lmdb-js addition>" in mdb_page_alloc doubles it), so MDB_MAP_FULL practically never happens
 * and a store would grow until the disk is full. So the store enforces the budget itself: once per
 * write transaction it measures the pages in use (every database's branch, leaf and overflow pages,
 * read inside the write transaction, so earlier callbacks of the same batch count), and each
 * callback then adds its own estimated growth. A write that would go over is refused before
 * anything is written; a write that does not grow the data (a delete, a tombstone replacing a
 * value) is always admitted, so that space can be freed when full. Pages LMDB keeps free for reuse
 * do not count, so the file can exceed the budget by its free pages.
 */
import type { Logger } from 'pino';

export class SizeBudget {
  private txnId = -1;
  private used = 0;
  private full = false;

  constructor(
    readonly limitBytes: number,
    private readonly measure: () => number,
    private readonly logger: Logger,
  ) {}

  /**
   * Called inside a write transaction (id `txnId`): may it grow by about `growth` bytes? On yes,
   * the growth is added to what later callbacks of the same transaction see.
   */
  admit(txnId: number, growth: number): boolean {
    if (txnId !== this.txnId) {
      this.txnId = txnId;
      this.used = this.measure();
    }
    if (growth > 0 && this.used + growth > this.limitBytes) {
      if (!this.full) {
        this.full = true;
        this.logger.error(
          { usedBytes: this.used, limitBytes: this.limitBytes },
          'store is full (mapSizeBytes reached): refusing writes that add data until space is freed or the limit raised',
        );
      }
      return false;
    }
    this.used += growth;
    if (this.full && growth > 0) {
      this.full = false;
      this.logger.info({ usedBytes: this.used, limitBytes: this.limitBytes }, 'store has space again');
    }
    return true;
  }

  /** Forgets the measurement (after a failed commit, whose id the next transaction reuses). */
  invalidate(): void {
    this.txnId = -1;
  }

  get isFull(): boolean {
    return this.full;
  }
}

/** Bytes in use according to lmdb-js `getStats()` of each database, read in the current txn. */
export function pagesInUseBytes(stats: readonly unknown[]): number {
  let pages = 0;
  let pageSize = 4096;
  for (const s of stats) {
    if (typeof s !== 'object' || s === null) continue;
    const r = s as Record<string, unknown>;
    pages += num(r['treeBranchPageCount']) + num(r['treeLeafPageCount']) + num(r['overflowPages']);
    if (typeof r['pageSize'] === 'number') pageSize = r['pageSize'];
  }
  return pages * pageSize;
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}
