/**
 * LMDB's overlapping sync makes a commit visible before it is on disk. Nothing may be answered from
 * it before its flush: a crash in between would lose it, and a client would have read, polled or
 * been acknowledged a write that never happened. Flush completions are held back here (the real
 * flush has happened, its news has not arrived), which is, for every reader, exactly the window
 * between commit and flush.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { FlushedOf } from '../../../src/store/lmdb/durable-transactions.js';
import { openLmdbStore } from '../../../src/store/lmdb/open-lmdb-store.js';
import { newBucketId, put, texts } from '../store-case-support.js';

/** Flush news passed on at once, or held (after the real flush) until `release()`. */
function flushGate() {
  let holding = false;
  let held: (() => void)[] = [];
  let realFlushes = 0;
  let onRealFlush: (() => void) | undefined;
  const flushedOf: FlushedOf = (db) => {
    const real = db.flushed;
    if (!holding) return real;
    return new Promise<void>((resolve, reject) => {
      real.then(() => {
        realFlushes++;
        held.push(resolve);
        onRealFlush?.();
      }, reject);
    });
  };
  return {
    flushedOf,
    hold: () => {
      holding = true;
    },
    /** Resolves once at least one held-back batch is really on disk. */
    realFlush: () =>
      realFlushes > 0 ? Promise.resolve() : new Promise<void>((resolve) => (onRealFlush = resolve)),
    release: () => {
      holding = false;
      const all = held;
      held = [];
      for (const r of all) r();
    },
  };
}

function settledFlag(p: Promise<unknown>): { settled: boolean } {
  const flag = { settled: false };
  const mark = () => {
    flag.settled = true;
  };
  p.then(mark, mark);
  return flag;
}

describe('LMDB overlapping sync', () => {
  it('answers no read, poll or acknowledgement from a committed transaction before its flush', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'k2v-lmdb-durable-'));
    const gate = flushGate();
    const store = await openLmdbStore({
      dataDir: dir,
      mapSizeBytes: 1 << 30,
      tombstoneGcDelayMs: 24 * 3600 * 1000,
      maxValuesPerItem: 100,
      flushedOf: gate.flushedOf,
    });
    try {
      const b = newBucketId();
      await store.write(b, [put('p', 'old', 'v1')]);
      assert.deepEqual(texts(await store.getItem(b, 'p', 'old')), ['v1']);
      const seen: string[] = [];
      const unsubscribe = store.subscribe(b, 'p', (c) => seen.push(c.sk), () => undefined);

      gate.hold();
      const written = store.write(b, [put('p', 'new', 'v2')]);
      const ack = settledFlag(written);
      await gate.realFlush();
      // The transaction is committed (visible to any LMDB reader) and even synced; only its flush
      // news is held: every answer that could reveal it must wait.
      const pointRead = store.getItem(b, 'p', 'new');
      const otherRead = store.getItem(b, 'p', 'old');
      let snapshotUsed = false;
      const scan = store.read(async (snap) => {
        snapshotUsed = true;
        return texts(await snap.getItem(b, 'p', 'new'));
      });
      const hasItems = store.bucketHasItems(newBucketId());
      const flags = [settledFlag(pointRead), settledFlag(otherRead), settledFlag(scan), settledFlag(hasItems)];
      for (let i = 0; i < 20; i++) await nextTurn();
      assert.equal(ack.settled, false, 'the write was acknowledged before its flush');
      assert.deepEqual(
        flags.map((f) => f.settled),
        [false, false, false, false],
        'a read was answered while a visible transaction was not yet flushed',
      );
      assert.equal(snapshotUsed, false, 'a snapshot was read from before the flush');
      assert.deepEqual(seen, [], 'a poll was woken before the flush');

      gate.release();
      await written;
      assert.deepEqual(texts(await pointRead), ['v2']);
      assert.deepEqual(texts(await otherRead), ['v1']);
      assert.deepEqual(await scan, ['v2']);
      assert.equal(await hasItems, false);
      assert.deepEqual(seen, ['new']);
      // With nothing in flight, reads are answered at once again.
      assert.deepEqual(texts(await store.getItem(b, 'p', 'new')), ['v2']);
      unsubscribe();
    } finally {
      gate.release();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
