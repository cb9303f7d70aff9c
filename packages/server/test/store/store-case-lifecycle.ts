/**
 * Store contract, around the data: change subscriptions, tombstone GC, bucket emptiness, restart
 * and many concurrent writers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ItemView } from '../../src/store/item-view.js';
import type { ItemChange, Store } from '../../src/store/store.js';
import {
  assertCountersExact,
  collect,
  ctOf,
  listIndex,
  newBucketId,
  nodeTimeOf,
  put,
  texts,
  type NewStore,
  type StoreUnderTest,
} from './store-case-support.js';

const none = (): void => undefined;

export function lifecycleCases(newStore: NewStore): void {
  describe('subscriptions', () => {
    let h: StoreUnderTest;
    let store: Store;
    before(async () => {
      h = await newStore();
      store = h.store;
    });
    after(() => h.cleanup());

    it('notifies once per changed item of the partition, after the write is visible', async () => {
      const b = newBucketId();
      const got: [ItemChange, Promise<ItemView | undefined>][] = [];
      const unsubscribe = store.subscribe(
        b,
        'p',
        (c) => {
          // read when notified: the write is visible
          got.push([c, store.getItem(c.bucketId, c.pk, c.sk)]);
        },
        () => assert.fail('no resync in-process'),
      );
      await store.write(b, [put('p', 'a', '1'), put('p', 'a', '2'), put('p', 'b', '3'), put('q', 'a', 'x')]);
      await store.write(newBucketId(), [put('p', 'a', 'other bucket')]);
      assert.deepEqual(
        await Promise.all(got.map(async ([c, seen]) => [c.bucketId, c.pk, c.sk, texts(await seen)])),
        [
          [b, 'p', 'a', ['1', '2']],
          [b, 'p', 'b', ['3']],
        ],
      );
      unsubscribe();
      unsubscribe(); // idempotent
      await store.write(b, [put('p', 'a', '4')]);
      assert.equal(got.length, 2);
    });

    it('notifies deleteRange tombstones; a failed write notifies nothing', async () => {
      const b = newBucketId();
      await store.write(b, [put('p', 'a', '1'), put('p', 'b', '2')]);
      const seen: Promise<string>[] = [];
      const unsubscribe = store.subscribe(
        b,
        'p',
        (c) => seen.push(store.getItem(b, c.pk, c.sk).then((item) => `${c.sk}=${JSON.stringify(texts(item))}`)),
        none,
      );
      await store.deleteRange(b, 'p', { reverse: false });
      await assert.rejects(store.write(b, [put('p', 'c', 'x', new Map([[store.nodeId, 1n << 62n]]))]));
      unsubscribe();
      assert.deepEqual(await Promise.all(seen), ['a=[null]', 'b=[null]']);
    });

    it('keeps subscriptions independent: the same listener twice, a throwing listener', async () => {
      const b = newBucketId();
      let calls = 0;
      const listener = (): void => {
        calls++;
      };
      const un1 = store.subscribe(b, 'p', listener, none);
      const un2 = store.subscribe(b, 'p', listener, none);
      const un3 = store.subscribe(
        b,
        'p',
        () => {
          throw new Error('listener bug');
        },
        none,
      );
      await store.write(b, [put('p', 'a', '1')]);
      assert.equal(calls, 2);
      un1();
      await store.write(b, [put('p', 'a', '2')]);
      assert.equal(calls, 3);
      un2();
      un3();
    });

    it('lets 10 000 subscribers come and go', async () => {
      const b = newBucketId();
      let calls = 0;
      const subs = Array.from({ length: 10_000 }, (_, i) => store.subscribe(b, `p${i % 100}`, () => calls++, none));
      for (const un of subs) un();
      await store.write(b, Array.from({ length: 100 }, (_, i) => put(`p${i}`, 's', 'v')));
      assert.equal(calls, 0);
    });
  });

  describe('tombstone GC and bucket emptiness', () => {
    it('removes items tombstone-only for longer than the delay, and only those', async (t) => {
      let clock = 1_800_000_000_000;
      const h = await newStore({ now: () => clock, tombstoneGcDelayMs: 10_000 });
      try {
        const gcOnce = h.gcOnce;
        if (gcOnce === undefined) return t.skip('backend cannot force a GC pass');
        const { store } = h;
        const b = newBucketId();
        assert.equal(await store.bucketHasItems(b), false);
        await store.write(b, [put('p', 'dead', 'x'), put('p', 'revived', 'y'), put('p', 'live', 'z'), put('p', 'never', null)]);
        assert.equal(await store.bucketHasItems(b), true);
        await store.write(b, [
          put('p', 'dead', null, ctOf(await store.getItem(b, 'p', 'dead'))),
          put('p', 'revived', null, ctOf(await store.getItem(b, 'p', 'revived'))),
        ]);
        clock += 5_000;
        assert.equal(await gcOnce(), 0, 'not yet');
        await store.write(b, [put('p', 'revived', 'again', ctOf(await store.getItem(b, 'p', 'revived')))]);
        clock += 6_000;
        assert.equal(await gcOnce(), 2, 'dead and never');
        assert.equal(await store.getItem(b, 'p', 'dead'), undefined);
        assert.equal(await store.getItem(b, 'p', 'never'), undefined);
        assert.deepEqual(texts(await store.getItem(b, 'p', 'revived')), ['again']);
        assert.deepEqual(texts(await store.getItem(b, 'p', 'live')), ['z']);
        assert.equal(await gcOnce(), 0);
        assert.deepEqual((await listIndex(store, b)).get('p'), { entries: 2, conflicts: 0, values: 2, bytes: 6 });
        // tombstone again after a GC: recorded anew
        await store.write(b, [put('p', 'revived', null, ctOf(await store.getItem(b, 'p', 'revived')))]);
        await store.write(b, [put('p', 'live', null, ctOf(await store.getItem(b, 'p', 'live')))]);
        assert.equal(await store.bucketHasItems(b), true);
        clock += 20_000;
        assert.equal(await gcOnce(), 2);
        assert.equal(await store.bucketHasItems(b), false);
        await store.read(async (snap) => {
          assert.equal((await collect(snap.scanItems(b, 'p', { reverse: false }))).length, 0);
          await assertCountersExact(snap, b, ['p']);
        });
      } finally {
        await h.cleanup();
      }
    });
  });

  describe('restart', () => {
    it('keeps data, node id and the last timestamp', async (t) => {
      let clock = 1_900_000_000_000;
      const h = await newStore({ now: () => clock });
      try {
        const restart = h.restart;
        if (restart === undefined) return t.skip('backend cannot restart');
        const b = newBucketId();
        await h.store.write(b, [put('p', 'a', 'kept')]);
        const nodeId = h.store.nodeId;
        const t1 = nodeTimeOf(h.store, await h.store.getItem(b, 'p', 'a'));
        clock -= 3_600_000; // the clock went back an hour while we were down
        const store = await restart();
        assert.equal(store.nodeId, nodeId);
        assert.deepEqual(texts(await store.getItem(b, 'p', 'a')), ['kept']);
        assert.equal((await store.read((snap) => snap.watermark())).get(nodeId), t1);
        await store.write(b, [put('p', 'b', 'later')]);
        assert.ok(nodeTimeOf(store, await store.getItem(b, 'p', 'b')) > t1);
      } finally {
        await h.cleanup();
      }
    });
  });

  describe('concurrency', () => {
    it('completes 1 000 concurrent write calls, each atomically', async () => {
      const h = await newStore({ maxValuesPerItem: 200 });
      try {
        const b = newBucketId();
        const calls = Array.from({ length: 1_000 }, (_, i) =>
          h.store.write(b, [put(`p${i % 10}`, `k${i}`, `v${i}`), put('shared', `c${i % 10}`, `${i}`)]),
        );
        await Promise.all(calls);
        for (let i = 0; i < 1_000; i++) assert.deepEqual(texts(await h.store.getItem(b, `p${i % 10}`, `k${i}`)), [`v${i}`]);
        for (let c = 0; c < 10; c++) assert.equal(texts(await h.store.getItem(b, 'shared', `c${c}`))?.length, 100, 'no write lost');
        assert.equal((await listIndex(h.store, b)).get('p3')?.entries, 100);
      } finally {
        await h.cleanup();
      }
    });
  });
}
