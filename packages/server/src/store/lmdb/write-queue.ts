/**
 * Group commit of the LMDB store's item writes (`write()`, `mergeItems()`): every call waiting
 * for a transaction is applied by ONE lmdb-js transaction callback, instead of one callback per
 * call.
 *
 * Why one callback: lmdb-js's per-callback machinery (an instruction in its shared buffer, a
 * resolution record and promise per callback) and the store's per-call bookkeeping (the bucket's
 * item count and the node's `last`, each a get and a put) were paid once per request; they now are
 * once per transaction. The callback runs on the main thread while lmdb-js's writer thread waits
 * for it, so what it saves also shortens every commit.
 *
 * Atomicity per call is unchanged (apply-writes.ts): a call's refusal is thrown before its first
 * put and only that call is rejected; a failed commit rejects every call it carried. Nothing is
 * acknowledged, and no change published, before the transaction is durable (lmdb-store.ts).
 *
 * Splitting a lock-step cohort. With many closed-loop clients the requests tend to arrive in one
 * burst (all answered by the same commit, all sending their next request at once): node parses
 * the whole burst in one event-loop phase, lmdb-js can only run the transaction callback after
 * that phase, and the disk then syncs while the main thread has nothing left to do. The burst
 * stays together for good, and the main thread and the disk take turns instead of overlapping.
 * So when the oldest waiting call waited longer for the main thread than the last commit took to
 * sync (the disk sat idle for more than one sync while the burst was being parsed), the callback
 * takes only the older half and leaves the rest to the next transaction: the second half is
 * committed during the first half's answers and next requests, and two cohorts alternate.
 */
import { performance } from 'node:perf_hooks';
import type { StoredItem } from '../item-codec.js';
import type { StoreObserver } from '../store-metrics.js';
import type { ItemChange, ItemWrite } from '../store.js';
import type { Buffer } from 'node:buffer';
import { applyWrites, BatchTotals } from './apply-writes.js';
import { itemKeysOf } from './item-keys.js';
import type { WriterState } from './writer-state.js';

interface Call {
  readonly bucketId: string;
  readonly writes: readonly ItemWrite[];
  readonly merges: readonly StoredItem[];
  /** The writes' item keys, built when queued (item-keys.ts). */
  readonly keys: readonly (Buffer | undefined)[];
  /** performance.now() when queued. */
  readonly queuedAt: number;
  resolve(changes: ItemChange[]): void;
  reject(err: unknown): void;
}

type Outcome = { readonly changes: ItemChange[] } | { readonly error: unknown };

interface Batch {
  /** The callback ran (and took `calls`). */
  ran: boolean;
  /** The callback left calls waiting: the next transaction is queued when this one settles. */
  holdsRest: boolean;
  calls: Call[];
  outcomes: Outcome[];
}

/** A burst is split only when it has at least this many calls (each half at least half of it). */
const MIN_SPLIT = 8;

export class WriteQueue {
  private pending: Call[] = [];
  /** A transaction callback is queued in lmdb-js and has not run yet. */
  private scheduled = false;
  /** Batches whose callback ran and whose commit has not settled yet. */
  private committing = 0;
  /** performance.now() when the last batch's commit settled. */
  private lastSettledAt = 0;
  /** Milliseconds from the last batch's callback end to its commit being durable. */
  private lastSyncMs = 0;

  constructor(
    private readonly w: WriterState,
    private readonly transact: (fn: () => Batch, writes: (b: Batch) => number) => Promise<Batch>,
    private readonly observer: Pick<StoreObserver, 'writeQueued' | 'writeSettled'> | undefined,
  ) {}

  /** Resolves to the changed items once the call's transaction is durable. */
  enqueue(bucketId: string, writes: readonly ItemWrite[], merges: readonly StoredItem[]): Promise<ItemChange[]> {
    return new Promise((resolve, reject) => {
      this.observer?.writeQueued();
      const keys = itemKeysOf(bucketId, writes);
      this.pending.push({ bucketId, writes, merges, keys, queuedAt: performance.now(), resolve, reject });
      if (!this.scheduled) this.schedule();
    });
  }

  private schedule(): void {
    this.scheduled = true;
    const batch: Batch = { ran: false, holdsRest: false, calls: [], outcomes: [] };
    let callbackEnd = 0;
    this.transact(
      () => {
        this.fill(batch);
        callbackEnd = performance.now();
        return batch;
      },
      (b) => b.calls.length,
    ).then(
      (b) => {
        this.settled(b, callbackEnd);
        for (let i = 0; i < b.calls.length; i++) {
          const o = b.outcomes[i]!;
          const call = b.calls[i]!;
          this.observer?.writeSettled();
          if ('error' in o) call.reject(o.error);
          else call.resolve(o.changes);
        }
      },
      (err: unknown) => {
        if (!batch.ran) {
          // The callback never ran: the calls it was queued for are still waiting; they fail with it.
          this.scheduled = false;
          batch.calls = this.pending;
          this.pending = [];
        } else {
          this.settled(batch, callbackEnd);
        }
        for (const call of batch.calls) {
          this.observer?.writeSettled();
          call.reject(err);
        }
      },
    );
  }

  /** Inside the write transaction: applies the waiting calls (all, or the older half of a burst). */
  private fill(batch: Batch): void {
    batch.ran = true;
    this.scheduled = false;
    const now = performance.now();
    const waiting = this.pending.length;
    let take = waiting;
    if (waiting >= MIN_SPLIT && this.committing === 0) {
      // How long the disk sat idle while the oldest call waited for the main thread.
      const idle = now - Math.max(this.pending[0]!.queuedAt, this.lastSettledAt);
      if (idle > this.lastSyncMs) take = Math.ceil(waiting / 2);
    }
    batch.calls = take === waiting ? this.pending : this.pending.slice(0, take);
    this.pending = take === waiting ? [] : this.pending.slice(take);
    this.committing++;
    const totals = new BatchTotals(this.w.last);
    for (const call of batch.calls) {
      try {
        batch.outcomes.push({ changes: applyWrites(this.w, call.bucketId, call.writes, call.merges, totals, call.keys) });
      } catch (error) {
        batch.outcomes.push({ error });
      }
    }
    totals.finish(this.w);
    // The rest needs a transaction of its own. It is queued once this one has settled: lmdb-js
    // adds whatever is queued before its writer thread closes a transaction to that transaction
    // (a transaction() called from inside this callback, or a moment after it, would join it).
    // Calls arriving meanwhile join the rest. The next transaction could not start earlier anyway.
    if (this.pending.length > 0) {
      this.scheduled = true;
      batch.holdsRest = true;
    }
  }

  private settled(batch: Batch, callbackEnd: number): void {
    if (batch.holdsRest) {
      this.scheduled = false;
      if (this.pending.length > 0) this.schedule();
    }
    this.committing--;
    this.lastSettledAt = performance.now();
    this.lastSyncMs = this.lastSettledAt - callbackEnd;
  }
}
