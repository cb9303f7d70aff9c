/**
 * Store contract, reads: ordered scans positioned by ScanFrom, snapshot isolation, watermark,
 * long keys and a large partition streamed from one snapshot.
 */
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { after, before, describe, it } from 'node:test';
import { encodeCausalityToken } from '../../src/k2v/causality-token.js';
import { causalContext, isInConflict, isTombstoneOnly, values } from '../../src/k2v/dvvs.js';
import type { ScanFrom } from '../../src/k2v/range.js';
import { utf8Bytes } from '../../src/k2v/utf8.js';
import type { ItemView } from '../../src/store/item-view.js';
import type { Store } from '../../src/store/store.js';
import { listIndex, listItems, newBucketId, nodeTimeOf, put, texts, type NewStore, type StoreUnderTest } from './store-case-support.js';

const from = (key: string, inclusive: boolean): ScanFrom => ({ key: utf8Bytes(key), inclusive });

export function scanCases(newStore: NewStore): void {
  describe('scans and snapshots', () => {
    let h: StoreUnderTest;
    let store: Store;
    const b = newBucketId();
    const sks = ['', 'a', 'b', 'bb', 'c', 'z', '\u00e9', '\ue000', '\u{1f600}'];
    before(async () => {
      h = await newStore();
      store = h.store;
      await store.write(b, sks.map((sk) => put('p', sk, `v${sk}`)));
      // neighbours that must never leak into partition 'p'
      await store.write(b, [put('p2', 'a', 'x'), put('', 'a', 'x'), put('q', '', 'x')]);
      await store.write(newBucketId(), [put('p', 'a', 'other bucket')]);
    });
    after(() => h.cleanup());

    const scan = (f: ScanFrom | undefined, reverse: boolean): string[] => {
      const snap = store.snapshot();
      try {
        return [...snap.scanItems(b, 'p', f, reverse)].map((e) => e.sk);
      } finally {
        snap.close();
      }
    };

    it('orders sort keys by UTF-8 bytes, forward and reverse, within one partition', () => {
      const expected = ['', 'a', 'b', 'bb', 'c', 'z', '\u00e9', '\ue000', '\u{1f600}'];
      assert.deepEqual(scan(undefined, false), expected);
      assert.deepEqual(scan(undefined, true), [...expected].reverse());
      assert.deepEqual(
        listItems(store, b, 'p').map((e) => texts(e.item)?.[0]),
        expected.map((sk) => `v${sk}`),
      );
    });

    it('positions forward scans at an inclusive or exclusive key', () => {
      assert.deepEqual(scan(from('b', true), false).slice(0, 3), ['b', 'bb', 'c']);
      assert.deepEqual(scan(from('b', false), false).slice(0, 2), ['bb', 'c']);
      assert.deepEqual(scan(from('ba', true), false).slice(0, 2), ['bb', 'c'], 'absent key: next one');
      assert.deepEqual(scan(from('ba', false), false).slice(0, 2), ['bb', 'c']);
      assert.deepEqual(scan(from('', true), false)[0], '');
      assert.deepEqual(scan(from('', false), false)[0], 'a');
      assert.deepEqual(scan(from('\u{1f601}', true), false), []);
    });

    it('positions reverse scans at an inclusive or exclusive key', () => {
      assert.deepEqual(scan(from('b', true), true), ['b', 'a', '']);
      assert.deepEqual(scan(from('b', false), true), ['a', '']);
      assert.deepEqual(scan(from('ba', true), true), ['b', 'a', ''], 'absent key: previous one');
      assert.deepEqual(scan(from('ba', false), true), ['b', 'a', '']);
      assert.deepEqual(scan(from('a', false), true), ['']);
      assert.deepEqual(scan(from('', false), true), []);
      assert.deepEqual(scan(from('\u{1f601}', true), true)[0], '\u{1f600}');
    });

    it('item views: the same items as scanItems and getItem, from every position', async () => {
      // several nodes (a foreign one from a client token), conflicts, tombstones, duplicates
      await store.write(b, [
        put('p', 'b', null, new Map([[7n, 3n], [1n << 63n, 9n]])),
        put('p', 'b', 'vb'),
        put('p', 'c', 'vc'),
        put('p', 'c', ''),
      ]);
      const snap = store.snapshot();
      try {
        const positions = [undefined, ...[...sks, 'ba', 'a\u0000', '\u{1f601}', 'zz'].flatMap((k) => [from(k, true), from(k, false)])];
        for (const f of positions) {
          for (const reverse of [false, true]) {
            const items = [...snap.scanItems(b, 'p', f, reverse)];
            const views = [...snap.scanItemViews(b, 'p', f, reverse)];
            const where = `from ${JSON.stringify(f === undefined ? f : [...f.key])} ${f?.inclusive} reverse ${reverse}`;
            assert.deepEqual(views.map((v) => v.sk), items.map((e) => e.sk), where);
            views.forEach((v, i) => {
              const item = items[i]!.item;
              assert.equal(v.causalityToken(), encodeCausalityToken(causalContext(item)), where);
              assert.equal(v.isTombstoneOnly(), isTombstoneOnly(item), where);
              assert.equal(v.isInConflict(), isInConflict(item), where);
            });
          }
        }
        for (const sk of [...sks, 'absent']) {
          const item = snap.getItem(b, 'p', sk);
          const view = snap.getItemView(b, 'p', sk);
          assert.equal(view?.sk, item === undefined ? undefined : sk);
          if (item !== undefined) assert.equal(view?.causalityToken(), encodeCausalityToken(causalContext(item)));
        }
        assert.deepEqual([...snap.scanItemViews(b, 'absent', undefined, false)], []);
        assert.deepEqual([...snap.scanItemViews(b, 'absent', undefined, true)], []);
      } finally {
        snap.close();
      }
    });

    it('item views of large records: the same values as the decoded items', async () => {
      const b2 = newBucketId();
      const sizes = [1, 5000, 17_000, 300_000, 5000, 2];
      await store.write(b2, sizes.map((n, i) => ({ pk: 'big', sk: `k${i}`, ct: undefined, value: new Uint8Array(n).fill(i + 1) })));
      const snap = store.snapshot();
      try {
        const valuesOf = (v: ItemView): string[] => {
          const out: number[] = [];
          return Array.from({ length: v.distinctValues(out) }, (_, i) => v.base64(out[2 * i]!, out[2 * i + 1]!));
        };
        for (const reverse of [false, true]) {
          const items = [...snap.scanItems(b2, 'big', undefined, reverse)];
          const views = [...snap.scanItemViews(b2, 'big', undefined, reverse)];
          assert.deepEqual(
            views.map(valuesOf),
            items.map((e) => values(e.item).map((x) => Buffer.from(x!).toString('base64'))),
          );
        }
      } finally {
        snap.close();
      }
    });

    it('stops an item-view scan early with return(), and closing the snapshot ends open scans', () => {
      const snap = store.snapshot();
      const it = snap.scanItemViews(b, 'p', undefined, false);
      assert.equal(it.next().value?.sk, '');
      assert.equal(it.return().done, true);
      assert.equal(it.next().done, true);
      const open = snap.scanItemViews(b, 'p', undefined, true);
      assert.equal(open.next().done, false);
      snap.close();
      assert.equal(open.next().done, true);
    });

    it('scans the index in partition-key byte order, forward and reverse', async () => {
      const b2 = newBucketId();
      const pks = ['', 'a', 'ab', 'b', '\u00e9', '\ue000', '\u{1f600}'];
      await store.write(b2, pks.map((pk) => put(pk, 's', 'v')));
      await store.write(b2, [put('tomb', 's', null)]);
      const snap = store.snapshot();
      try {
        const idx = (f: ScanFrom | undefined, r: boolean): string[] => [...snap.scanIndex(b2, f, r)].map((e) => e.pk);
        assert.deepEqual(idx(undefined, false), pks, 'tombstone-only partitions are not listed');
        assert.deepEqual(idx(undefined, true), [...pks].reverse());
        assert.deepEqual(idx(from('ab', true), false), ['ab', 'b', '\u00e9', '\ue000', '\u{1f600}']);
        assert.deepEqual(idx(from('ab', false), false), ['b', '\u00e9', '\ue000', '\u{1f600}']);
        assert.deepEqual(idx(from('ab', true), true), ['ab', 'a', '']);
        assert.deepEqual(idx(from('ab', false), true), ['a', '']);
        assert.deepEqual([...snap.scanIndex(b2, undefined, false)][0]?.counts, { entries: 1, conflicts: 0, values: 1, bytes: 1 });
      } finally {
        snap.close();
      }
    });

    it('stops an iterator early with return() and keeps the snapshot usable', () => {
      const snap = store.snapshot();
      try {
        const it = snap.scanItems(b, 'p', undefined, false);
        assert.equal(it.next().value?.sk, '');
        assert.equal(it.return().done, true);
        assert.equal(it.next().done, true);
        assert.equal([...snap.scanItems(b, 'p', undefined, false)].length, sks.length);
      } finally {
        snap.close();
      }
    });

    it('isolates a snapshot from later writes, for reads, scans and the watermark', async () => {
      const b2 = newBucketId();
      await store.write(b2, [put('p', 'a', 'old')]);
      const snap = store.snapshot();
      try {
        const mark = snap.watermark().get(store.nodeId);
        assert.equal(mark, nodeTimeOf(store, store.getItem(b2, 'p', 'a')), 'watermark = last issued timestamp');
        await store.write(b2, [put('p', 'a', 'new', new Map()), put('p', 'b', 'added')]);
        assert.deepEqual(texts(snap.getItem(b2, 'p', 'a')), ['old']);
        assert.equal(snap.getItem(b2, 'p', 'b'), undefined);
        assert.deepEqual([...snap.scanItems(b2, 'p', undefined, false)].map((e) => e.sk), ['a']);
        assert.equal(snap.watermark().get(store.nodeId), mark);
        const fresh = store.snapshot();
        try {
          assert.equal(fresh.getItem(b2, 'p', 'b') !== undefined, true);
          const t = fresh.watermark().get(store.nodeId)!;
          assert.ok(t > mark!);
          assert.equal(t, nodeTimeOf(store, store.getItem(b2, 'p', 'b')));
        } finally {
          fresh.close();
        }
      } finally {
        snap.close();
        snap.close(); // idempotent
      }
    });

    it('accepts partition and sort keys of 1024 bytes', async () => {
      const b2 = newBucketId();
      const pk = 'p'.repeat(1022) + '\u00e9'; // 1024 bytes
      const sk = '\u{1f600}'.repeat(256); // 1024 bytes
      await store.write(b2, [put(pk, sk, 'long'), put(pk, sk + '', 'long2')]);
      assert.deepEqual(texts(store.getItem(b2, pk, sk)), ['long', 'long2']);
      assert.deepEqual(listItems(store, b2, pk).map((e) => e.sk), [sk]);
      assert.deepEqual([...listIndex(store, b2).keys()], [pk]);
      assert.equal(store.getItem(b2, pk, sk + 'x'), undefined);
      assert.equal(store.getItem(b2, pk, 'x'.repeat(5000)), undefined, 'a sort key too long to store reads as absent');
    });

    it('writes 100 000 items in batches and streams them back from one snapshot', async () => {
      const b2 = newBucketId();
      const n = 100_000;
      const batch = 1_000;
      const sk = (i: number): string => `item-${String(i).padStart(6, '0')}`;
      const writes: Promise<void>[] = [];
      for (let i = 0; i < n; i += batch) {
        writes.push(store.write(b2, Array.from({ length: batch }, (_, j) => put('big', sk(i + j), `value ${i + j}`))));
      }
      await Promise.all(writes);
      assert.deepEqual(listIndex(store, b2).get('big')?.entries, n);
      const snap = store.snapshot();
      try {
        let count = 0;
        let prev = '';
        for (const e of snap.scanItems(b2, 'big', undefined, false)) {
          assert.ok(count === 0 || e.sk > prev);
          prev = e.sk;
          count++;
        }
        assert.equal(count, n);
        assert.equal(prev, sk(n - 1));
      } finally {
        snap.close();
      }
    });
  });
}
