/** items() and partitions(): whole ranges across several pages, in order, filters kept. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { httpRelay } from '../support/proxy.js';
import { str, uniquePk, useServer } from '../support/server.js';

const ts = useServer();

const collect = async <T>(it: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};

describe('items()', () => {
  it('walks a partition page by page, forwards and in reverse, with prefix, start and end', async () => {
    const pk = uniquePk('items');
    const sks = Array.from({ length: 25 }, (_, i) => `k${String(i).padStart(2, '0')}`);
    await ts.client().insertBatch([...sks.map((sk) => ({ pk, sk, value: `v-${sk}` })), { pk, sk: 'other', value: 'x' }]);
    const relay = await httpRelay(ts.endpoint);
    try {
      const k2v = ts.client({ endpoint: relay.url });
      const all = await collect(k2v.items(pk, { prefix: 'k', pageSize: 4 }));
      assert.deepEqual(all.map((i) => i.sk), sks);
      assert.deepEqual(all.map((i) => str(i.values[0])), sks.map((sk) => `v-${sk}`));
      assert.equal(relay.requests, 7, '25 items in pages of 4');

      const rev = await collect(k2v.items(pk, { prefix: 'k', reverse: true, pageSize: 5 }));
      assert.deepEqual(rev.map((i) => i.sk), [...sks].reverse());
      const mid = await collect(k2v.items(pk, { start: 'k05', end: 'k12', pageSize: 2 }));
      assert.deepEqual(mid.map((i) => i.sk), sks.slice(5, 12));
      assert.deepEqual((await collect(k2v.items(pk))).length, 26, 'default page size, one request');
    } finally {
      await relay.close();
    }
  });

  it('keeps the tombstones and conflictsOnly filters on every page; break stops fetching', async () => {
    const k2v = ts.client();
    const pk = uniquePk('items-filters');
    await k2v.insertBatch(
      Array.from({ length: 12 }, (_, i) => [
        { pk, sk: `k${String(i).padStart(2, '0')}`, value: i % 3 === 0 ? null : 'a' },
        ...(i % 2 === 0 ? [{ pk, sk: `k${String(i).padStart(2, '0')}`, value: 'b' }] : []),
      ]).flat(),
    );
    const live = await collect(k2v.items(pk, { pageSize: 3 }));
    assert.equal(live.length, 12 - 2, 'k03 and k09 are tombstone-only');
    const withTombstones = await collect(k2v.items(pk, { tombstones: true, pageSize: 3 }));
    assert.equal(withTombstones.length, 12);
    const conflicts = await collect(k2v.items(pk, { conflictsOnly: true, pageSize: 2 }));
    assert.deepEqual(conflicts.map((i) => i.sk), ['k00', 'k02', 'k04', 'k06', 'k08', 'k10']);

    const relay = await httpRelay(ts.endpoint);
    try {
      let n = 0;
      for await (const _ of ts.client({ endpoint: relay.url }).items(pk, { pageSize: 2 })) if (++n === 3) break;
      assert.equal(relay.requests, 2);
    } finally {
      await relay.close();
    }
  });
});

describe('partitions()', () => {
  it('walks the index page by page with counters, prefix and reverse', async () => {
    const { bucket } = await ts.createBucket();
    const pks = Array.from({ length: 11 }, (_, i) => `part-${String(i).padStart(2, '0')}`);
    await ts.client({ bucket }).insertBatch([...pks.map((pk, i) => ({ pk, sk: 's', value: 'x'.repeat(i) })), { pk: 'zzz', sk: 's', value: '' }]);
    const relay = await httpRelay(ts.endpoint);
    try {
      const k2v = ts.client({ endpoint: relay.url, bucket });
      const all = await collect(k2v.partitions({ prefix: 'part-', pageSize: 3 }));
      assert.deepEqual(all.map((p) => p.pk), pks);
      assert.deepEqual(all.map((p) => p.bytes), pks.map((_, i) => i));
      assert.equal(relay.requests, 4);
      const rev = await collect(k2v.partitions({ reverse: true, pageSize: 5 }));
      assert.deepEqual(rev.map((p) => p.pk), ['zzz', ...[...pks].reverse()]);
    } finally {
      await relay.close();
    }
  });
});
