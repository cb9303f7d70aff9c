/**
 * Ends still under way (of replaced pools, dropped sessions and connections), so that a store's
 * close can wait for every one of them: nothing of a closed store may still hold a connection.
 */
export class PendingEnds {
  private readonly ends = new Set<Promise<void>>();

  /** Tracks `end` until it settles; returns it. A rejection counts as ended (nothing to retry). */
  add(end: Promise<void>): Promise<void> {
    const settled = end.catch(() => undefined);
    this.ends.add(settled);
    void settled.then(() => this.ends.delete(settled));
    return settled;
  }

  /** Resolves once every end tracked so far has settled. */
  async all(): Promise<void> {
    await Promise.all([...this.ends]);
  }
}
