/**
 * Store contract, writes: DVVS semantics through the store, atomic batches, refusals, counters,
 * the node clock and DeleteBatch ranges.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isTombstoneOnly } from '../../src/k2v/dvvs.js';
import type { Store } from '../../src/store/store.js';
import {
  assertCountersExact,
  ctOf,
  listIndex,
  listItems,
  newBucketId,
  nodeTimeOf,
  put,
  rejectsWith,
  texts,
  type NewStore,
  type StoreUnderTest,
} from './store-case-support.js';

export function writeCases(newStore: NewStore): void {
  describe('writes', () => {
    let h: StoreUnderTest;
    let store: Store;
    before(async () => {
      h = await newStore({ maxValuesPerItem: 4 });
      store = h.store;
    });
    after(() => h.cleanup());

    it('reads back a written value; a never-written item is undefined', async () => {
      const b = newBucketId();
      assert.equal(store.getItem(b, 'p', 's'), undefined);
      await store.write(b, [put('p', 's', 'v1')]);
      assert.deepEqual(texts(store.getItem(b, 'p', 's')), ['v1']);
      assert.ok(ctOf(store.getItem(b, 'p', 's')).has(store.nodeId));
    });

    it('a write with the latest context replaces; two writes with the same old context are siblings', async () => {
      const b = newBucketId();
      await store.write(b, [put('p', 's', 'v1')]);
      const ct1 = ctOf(store.getItem(b, 'p', 's'));
      await store.write(b, [put('p', 's', 'v2', ct1)]);
      assert.deepEqual(texts(store.getItem(b, 'p', 's')), ['v2']);
      await store.write(b, [put('p', 's', 'v3', ct1)]);
      assert.deepEqual(texts(store.getItem(b, 'p', 's')), ['v2', 'v3']);
      await store.write(b, [put('p', 's', 'v4')]);
      assert.deepEqual(texts(store.getItem(b, 'p', 's')), ['v2', 'v3', 'v4'], 'no context: concurrent');
      await store.write(b, [put('p', 's', null, ctOf(store.getItem(b, 'p', 's')))]);
      assert.deepEqual(texts(store.getItem(b, 'p', 's')), [null], 'delete with the latest context');
    });

    it('a delete of a never-written item creates a tombstone-only item', async () => {
      const b = newBucketId();
      await store.write(b, [put('p', 'gone', null)]);
      assert.deepEqual(texts(store.getItem(b, 'p', 'gone')), [null]);
      assert.equal(store.bucketHasItems(b), true);
    });

    it('entries of one batch for the same item apply in order', async () => {
      const b = newBucketId();
      await store.write(b, [put('p', 's', 'a'), put('p', 's', 'b')]);
      assert.deepEqual(texts(store.getItem(b, 'p', 's')), ['a', 'b']);
      const ct = ctOf(store.getItem(b, 'p', 's'));
      await store.write(b, [put('p', 's', 'c', ct), put('p', 's', 'd', ct)]);
      assert.deepEqual(texts(store.getItem(b, 'p', 's')), ['c', 'd']);
    });

    it('a batch with a token from this node\'s future writes nothing (FutureToken)', async () => {
      const b = newBucketId();
      await store.write(b, [put('p', 'old', 'keep')]);
      const far = nodeTimeOf(store, store.getItem(b, 'p', 'old')) + 1_000_000n;
      await rejectsWith(
        store.write(b, [put('p', 'new', 'x'), put('p', 'old', 'y'), put('p', 'z', 'w', new Map([[store.nodeId, far]]))]),
        'FutureToken',
      );
      assert.equal(store.getItem(b, 'p', 'new'), undefined);
      assert.deepEqual(texts(store.getItem(b, 'p', 'old')), ['keep']);
      assert.equal(store.getItem(b, 'p', 'z'), undefined);
      // a token naming another node with any timestamp is fine
      await store.write(b, [put('p', 'z', 'w', new Map([[store.nodeId ^ 1n, far]]))]);
      assert.deepEqual(texts(store.getItem(b, 'p', 'z')), ['w']);
    });

    it('a batch that would exceed the values limit writes nothing (TooManyValues)', async () => {
      const b = newBucketId();
      await store.write(b, [put('p', 's', '1'), put('p', 's', '2'), put('p', 's', '3'), put('p', 's', '4')]);
      await rejectsWith(store.write(b, [put('p', 'other', 'o'), put('p', 's', '5')]), 'TooManyValues');
      assert.equal(store.getItem(b, 'p', 'other'), undefined);
      assert.equal(texts(store.getItem(b, 'p', 's'))?.length, 4);
      await store.write(b, [put('p', 's', 'one', ctOf(store.getItem(b, 'p', 's')))]);
      assert.deepEqual(texts(store.getItem(b, 'p', 's')), ['one']);
    });

    it('one failing call does not affect concurrent calls sharing its commit', async () => {
      const b = newBucketId();
      const bad = store.write(b, [put('p', 'bad', 'x', new Map([[store.nodeId, 1n << 60n]]))]);
      const good = store.write(b, [put('p', 'good', 'y')]);
      await rejectsWith(bad, 'FutureToken');
      await good;
      assert.equal(store.getItem(b, 'p', 'bad'), undefined);
      assert.deepEqual(texts(store.getItem(b, 'p', 'good')), ['y']);
    });

    it('keeps the partition counters exact through inserts, conflicts and deletes', async () => {
      const b = newBucketId();
      await store.write(b, [put('p1', 'a', 'xx'), put('p1', 'b', 'yyy'), put('p2', 'a', '')]);
      assert.deepEqual(listIndex(store, b).get('p1'), { entries: 2, conflicts: 0, values: 2, bytes: 5 });
      await store.write(b, [put('p1', 'a', 'zzzz'), put('p1', 'a', 'zzzz')]);
      assert.deepEqual(listIndex(store, b).get('p1'), { entries: 2, conflicts: 1, values: 3, bytes: 9 });
      await store.write(b, [put('p1', 'a', null, ctOf(store.getItem(b, 'p1', 'a')))]);
      await store.write(b, [put('p1', 'b', 'w')]);
      assert.deepEqual(listIndex(store, b).get('p1'), { entries: 1, conflicts: 1, values: 2, bytes: 4 });
      await store.write(b, [put('p1', 'b', null, ctOf(store.getItem(b, 'p1', 'b'))), put('p2', 'a', null)]);
      const index = listIndex(store, b);
      assert.equal(index.has('p1'), false, 'all-zero partitions are not listed');
      assert.deepEqual(index.get('p2'), { entries: 1, conflicts: 1, values: 1, bytes: 0 });
      const snap = store.snapshot();
      try {
        assertCountersExact(snap, b, ['p1', 'p2']);
      } finally {
        snap.close();
      }
    });

    it('issues strictly increasing timestamps across items, even when the clock goes backwards', async () => {
      let clock = 2_000_000_000_000;
      const h2 = await newStore({ now: () => clock });
      try {
        const b = newBucketId();
        const seen: bigint[] = [];
        for (let i = 0; i < 6; i++) {
          await h2.store.write(b, [put('p', `k${i}`, 'v')]);
          seen.push(nodeTimeOf(h2.store, h2.store.getItem(b, 'p', `k${i}`)));
          clock -= 1_000;
        }
        for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! > seen[i - 1]!, `t${i} > t${i - 1}`);
        assert.ok(seen[0]! > 2_000_000_000_000n);
      } finally {
        await h2.cleanup();
      }
    });

    it('deleteRange tombstones every live item of the range with its own context, atomically', async () => {
      const b = newBucketId();
      await store.write(b, ['a', 'b1', 'b2', 'b3', 'c'].map((sk) => put('p', sk, sk)));
      await store.write(b, [put('p', 'b2', 'sibling')]);
      await store.write(b, [put('p', 'b3', null, ctOf(store.getItem(b, 'p', 'b3')))]);
      await store.write(b, [put('other', 'b1', 'o')]);
      const n = await store.deleteRange(b, 'p', { prefix: 'b', limit: 1, reverse: true });
      assert.equal(n, 2, 'b1 and b2; b3 was already tombstone-only; limit and reverse ignored');
      assert.deepEqual(texts(store.getItem(b, 'p', 'b1')), [null]);
      assert.deepEqual(texts(store.getItem(b, 'p', 'b2')), [null], 'siblings superseded by the own context');
      assert.deepEqual(texts(store.getItem(b, 'p', 'a')), ['a']);
      assert.deepEqual(texts(store.getItem(b, 'p', 'c')), ['c']);
      assert.deepEqual(texts(store.getItem(b, 'other', 'b1')), ['o']);
      assert.equal(await store.deleteRange(b, 'p', { start: 'a', end: 'b', reverse: false }), 1);
      assert.equal(await store.deleteRange(b, 'p', { start: 'a', end: 'b', reverse: false }), 0);
      assert.equal(await store.deleteRange(b, 'p', { reverse: false }), 1, 'only c was left');
      assert.ok(listItems(store, b, 'p').every((e) => isTombstoneOnly(e.item)));
      assert.equal(listIndex(store, b).has('p'), false);
    });

    it('rejects writes once closed', async () => {
      const h2 = await newStore();
      await h2.store.close();
      await rejectsWith(h2.store.write(newBucketId(), [put('p', 's', 'v')]), 'Unavailable');
      await h2.store.close(); // idempotent
      await h2.cleanup();
    });
  });
}
