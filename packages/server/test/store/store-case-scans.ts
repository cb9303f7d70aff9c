/**
 * Store contract, reads: scans by pages with their bounds, filter and limit (ScanQuery, against a
 * literal reading of contract section 8), read(fn) snapshots (isolation, release, watermark),
 * item views, long keys and a large partition streamed from one snapshot.
 */
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { encodeCausalityToken } from '../../src/k2v/causality-token.js';
import { causalContext, isInConflict, isTombstoneOnly, values } from '../../src/k2v/dvvs.js';
import type { ItemView } from '../../src/store/item-view.js';
import type { ItemScanQuery, ScanQuery, Store } from '../../src/store/store.js';
import { keyArb } from '../k2v/sim.js';
import { collect, listIndex, listItems, newBucketId, nodeTimeOf, put, texts, type NewStore, type StoreUnderTest } from './store-case-support.js';

const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** The keys a scan must yield, read literally: sort, keep what is in range and filtered, cut. */
function expected(keys: readonly string[], q: ScanQuery, keep: (k: string) => boolean = () => true): string[] {
  const sorted = [...keys].sort(byteOrder);
  if (q.reverse) sorted.reverse();
  const dir = q.reverse ? -1 : 1;
  const matching = sorted.filter(
    (k) =>
      (q.start === undefined || dir * byteOrder(k, q.start) >= 0) &&
      (q.prefix === undefined || k.startsWith(q.prefix)) &&
      (q.end === undefined || dir * byteOrder(k, q.end) < 0) &&
      keep(k),
  );
  return matching.slice(0, q.limit ?? Infinity);
}

const queryArb: fc.Arbitrary<ScanQuery> = fc
  .record({
    prefix: fc.option(keyArb, { nil: undefined }),
    startSuffix: fc.option(keyArb, { nil: undefined }),
    end: fc.option(keyArb, { nil: undefined }),
    limit: fc.option(fc.nat(6), { nil: undefined }),
    reverse: fc.boolean(),
  })
  .map(({ prefix, startSuffix, end, limit, reverse }) => ({
    prefix,
    start: startSuffix === undefined ? undefined : (prefix ?? '') + startSuffix,
    end,
    limit,
    reverse,
  }));

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

    const scan = (q: ItemScanQuery, bucketId = b, pk = 'p'): Promise<string[]> =>
      store.read(async (snap) => (await collect(snap.scanItems(bucketId, pk, q))).map((e) => e.sk));

    it('orders sort keys by UTF-8 bytes, forward and reverse, within one partition', async () => {
      const inOrder = ['', 'a', 'b', 'bb', 'c', 'z', '\u00e9', '\ue000', '\u{1f600}'];
      assert.deepEqual(await scan({ reverse: false }), inOrder);
      assert.deepEqual(await scan({ reverse: true }), [...inOrder].reverse());
      assert.deepEqual(
        (await listItems(store, b, 'p')).map((e) => texts(e.item)?.[0]),
        inOrder.map((sk) => `v${sk}`),
      );
    });

    it('yields exactly the range of a ScanQuery (prefix, start, end, reverse, limit)', async () => {
      const b2 = newBucketId();
      const keys = ['', 'a', 'ab', 'abc', 'b', 'ba', 'bb', 'c', 'é', 'éa', '\u{1f600}', '\uffff', 'z'];
      await store.write(b2, keys.map((sk) => put('p', sk, sk)));
      await store.write(b2, keys.map((pk) => put(pk, 's', pk)));
      await fc.assert(
        fc.asyncProperty(queryArb, async (q) => {
          assert.deepEqual(await scan(q, b2), expected(keys, q), `items ${JSON.stringify(q)}`);
          const pks = await store.read(async (snap) => (await collect(snap.scanIndex(b2, q))).map((e) => e.pk));
          assert.deepEqual(pks, expected([...keys, 'p'], q), `index ${JSON.stringify(q)}`);
        }),
        { numRuns: 300 },
      );
      // the examples of the old positioning cases, as queries
      assert.deepEqual((await scan({ start: 'b', reverse: false })).slice(0, 3), ['b', 'bb', 'c']);
      assert.deepEqual((await scan({ start: 'ba', reverse: false })).slice(0, 2), ['bb', 'c'], 'absent key: next one');
      assert.deepEqual(await scan({ start: 'b', reverse: true }), ['b', 'a', '']);
      assert.deepEqual(await scan({ start: 'ba', reverse: true }), ['b', 'a', ''], 'absent key: previous one');
      assert.deepEqual(await scan({ start: '\u{1f601}', reverse: false }), []);
      assert.deepEqual(await scan({ prefix: 'b', reverse: true }), ['bb', 'b']);
      assert.deepEqual(await scan({ end: 'b', reverse: false }), ['', 'a']);
      assert.deepEqual(await scan({ end: 'b', reverse: true }), ['\u{1f600}', '\ue000', '\u00e9', 'z', 'c', 'bb']);
      assert.deepEqual(await scan({ limit: 0, reverse: false }), []);
      assert.deepEqual(await scan({ reverse: false }, b, 'absent'), []);
    });

    it('filters item scans as asked: tombstone-only items, conflicts, with the limit counting kept items only', async () => {
      const b2 = newBucketId();
      await store.write(b2, ['a', 'b', 'c', 'd', 'e', 'f'].map((sk) => put('p', sk, sk)));
      await store.write(b2, [put('p', 'b', null, new Map()), put('p', 'c', 'c2'), put('p', 'e', 'e2')]);
      await store.write(b2, [put('p', 'd', null, causalContextOf(await store.getItem(b2, 'p', 'd')))]);
      // a: live; b: conflict with a tombstone; c, e: conflicts; d: tombstone-only; f: live
      assert.deepEqual(await scan({ reverse: false, skipTombstones: true }, b2), ['a', 'b', 'c', 'e', 'f']);
      assert.deepEqual(await scan({ reverse: false, conflictsOnly: true }, b2), ['b', 'c', 'e']);
      assert.deepEqual(await scan({ reverse: true, skipTombstones: true, conflictsOnly: true, limit: 2 }, b2), ['e', 'c']);
      assert.deepEqual(await scan({ reverse: false, skipTombstones: true, limit: 4 }, b2), ['a', 'b', 'c', 'e']);
      assert.deepEqual(await scan({ reverse: false }, b2), ['a', 'b', 'c', 'd', 'e', 'f']);
    });

    it('item views: the same items from scans and point reads, the fast paths agreeing with dvvs.ts', async () => {
      // several nodes (a foreign one from a client token), conflicts, tombstones, duplicates
      await store.write(b, [
        put('p', 'b', null, new Map([[7n, 3n], [1n << 63n, 9n]])),
        put('p', 'b', 'vb'),
        put('p', 'c', 'vc'),
        put('p', 'c', ''),
      ]);
      await store.read(async (snap) => {
        for (const reverse of [false, true]) {
          for (const v of await collect(snap.scanItems(b, 'p', { reverse }))) {
            const item = v.toItem();
            assert.equal(v.causalityToken(), encodeCausalityToken(causalContext(item)), v.sk);
            assert.equal(v.isTombstoneOnly(), isTombstoneOnly(item), v.sk);
            assert.equal(v.isInConflict(), isInConflict(item), v.sk);
            const point = await snap.getItem(b, 'p', v.sk);
            assert.equal(point?.causalityToken(), v.causalityToken());
            assert.deepEqual(texts(point), texts(v));
          }
        }
        assert.equal(await snap.getItem(b, 'p', 'absent'), undefined);
        assert.deepEqual(await collect(snap.scanItems(b, 'absent', { reverse: true })), []);
      });
    });

    it('item views of large records: the same values as the decoded items', async () => {
      const b2 = newBucketId();
      const sizes = [1, 5000, 17_000, 300_000, 5000, 2];
      await store.write(b2, sizes.map((n, i) => ({ pk: 'big', sk: `k${i}`, ct: undefined, value: new Uint8Array(n).fill(i + 1) })));
      const valuesOf = (v: ItemView): string[] => {
        const out: number[] = [];
        return Array.from({ length: v.distinctValues(out) }, (_, i) => v.base64(out[2 * i]!, out[2 * i + 1]!));
      };
      await store.read(async (snap) => {
        for (const reverse of [false, true]) {
          const views = await collect(snap.scanItems(b2, 'big', { reverse }));
          const inOrder = sizes.map((_, i) => `k${i}`);
          assert.deepEqual(
            views.map((v) => v.sk),
            reverse ? inOrder.reverse() : inOrder,
          );
          for (const v of views) {
            assert.deepEqual(valuesOf(v), values(v.toItem()).map((x) => Buffer.from(x!).toString('base64')));
          }
        }
      });
    });

    it('getItems answers point reads in the order asked, from the snapshot, as getItem does', async () => {
      const b2 = newBucketId();
      const other = newBucketId();
      await store.write(b2, [put('p', 'a', 'pa'), put('p', 'b', 'pb'), put('q', 'a', 'qa'), put('p', '\u{1f600}', 'smile')]);
      await store.write(b2, [{ pk: 'p', sk: 'big', ct: undefined, value: new Uint8Array(300_000).fill(7) }]);
      await store.write(other, [put('p', 'c', 'elsewhere')]);
      const refs = [
        { pk: 'q', sk: 'a' },
        { pk: 'p', sk: 'absent' },
        { pk: 'p', sk: 'big' },
        { pk: 'p', sk: 'a' },
        { pk: 'p', sk: 'c' }, // only in the other bucket
        { pk: 'p', sk: 'x'.repeat(5000) }, // too long to be stored: absent
        { pk: 'p', sk: 'a' }, // twice
        { pk: 'p', sk: '\u{1f600}' },
      ];
      await store.read(async (snap) => {
        // PostgreSQL takes a REPEATABLE READ snapshot at the transaction's first statement.
        assert.deepEqual(texts(await snap.getItem(b2, 'p', 'b')), ['pb']);
        await store.write(b2, [put('p', 'b', 'later', new Map()), put('p', 'absent', 'later')]);
        const many = await snap.getItems(b2, [...refs, { pk: 'p', sk: 'b' }]);
        assert.equal(many.length, refs.length + 1);
        for (const [i, r] of refs.entries()) {
          const one = await snap.getItem(b2, r.pk, r.sk);
          assert.deepEqual(texts(many[i]), texts(one), `${r.pk}/${r.sk.slice(0, 10)}`);
          assert.equal(many[i]?.causalityToken(), one?.causalityToken());
          assert.equal(many[i]?.sk, one?.sk);
        }
        assert.deepEqual(many.map((v) => (v === undefined ? undefined : texts(v)![0]?.slice(0, 2))), ['qa', undefined, '\u0007\u0007', 'pa', undefined, undefined, 'pa', 'sm', 'pb']);
        assert.deepEqual(await snap.getItems(b2, []), []);
        assert.deepEqual(await snap.getItems(newBucketId(), refs), refs.map(() => undefined));
      });
    });

    it('a scan stopped early (break) leaves the snapshot usable; scans still open when read() settles end', async () => {
      const b2 = newBucketId();
      await store.write(b2, Array.from({ length: 1_000 }, (_, i) => put('p', `k${String(i).padStart(4, '0')}`, 'v')));
      let leaked: AsyncIterator<readonly ItemView[]> | undefined;
      const firstPage = await store.read(async (snap) => {
        let first: string[] = [];
        for await (const page of snap.scanItems(b2, 'p', { reverse: false })) {
          first = page.map((v) => v.sk);
          break;
        }
        assert.equal((await collect(snap.scanItems(b2, 'p', { reverse: false }))).length, 1_000);
        leaked = snap.scanItems(b2, 'p', { reverse: true })[Symbol.asyncIterator]();
        assert.equal((await leaked.next()).done, false);
        return first;
      });
      assert.ok(firstPage.length > 0 && firstPage.length <= 1_000);
      assert.equal(firstPage[0], 'k0000');
      // Used after its read(fn) settled, a scan yields nothing more (it ends, or rejects).
      const after = await leaked!.next().then(
        (r) => r.done,
        () => true,
      );
      assert.equal(after, true);
    });

    it('read(fn) rejects as fn did, and releases its snapshot either way', async () => {
      const boom = new Error('fn failed');
      await assert.rejects(
        store.read(async (snap) => {
          await snap.getItem(b, 'p', 'a');
          throw boom;
        }),
        (err) => err === boom,
      );
      // Many more snapshots than LMDB has reader slots by default: none leaked.
      for (let i = 0; i < 300; i++) await assert.rejects(store.read(() => Promise.reject(boom)));
      assert.deepEqual(texts(await store.read((snap) => snap.getItem(b, 'p', 'a'))), ['va']);
    });

    it('isolates a snapshot from later writes, for reads, scans and the watermark', async () => {
      const b2 = newBucketId();
      await store.write(b2, [put('p', 'a', 'old')]);
      await store.read(async (snap) => {
        const mark = (await snap.watermark()).get(store.nodeId);
        assert.equal(mark, nodeTimeOf(store, await store.getItem(b2, 'p', 'a')), 'watermark = last issued timestamp');
        await store.write(b2, [put('p', 'a', 'new', new Map()), put('p', 'b', 'added')]);
        assert.deepEqual(texts(await snap.getItem(b2, 'p', 'a')), ['old']);
        assert.equal(await snap.getItem(b2, 'p', 'b'), undefined);
        assert.deepEqual((await collect(snap.scanItems(b2, 'p', { reverse: false }))).map((e) => e.sk), ['a']);
        assert.equal((await snap.watermark()).get(store.nodeId), mark);
        await store.read(async (fresh) => {
          assert.equal((await fresh.getItem(b2, 'p', 'b')) !== undefined, true);
          const t = (await fresh.watermark()).get(store.nodeId)!;
          assert.ok(t > mark!);
          assert.equal(t, nodeTimeOf(store, await store.getItem(b2, 'p', 'b')));
        });
      });
    });

    it('accepts partition and sort keys of 1024 bytes', async () => {
      const b2 = newBucketId();
      const pk = 'p'.repeat(1022) + '\u00e9'; // 1024 bytes
      const sk = '\u{1f600}'.repeat(256); // 1024 bytes
      assert.ok(store.keyLimits.maxPartitionKeyBytes >= 1024 && store.keyLimits.maxSortKeyBytes >= 1024);
      await store.write(b2, [put(pk, sk, 'long'), put(pk, sk + '', 'long2')]);
      assert.deepEqual(texts(await store.getItem(b2, pk, sk)), ['long', 'long2']);
      assert.deepEqual((await listItems(store, b2, pk)).map((e) => e.sk), [sk]);
      assert.deepEqual([...(await listIndex(store, b2)).keys()], [pk]);
      assert.equal(await store.getItem(b2, pk, sk + 'x'), undefined);
      assert.equal(await store.getItem(b2, pk, 'x'.repeat(5000)), undefined, 'a sort key too long to store reads as absent');
      assert.deepEqual(await scan({ start: sk + 'x'.repeat(5000), reverse: true }, b2, pk), [sk], 'a scan may start beyond any key');
    });

    it('writes 100 000 items in batches and streams them back from one snapshot, in pages', async () => {
      const b2 = newBucketId();
      const n = 100_000;
      const batch = 1_000;
      const sk = (i: number): string => `item-${String(i).padStart(6, '0')}`;
      const writes: Promise<void>[] = [];
      for (let i = 0; i < n; i += batch) {
        writes.push(store.write(b2, Array.from({ length: batch }, (_, j) => put('big', sk(i + j), `value ${i + j}`))));
      }
      await Promise.all(writes);
      assert.deepEqual((await listIndex(store, b2)).get('big')?.entries, n);
      await store.read(async (snap) => {
        let count = 0;
        let pages = 0;
        let prev = '';
        for await (const page of snap.scanItems(b2, 'big', { reverse: false })) {
          pages++;
          for (const e of page) {
            assert.ok(count === 0 || e.sk > prev);
            prev = e.sk;
            count++;
          }
        }
        assert.equal(count, n);
        assert.equal(prev, sk(n - 1));
        assert.ok(pages > 1 && pages <= n / 16, `${pages} pages: not one await per item, not all at once`);
      });
    });
  });
}

function causalContextOf(item: ItemView | undefined): Map<bigint, bigint> {
  assert.ok(item !== undefined);
  return causalContext(item.toItem());
}
