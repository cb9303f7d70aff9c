/**
 * The per-partition change logs of PollRange over a real LMDB store: a log hears the partition's
 * durable changes from when it is held, ends once idle (unsubscribed), and all end with close().
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { answerKey, PollRangeLogs } from '../../src/http/poll-range-logs.js';
import { openLmdbStore } from '../../src/store/lmdb/open-lmdb-store.js';
import { newBucketId, put } from '../store/store-case-support.js';

describe('PollRange change logs', () => {
  it('record the partition from when held, end when idle and released, and with close()', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'k2v-range-logs-'));
    const store = await openLmdbStore({ dataDir: dir, mapSizeBytes: 1 << 30, tombstoneGcDelayMs: 86_400_000, maxValuesPerItem: 100 });
    let now = 0;
    const logs = new PollRangeLogs(store, 1_000, () => now);
    try {
      const b = newBucketId();
      const hold = logs.hold(b, 'p')!;
      const start = hold.log.position;
      hold.log.remember('m', start);
      await store.write(b, [put('p', 'x', 'v'), put('q', 'y', 'other partition')]);
      await store.write(b, [put('p', 'w', 'v')]);
      assert.deepEqual(hold.log.changedSince('m'), ['x', 'w']);

      // A second poll shares the log; released by both and idle long enough, it ends.
      const again = logs.hold(b, 'p')!;
      assert.equal(again.log, hold.log);
      hold.release();
      hold.release(); // twice counts once
      now += 5_000;
      logs.sweep();
      assert.equal(logs.size, 1, 'still held by the second poll');
      again.release();
      now += 999;
      logs.sweep();
      assert.equal(logs.size, 1, 'not idle long enough');
      now += 1;
      logs.sweep();
      assert.equal(logs.size, 0);
      await store.write(b, [put('p', 'z', 'v')]);
      assert.deepEqual(hold.log.changedSince('m'), ['x', 'w'], 'unsubscribed: nothing more recorded');

      const third = logs.hold(b, 'p')!;
      assert.notEqual(third.log, hold.log, 'a new log');
      assert.equal(third.log.changedSince('m'), undefined, 'knows no earlier answer');
      logs.close();
      assert.equal(logs.size, 0);
      assert.equal(logs.hold(b, 'p'), undefined, 'none after close');
      third.log.remember('n', third.log.position);
      await store.write(b, [put('p', 'after', 'v')]);
      assert.deepEqual(third.log.changedSince('n'), [], 'closed: unsubscribed');
    } finally {
      logs.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('remembers answers by marker and range, not markers too long to keep', () => {
    assert.equal(answerKey('abc', '[null,"a",null]'), 'abc[null,"a",null]');
    assert.notEqual(answerKey('abc', '[null,"a",null]'), answerKey('abc', '[null,"b",null]'));
    assert.equal(answerKey('x'.repeat(513), '[]'), undefined);
  });
});
