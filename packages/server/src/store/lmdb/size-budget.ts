/**
 * The configured map size (`mapSizeBytes`) as a hard budget.
 *
 * lmdb-js does not stop at `mapSize`: its LMDB fork grows the map on demand (mdb.c, the
 * "<lmdb-js addition>" in mdb_page_alloc doubles it), so MDB_MAP_FULL practically never happens
 * and a store would grow until the disk is full. So the store enforces the budget itself: it
 * measures the pages in use (every database's branch, leaf and overflow pages, read inside the
 * write transaction, so earlier callbacks of the same batch count), and each callback then adds
 * its own estimated growth. A write that would go over is refused before anything is written; a
 * write that does not grow the data (a delete, a tombstone replacing a value) is always admitted,
 * so that space can be freed when full. Pages LMDB keeps free for reuse do not count, so the file
 * can exceed the budget by its free pages.
 *
 * When is it measured. A measurement (lmdb-js `getStats()` of two databases: four native calls
 * each, one of which walks LMDB's free list) cost ~30 µs of the main thread per transaction, inside
 * the callback the writer thread waits for. Alone on the environment, the store measures once per
 * transaction only within an eighth of the limit; below that it carries its estimate (last
 * measurement + the growth admitted since, an over-estimate: growth is counted twice its bytes,
 * and what deletes free only counts within their own transaction)
 * over up to `MEASURE_EVERY` transactions. With several processes writing (`shared`), the others'
 * growth is invisible to the estimate, so every transaction measures.
 */
import type { Logger } from 'pino';

/** Transactions an estimate is carried over when far from the limit (see above). */
const MEASURE_EVERY = 64;

export class SizeBudget {
  private txnId = -1;
  private used = 0;
  private full = false;
  /** Transactions since the last measurement; MEASURE_EVERY forces one at the next. */
  private sinceMeasured = MEASURE_EVERY;
  /** Negative growth admitted in the current transaction (it may make room within it, no further). */
  private freedInTxn = 0;

  constructor(
    readonly limitBytes: number,
    private readonly measure: () => number,
    private readonly logger: Logger,
    /** Other processes write the environment too: measure in every transaction. */
    private readonly shared = false,
  ) {}

  /**
   * Called inside a write transaction (id `txnId`): may it grow by about `growth` bytes? On yes,
   * the growth is added to what later callbacks of the same transaction see.
   */
  admit(txnId: number, growth: number): boolean {
    if (txnId !== this.txnId) {
      this.txnId = txnId;
      // Carried over, the estimate only grows: what a delete frees shows in the next measurement
      // (LMDB pages do not shrink as records do).
      this.used += this.freedInTxn;
      this.freedInTxn = 0;
      if (this.shared || ++this.sinceMeasured >= MEASURE_EVERY || this.used > this.limitBytes - this.limitBytes / 8) {
        this.used = this.measure();
        this.sinceMeasured = 0;
      }
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
    if (growth < 0) this.freedInTxn -= growth;
    if (this.full && growth > 0) {
      this.full = false;
      this.logger.info({ usedBytes: this.used, limitBytes: this.limitBytes }, 'store has space again');
    }
    return true;
  }

  /** Forgets the measurement (after a failed commit, whose id the next transaction reuses). */
  invalidate(): void {
    this.txnId = -1;
    this.sinceMeasured = MEASURE_EVERY;
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
