/**
 * lmdb-js `transaction()` reporting to a StoreObserver (store-metrics.ts): each callback notes
 * the id of the write transaction it runs in (one LMDB write transaction carries every callback
 * of a group commit), and the environment's `aftercommit` event closes that transaction's record.
 */
import { performance } from 'node:perf_hooks';
import type { RootDatabase } from 'lmdb';
import type { StoreObserver } from '../store-metrics.js';
import type { ItemsDb } from './writer-state.js';

export type Transact = <T>(fn: () => T) => Promise<T>;

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
  const run = <T>(fn: () => T): T => {
    const id = db.getWriteTxnId();
    const start = performance.now();
    let t = open.get(id);
    if (t === undefined) open.set(id, (t = { writes: 0, firstAt: start, lastAt: start }));
    try {
      return fn();
    } finally {
      t.writes++;
      t.lastAt = performance.now();
    }
  };
  return async <T>(fn: () => T): Promise<T> => {
    observer.writeQueued();
    try {
      return await db.transaction(() => run(fn));
    } finally {
      observer.writeSettled();
    }
  };
}

interface AfterCommitEmitter {
  on(event: 'aftercommit', listener: (info: { txnId?: number } | undefined) => void): void;
}
