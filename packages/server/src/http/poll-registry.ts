/**
 * Open long polls (PollItem, PollRange). Each waiter is freed when it is answered, times out, or
 * its client goes away; at shutdown every waiter is answered with 304 at once.
 */
import { ChurnSet, type ChurnEntry } from '../k2v/churn-set.js';

export interface Waiter {
  /** Ends the poll as a timeout (304). */
  expire(): void;
}

export class PollRegistry {
  // Not a Set: one that polls come and go through keeps every finished poll (request, response,
  // closures) alive through young-generation GCs (k2v/churn-set.ts).
  private readonly waiters = new ChurnSet<Waiter>();
  private closing = false;

  /** Open waiters: exposed for health/metrics and for the tests of abandoned polls. */
  get size(): number {
    return this.waiters.size;
  }

  get isClosing(): boolean {
    return this.closing;
  }

  /** Registers a waiter; give the returned entry back to `remove`. */
  add(w: Waiter): ChurnEntry<Waiter> {
    return this.waiters.add(w);
  }

  remove(entry: ChurnEntry<Waiter>): void {
    this.waiters.delete(entry);
  }

  /** Answers every waiting poll with 304 (graceful shutdown). */
  closeAll(): void {
    this.closing = true;
    for (const w of this.waiters.values()) w.expire();
  }
}
