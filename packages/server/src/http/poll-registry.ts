/**
 * Open long polls (PollItem, PollRange). Each waiter is freed when it is answered, times out, or
 * its client goes away; at shutdown every waiter is answered with 304 at once.
 */

export interface Waiter {
  /** Ends the poll as a timeout (304). */
  expire(): void;
}

export class PollRegistry {
  private readonly waiters = new Set<Waiter>();
  private closing = false;

  /** Open waiters: exposed for health/metrics and for the tests of abandoned polls. */
  get size(): number {
    return this.waiters.size;
  }

  get isClosing(): boolean {
    return this.closing;
  }

  add(w: Waiter): void {
    this.waiters.add(w);
  }

  remove(w: Waiter): void {
    this.waiters.delete(w);
  }

  /** Answers every waiting poll with 304 (graceful shutdown). */
  closeAll(): void {
    this.closing = true;
    for (const w of [...this.waiters]) w.expire();
  }
}
