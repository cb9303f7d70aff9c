/**
 * Store contract, backups (k2v dump / restore): `scanBucketItems` yields every item of one bucket
 * once, tombstones included, and nothing of other buckets; a snapshot's `metadata()` is the
 * metadata of its own moment, not of a later change; `mergeItems` merges by causality into
 * another store (same answers, exact counters), keeps newer values, and changes nothing the
 * second time.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { causalContext, sameItem } from '../../src/k2v/dvvs.js';
import type { StoredItem } from '../../src/store/item-codec.js';
import type { Store } from '../../src/store/store.js';
import { assertCountersExact, collect, ctOf, newBucketId, put, texts, type NewStore, type StoreUnderTest } from './store-case-support.js';

async function bucketItems(store: Store, bucketId: string): Promise<StoredItem[]> {
  const pages = await store.read((snap) => collect(snap.scanBucketItems(bucketId)));
  return pages.sort((a, b) => (a.pk + '\0' + a.sk < b.pk + '\0' + b.sk ? -1 : 1));
}

export function backupCases(newStore: NewStore): void {
  describe('backups', () => {
    let src: StoreUnderTest;
    let dst: StoreUnderTest;
    before(async () => {
      src = await newStore();
      dst = await newStore();
    });
    after(async () => {
      await src.cleanup();
      await dst.cleanup();
    });

    it('scanBucketItems: every item of the bucket once, tombstones included, no other bucket', async () => {
      const b = newBucketId();
      const other = newBucketId();
      const writes = [];
      for (let i = 0; i < 600; i++) writes.push(put(`p${i % 7}`, `s${i}`, `v${i}`));
      await src.store.write(b, writes);
      await src.store.write(b, [put('p0', 'tomb', null)]);
      await src.store.write(other, [put('p0', 's1', 'elsewhere')]);
      const items = await bucketItems(src.store, b);
      assert.equal(items.length, 601);
      assert.equal(new Set(items.map((i) => `${i.pk}/${i.sk}`)).size, 601);
      assert.ok(items.some((i) => i.sk === 'tomb'));
      assert.equal((await bucketItems(src.store, other)).length, 1);
      assert.equal((await bucketItems(src.store, newBucketId())).length, 0);
    });

    it("metadata(): the snapshot's keys, buckets and admin tokens, not a change committed after it opened", async () => {
      const id = `GK${randomBytes(12).toString('hex')}`;
      const b = newBucketId();
      await src.store.meta.update((d) => {
        d.keys.set(id, { id, secret: 's'.repeat(64), name: 'before', created: 1_700_000_000_000, allowCreateBucket: false });
        d.buckets.set(b, {
          id: b, created: 1_700_000_000_000, globalAliases: [`dump-${b.slice(0, 8)}`], localAliases: [], keys: { [id]: { read: true, write: false, owner: false } },
          corsRules: [], websiteAccess: false, websiteConfig: null, quotas: { maxSize: null, maxObjects: null },
        });
      });
      const inSnapshot = await src.store.read(async (snap) => {
        const first = await snap.metadata();
        // A change committed while the snapshot is open (a concurrent admin call beside a dump).
        await src.store.meta.update((d) => {
          d.keys.get(id)!.name = 'after';
          d.buckets.delete(b);
        });
        return { first, second: await snap.metadata() };
      });
      for (const m of [inSnapshot.first, inSnapshot.second]) {
        assert.equal(m.keys.find((k) => k.id === id)?.name, 'before');
        assert.deepEqual(m.buckets.find((x) => x.id === b)?.keys, { [id]: { read: true, write: false, owner: false } });
      }
      assert.equal(src.store.meta.getKey(id)?.name, 'after');
      const now = await src.store.read((snap) => snap.metadata());
      assert.equal(now.keys.find((k) => k.id === id)?.name, 'after');
      assert.equal(now.buckets.find((x) => x.id === b), undefined);
      assert.deepEqual(now.adminTokens.map((t) => t.id).sort(), src.store.meta.listAdminTokens().map((t) => t.id).sort());
    });

    it('mergeItems: same items and exact counters in another store, newer values kept, twice changes nothing', async () => {
      const b = newBucketId();
      await src.store.write(b, [put('p', 'a', 'a1'), put('p', 'b', 'b1'), put('q', 'c', 'c1')]);
      await src.store.write(b, [put('p', 'a', 'a2')]); // siblings
      await src.store.write(b, [put('p', 'b', null, ctOf(await src.store.getItem(b, 'p', 'b')))]); // tombstone
      const dumped = await bucketItems(src.store, b);

      assert.equal(await dst.store.mergeItems(b, dumped), 3);
      const restored = await bucketItems(dst.store, b);
      assert.equal(restored.length, dumped.length);
      for (let i = 0; i < dumped.length; i++) assert.ok(sameItem(restored[i]!.item, dumped[i]!.item));
      assert.equal(await dst.store.mergeItems(b, dumped), 0, 'restoring twice changes nothing');
      await dst.store.read((snap) => assertCountersExact(snap, b, ['p', 'q']));
      assert.equal(await dst.store.bucketHasItems(b), true);

      // The target moves on, then the old state is merged again: the newer value stays.
      const a = await dst.store.getItem(b, 'p', 'a');
      await dst.store.write(b, [put('p', 'a', 'resolved', ctOf(a))]);
      assert.equal(await dst.store.mergeItems(b, dumped), 0);
      assert.deepEqual(texts(await dst.store.getItem(b, 'p', 'a')), ['resolved']);
      // A write after the merge through the target's own node still supersedes the merged context.
      const c = await dst.store.getItem(b, 'q', 'c');
      assert.ok([...causalContext(dumped.find((i) => i.sk === 'c')!.item).keys()].every((n) => ctOf(c).has(n)));
      await dst.store.write(b, [put('q', 'c', 'c2', ctOf(c))]);
      assert.deepEqual(texts(await dst.store.getItem(b, 'q', 'c')), ['c2']);
      await dst.store.read((snap) => assertCountersExact(snap, b, ['p', 'q']));
    });
  });
}
