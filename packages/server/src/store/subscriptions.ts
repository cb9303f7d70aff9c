/**
 * In-process subscribers to durable item changes, per (bucket, partition key), shared by every
 * backend: the backend publishes what it committed (LMDB: after its own commit; a networked
 * backend: on each notification it receives) and calls `resync()` when it may have missed some
 * (a lost notification connection). Adding and removing are O(1), and a partition's entry
 * disappears with its last subscriber, so 10 000 polls that come and go leave nothing behind.
 * A partition's subscribers are a ChurnSet, not a Set: a Set that polls come and go through keeps
 * every finished poll (request, response, closures) alive through young-generation GCs.
 */
import { ChurnSet } from '../k2v/churn-set.js';
import type { ChangeListener, ItemChange } from './store.js';

export type ListenerErrorHandler = (err: unknown, change: ItemChange | undefined) => void;

interface Subscriber {
  readonly onChange: ChangeListener;
  readonly onResync: () => void;
}

export class Subscriptions {
  private readonly byPartition = new Map<string, ChurnSet<Subscriber>>();

  constructor(private readonly onListenerError: ListenerErrorHandler) {}

  subscribe(bucketId: string, pk: string, onChange: ChangeListener, onResync: () => void): () => void {
    const key = partitionKey(bucketId, pk);
    let set = this.byPartition.get(key);
    if (set === undefined) {
      set = new ChurnSet();
      this.byPartition.set(key, set);
    }
    // One entry per call, so that the same functions subscribed twice get two independent subscriptions.
    const entry = set.add({ onChange, onResync });
    const of = set;
    return () => {
      if (!of.delete(entry)) return;
      if (of.size === 0 && this.byPartition.get(key) === of) this.byPartition.delete(key);
    };
  }

  /** Calls every listener of the change's partition; a throwing listener does not stop the others. */
  publish(change: ItemChange): void {
    // Most writes have no poll waiting anywhere: skip building the partition's map key.
    if (this.byPartition.size === 0) return;
    const set = this.byPartition.get(partitionKey(change.bucketId, change.pk));
    if (set === undefined) return;
    set.forEach((s) => {
      try {
        s.onChange(change);
      } catch (err) {
        this.onListenerError(err, change);
      }
    });
  }

  /** Tells every subscriber that changes may have been missed: each re-reads what it watches. */
  resync(): void {
    for (const set of [...this.byPartition.values()]) {
      for (const s of set.values()) {
        try {
          s.onResync();
        } catch (err) {
          this.onListenerError(err, undefined);
        }
      }
    }
  }

  /** Number of partitions with at least one subscriber (for tests and metrics). */
  get partitionCount(): number {
    return this.byPartition.size;
  }
}

/** Bucket ids have a fixed length (64 hex), so plain concatenation is unambiguous. */
function partitionKey(bucketId: string, pk: string): string {
  return `${bucketId}/${pk}`;
}
