/**
 * Store contract, writes: DVVS semantics through the store, atomic batches, refusals, counters,
 * the node clock and DeleteBatch ranges.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { causalContext, isTombstoneOnly, type VectorClock } from '../../src/k2v/dvvs.js';
import type { ItemWrite, Store } from '../../src/store/store.js';
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
      assert.equal(await store.getItem(b, 'p', 's'), undefined);
      await store.write(b, [put('p', 's', 'v1')]);
      assert.deepEqual(texts(await store.getItem(b, 'p', 's')), ['v1']);
      assert.ok(ctOf(await store.getItem(b, 'p', 's')).has(store.nodeId));
    });

    it('a write with the latest context replaces; two writes with the same old context are siblings', async () => {
      const b = newBucketId();
      await store.write(b, [put('p', 's', 'v1')]);
      const ct1 = ctOf(await store.getItem(b, 'p', 's'));
      await store.write(b, [put('p', 's', 'v2', ct1)]);
      assert.deepEqual(texts(await store.getItem(b, 'p', 's')), ['v2']);
      await store.write(b, [put('p', 's', 'v3', ct1)]);
      assert.deepEqual(texts(await store.getItem(b, 'p', 's')), ['v2', 'v3']);
      await store.write(b, [put('p', 's', 'v4')]);
      assert.deepEqual(texts(await store.getItem(b, 'p', 's')), ['v2', 'v3', 'v4'], 'no context: concurrent');
      await store.write(b, [put('p', 's', null, ctOf(await store.getItem(b, 'p', 's')))]);
      assert.deepEqual(texts(await store.getItem(b, 'p', 's')), [null], 'delete with the latest context');
    });

    it('a delete of a never-written item creates a tombstone-only item', async () => {
      const b = newBucketId();
      await store.write(b, [put('p', 'gone', null)]);
      assert.deepEqual(texts(await store.getItem(b, 'p', 'gone')), [null]);
      assert.equal(await store.bucketHasItems(b), true);
    });

    it('entries of one batch for the same item apply in order', async () => {
      const b = newBucketId();
      await store.write(b, [put('p', 's', 'a'), put('p', 's', 'b')]);
      assert.deepEqual(texts(await store.getItem(b, 'p', 's')), ['a', 'b']);
      const ct = ctOf(await store.getItem(b, 'p', 's'));
      await store.write(b, [put('p', 's', 'c', ct), put('p', 's', 'd', ct)]);
      assert.deepEqual(texts(await store.getItem(b, 'p', 's')), ['c', 'd']);
    });

    it('a batch with a token from this node\'s future writes nothing (FutureToken)', async () => {
      const b = newBucketId();
      await store.write(b, [put('p', 'old', 'keep')]);
      const far = nodeTimeOf(store, await store.getItem(b, 'p', 'old')) + 1_000_000n;
      await rejectsWith(
        store.write(b, [put('p', 'new', 'x'), put('p', 'old', 'y'), put('p', 'z', 'w', new Map([[store.nodeId, far]]))]),
        'FutureToken',
      );
      assert.equal(await store.getItem(b, 'p', 'new'), undefined);
      assert.deepEqual(texts(await store.getItem(b, 'p', 'old')), ['keep']);
      assert.equal(await store.getItem(b, 'p', 'z'), undefined);
      // a token naming another node with any timestamp is fine
      await store.write(b, [put('p', 'z', 'w', new Map([[store.nodeId ^ 1n, far]]))]);
      assert.deepEqual(texts(await store.getItem(b, 'p', 'z')), ['w']);
    });

    it('a batch that would exceed the values limit writes nothing (TooManyValues)', async () => {
      const b = newBucketId();
      await store.write(b, [put('p', 's', '1'), put('p', 's', '2'), put('p', 's', '3'), put('p', 's', '4')]);
      await rejectsWith(store.write(b, [put('p', 'other', 'o'), put('p', 's', '5')]), 'TooManyValues');
      assert.equal(await store.getItem(b, 'p', 'other'), undefined);
      assert.equal(texts(await store.getItem(b, 'p', 's'))?.length, 4);
      await store.write(b, [put('p', 's', 'one', ctOf(await store.getItem(b, 'p', 's')))]);
      assert.deepEqual(texts(await store.getItem(b, 'p', 's')), ['one']);
    });

    it('one failing call does not affect concurrent calls sharing its commit', async () => {
      const b = newBucketId();
      const bad = store.write(b, [put('p', 'bad', 'x', new Map([[store.nodeId, 1n << 60n]]))]);
      const good = store.write(b, [put('p', 'good', 'y')]);
      await rejectsWith(bad, 'FutureToken');
      await good;
      assert.equal(await store.getItem(b, 'p', 'bad'), undefined);
      assert.deepEqual(texts(await store.getItem(b, 'p', 'good')), ['y']);
    });

    it('keeps the partition counters exact through inserts, conflicts and deletes', async () => {
      const b = newBucketId();
      await store.write(b, [put('p1', 'a', 'xx'), put('p1', 'b', 'yyy'), put('p2', 'a', '')]);
      assert.deepEqual((await listIndex(store, b)).get('p1'), { entries: 2, conflicts: 0, values: 2, bytes: 5 });
      await store.write(b, [put('p1', 'a', 'zzzz'), put('p1', 'a', 'zzzz')]);
      assert.deepEqual((await listIndex(store, b)).get('p1'), { entries: 2, conflicts: 1, values: 3, bytes: 9 });
      await store.write(b, [put('p1', 'a', null, ctOf(await store.getItem(b, 'p1', 'a')))]);
      await store.write(b, [put('p1', 'b', 'w')]);
      assert.deepEqual((await listIndex(store, b)).get('p1'), { entries: 1, conflicts: 1, values: 2, bytes: 4 });
      await store.write(b, [put('p1', 'b', null, ctOf(await store.getItem(b, 'p1', 'b'))), put('p2', 'a', null)]);
      const index = await listIndex(store, b);
      assert.equal(index.has('p1'), false, 'all-zero partitions are not listed');
      assert.deepEqual(index.get('p2'), { entries: 1, conflicts: 1, values: 1, bytes: 0 });
      await store.read((snap) => assertCountersExact(snap, b, ['p1', 'p2']));
    });

    it('issues strictly increasing timestamps across items, even when the clock goes backwards', async () => {
      let clock = 2_000_000_000_000;
      const h2 = await newStore({ now: () => clock });
      try {
        const b = newBucketId();
        const seen: bigint[] = [];
        for (let i = 0; i < 6; i++) {
          await h2.store.write(b, [put('p', `k${i}`, 'v')]);
          seen.push(nodeTimeOf(h2.store, await h2.store.getItem(b, 'p', `k${i}`)));
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
      await store.write(b, [put('p', 'b3', null, ctOf(await store.getItem(b, 'p', 'b3')))]);
      await store.write(b, [put('other', 'b1', 'o')]);
      const n = await store.deleteRange(b, 'p', { prefix: 'b', limit: 1, reverse: true });
      assert.equal(n, 2, 'b1 and b2; b3 was already tombstone-only; limit and reverse ignored');
      assert.deepEqual(texts(await store.getItem(b, 'p', 'b1')), [null]);
      assert.deepEqual(texts(await store.getItem(b, 'p', 'b2')), [null], 'siblings superseded by the own context');
      assert.deepEqual(texts(await store.getItem(b, 'p', 'a')), ['a']);
      assert.deepEqual(texts(await store.getItem(b, 'p', 'c')), ['c']);
      assert.deepEqual(texts(await store.getItem(b, 'other', 'b1')), ['o']);
      assert.equal(await store.deleteRange(b, 'p', { start: 'a', end: 'b', reverse: false }), 1);
      assert.equal(await store.deleteRange(b, 'p', { start: 'a', end: 'b', reverse: false }), 0);
      assert.equal(await store.deleteRange(b, 'p', { reverse: false }), 1, 'only c was left');
      assert.ok((await listItems(store, b, 'p')).every((e) => isTombstoneOnly(e.item)));
      assert.equal((await listIndex(store, b)).has('p'), false);
    });

    it('a large batch in a partition reads the items it already has (new, existing, interleaved sort keys)', async () => {
      const b = newBucketId();
      await store.write(b, [put('p', 'b', 'old-b'), put('p', 'k', 'old-k'), put('p', 'z', 'old-z')]);
      const cts = new Map([
        ['b', ctOf(await store.getItem(b, 'p', 'b'))],
        ['k', ctOf(await store.getItem(b, 'p', 'k'))],
      ]);
      const sks = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k'];
      // 'b' without a context (a sibling), 'k' with its context (a replacement); 'fresh' is all new.
      await store.write(b, [
        ...sks.map((sk) => put('p', sk, `new-${sk}`, sk === 'k' ? cts.get('k') : undefined)),
        ...sks.map((sk) => put('fresh', sk, sk)),
      ]);
      assert.deepEqual(texts(await store.getItem(b, 'p', 'b')), ['old-b', 'new-b']);
      assert.deepEqual(texts(await store.getItem(b, 'p', 'k')), ['new-k']);
      assert.deepEqual(texts(await store.getItem(b, 'p', 'z')), ['old-z']);
      assert.deepEqual(texts(await store.getItem(b, 'p', 'c')), ['new-c']);
      assert.deepEqual(
        (await listItems(store, b, 'fresh')).map((e) => texts(e.item)),
        sks.map((sk) => [sk]),
      );
      await store.read((snap) => assertCountersExact(snap, b, ['p', 'fresh']));
      assert.deepEqual((await listIndex(store, b)).get('p'), { entries: 12, conflicts: 1, values: 13, bytes: 13 * 5 });
    });

    it('rejects writes once closed', async () => {
      const h2 = await newStore();
      await h2.store.close();
      await rejectsWith(h2.store.write(newBucketId(), [put('p', 's', 'v')]), 'Unavailable');
      await h2.store.close(); // idempotent
      await h2.cleanup();
    });
  });

  describe('large batches', () => {
    let h: StoreUnderTest;
    let store: Store;
    before(async () => {
      h = await newStore({ maxValuesPerItem: 1000 });
      store = h.store;
    });
    after(() => h.cleanup());

    // Sort keys of several UTF-8 lengths, so that byte order and UTF-16 order both matter (a lone surrogate is stored as U+FFFD).
    const skArb = fc.constantFrom('', 'a', 'b', 'ba', 'c', 'é', 'z', '\u{1F600}', '\uD800', 'zz', 'm', 'n');
    const writeArb = fc.record({
      pk: fc.constantFrom('p', 'q', 'r'),
      sk: skArb,
      value: fc.option(fc.string({ maxLength: 3 }), { nil: null }),
      withContext: fc.boolean(),
    });
    type RandomWrite = typeof writeArb extends fc.Arbitrary<infer T> ? T : never;
    const callsArb = fc.array(fc.array(writeArb, { minLength: 1, maxLength: 30 }), { minLength: 1, maxLength: 4 });

    /** The writes of one call, each context taken from the item as it was before the call. */
    function resolve(bucketId: string, call: readonly RandomWrite[]): Promise<ItemWrite[]> {
      return Promise.all(
        call.map(async (w) => {
          const item = await store.getItem(bucketId, w.pk, w.sk);
          const ct: VectorClock | undefined = w.withContext && item !== undefined ? causalContext(item.toItem()) : undefined;
          return put(w.pk, w.sk, w.value, ct);
        }),
      );
    }

    it('one call of many writes leaves the same items and counters as the same writes one call each', async () => {
      await fc.assert(
        fc.asyncProperty(callsArb, async (calls) => {
          const batched = newBucketId();
          const single = newBucketId();
          for (const call of calls) {
            await store.write(batched, await resolve(batched, call));
            // Issued together, applied one call after the other (in order) in one transaction.
            const singles = await resolve(single, call);
            await Promise.all(singles.map((w) => store.write(single, [w])));
          }
          for (const pk of ['p', 'q', 'r']) {
            const a = (await listItems(store, batched, pk)).map((e) => [e.sk, texts(e.item)]);
            const b = (await listItems(store, single, pk)).map((e) => [e.sk, texts(e.item)]);
            assert.deepEqual(a, b, `partition ${pk}`);
          }
          assert.deepEqual(await listIndex(store, batched), await listIndex(store, single));
          await store.read((snap) => assertCountersExact(snap, batched, ['p', 'q', 'r']));
        }),
        { numRuns: 40 },
      );
    });
  });
}
