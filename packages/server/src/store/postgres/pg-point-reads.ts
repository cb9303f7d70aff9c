/**
 * The point reads a server asks for in one event-loop turn (ReadItem, PollItem's checks), sent to
 * PostgreSQL as one statement instead of one each.
 *
 * Why: on PostgreSQL a ReadItem cost the K2V server ~110 µs of CPU, half of it postgres.js's
 * round trip (building the statement, its protocol messages, parsing the rows); the database's
 * own work per read is far smaller (docs/performance.md "PostgreSQL backend"). Under load, the
 * requests node parses in one poll phase arrive together, so their reads share a round trip,
 * as writes already share a commit.
 *
 * Each read still sees every write acknowledged before it was asked for: the statement starts
 * after the turn in which it was asked.
 */
import type { ItemView } from '../item-view.js';
import type { BucketItemRef } from './pg-snapshot.js';

/** Reads per statement at most; more in one turn go out as several statements at once. */
const MAX_PER_STATEMENT = 256;

interface Pending {
  readonly ref: BucketItemRef;
  resolve(v: ItemView | undefined): void;
  reject(err: unknown): void;
}

export class PointReads {
  private pending: Pending[] = [];
  private scheduled = false;

  /** `run` reads the items of one statement, answers in order (readItems, through the store's guard). */
  constructor(private readonly run: (refs: readonly BucketItemRef[]) => Promise<(ItemView | undefined)[]>) {}

  get(bucketId: string, pk: string, sk: string): Promise<ItemView | undefined> {
    return new Promise((resolve, reject) => {
      this.pending.push({ ref: { bucketId, pk, sk }, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      // The check phase: after the poll phase in which this turn's requests were parsed.
      setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const all = this.pending;
    this.pending = [];
    this.scheduled = false;
    for (let from = 0; from < all.length; from += MAX_PER_STATEMENT) {
      const group = all.slice(from, from + MAX_PER_STATEMENT);
      this.run(group.map((p) => p.ref)).then(
        (views) => group.forEach((p, i) => p.resolve(views[i])),
        (err: unknown) => group.forEach((p) => p.reject(err)),
      );
    }
  }
}
