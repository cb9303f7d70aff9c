/**
 * The configured key limits (README "Limits") must fit what the store can hold (Store.keyLimits):
 * the handlers refuse longer keys with a 400 before the store sees them, so a key the store's
 * layout cannot take (a RangeError of store/lmdb/keys.ts) never reaches it and never becomes a 500.
 */
import type { Limits } from '../config/limits.js';
import type { KeyLimits } from '../store/store.js';

/** Why the limits do not fit the store, or undefined when they do. */
export function keyLimitsProblem(limits: Limits, store: KeyLimits): string | undefined {
  const problems: string[] = [];
  if (limits.maxPartitionKeyBytes > store.maxPartitionKeyBytes) {
    problems.push(`partition keys of ${limits.maxPartitionKeyBytes} bytes (the store holds at most ${store.maxPartitionKeyBytes})`);
  }
  if (limits.maxSortKeyBytes > store.maxSortKeyBytes) {
    problems.push(`sort keys of ${limits.maxSortKeyBytes} bytes (the store holds at most ${store.maxSortKeyBytes})`);
  }
  return problems.length === 0 ? undefined : `the configured limits allow ${problems.join(' and ')}`;
}
