/**
 * In-memory subscribers to durable item changes, per (bucket, partition key). Adding and removing
 * are O(1), and a partition's entry disappears with its last subscriber, so 10 000 polls that come
 * and go leave nothing behind.
 */
import type { ChangeListener, ItemChange } from '../store.js';

export type ListenerErrorHandler = (err: unknown, change: ItemChange) => void;

export class Subscriptions {
  private readonly byPartition = new Map<string, Set<ChangeListener>>();

  constructor(private readonly onListenerError: ListenerErrorHandler) {}

  subscribe(bucketId: string, pk: string, listener: ChangeListener): () => void {
    const key = partitionKey(bucketId, pk);
    let set = this.byPartition.get(key);
    if (set === undefined) {
      set = new Set();
      this.byPartition.set(key, set);
    }
    // Wrapped so that the same function subscribed twice gets two independent subscriptions.
    const entry: ChangeListener = (c) => listener(c);
    set.add(entry);
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      const current = this.byPartition.get(key);
      if (current === undefined) return;
      current.delete(entry);
      if (current.size === 0) this.byPartition.delete(key);
    };
  }

  /** Calls every listener of the change's partition; a throwing listener does not stop the others. */
  publish(change: ItemChange): void {
    // Most writes have no poll waiting anywhere: skip building the partition's map key.
    if (this.byPartition.size === 0) return;
    const set = this.byPartition.get(partitionKey(change.bucketId, change.pk));
    if (set === undefined) return;
    for (const listener of set) {
      try {
        listener(change);
      } catch (err) {
        this.onListenerError(err, change);
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
