/**
 * lmdb-js `transaction()` reporting to a StoreObserver (store-metrics.ts): each callback notes
 * the id of the write transaction it runs in (one LMDB write transaction carries every callback
 * of a group commit), and the environment's `aftercommit` event closes that transaction's record.
 */
import { performance } from 'node:perf_hooks';
import type { RootDatabase } from 'lmdb';
import type { StoreObserver } from '../store-metrics.js';
import type { ItemsDb } from './writer-state.js';

/**
 * Runs `fn` in the next write transaction. `writes`, when given, says how many write calls the
 * callback carried (a batch of write-queue.ts, which reports its calls' queueing itself); without
 * it the callback is one write call.
 */
export type Transact = <T>(fn: () => T, writes?: (result: T) => number) => Promise<T>;

interface Open {
  writes: number;
  firstAt: number;
  lastAt: number;
}

export function observedTransactions(env: RootDatabase, db: ItemsDb, observer: StoreObserver | undefined): Transact {
  if (observer === undefined) return (fn) => db.transaction(fn);
  // At most two at once: LMDB has one write transaction, and the next may start before the
  // previous one's resolution reaches this thread.
  const open = new Map<number, Open>();
  (env as unknown as AfterCommitEmitter).on('aftercommit', (info) => {
    const id = info?.txnId;
    if (id === undefined) {
      // A failed commit: its id is reused by the next transaction.
      open.clear();
      return;
    }
    const t = open.get(id);
    if (t === undefined) return;
    open.delete(id);
    const now = performance.now();
    observer.committed(t.writes, (now - t.firstAt) / 1000, (now - t.lastAt) / 1000);
  });
  const run = <T>(fn: () => T, writes: ((result: T) => number) | undefined): T => {
    const id = db.getWriteTxnId();
    const start = performance.now();
    let t = open.get(id);
    if (t === undefined) open.set(id, (t = { writes: 0, firstAt: start, lastAt: start }));
    let n = 1;
    try {
      const result = fn();
      if (writes !== undefined) n = writes(result);
      return result;
    } finally {
      t.writes += n;
      t.lastAt = performance.now();
    }
  };
  return async <T>(fn: () => T, writes?: (result: T) => number): Promise<T> => {
    if (writes !== undefined) return db.transaction(() => run(fn, writes));
    observer.writeQueued();
    try {
      return await db.transaction(() => run(fn, undefined));
    } finally {
      observer.writeSettled();
    }
  };
}

interface AfterCommitEmitter {
  on(event: 'aftercommit', listener: (info: { txnId?: number } | undefined) => void): void;
}
