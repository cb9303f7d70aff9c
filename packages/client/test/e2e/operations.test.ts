/** The nine operations against a real server: each one's effect, read back through the others. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EMPTY_TOKEN, K2vError, causalityToken, isLive, json, text } from 'k2v-client';
import { str, uniquePk, useServer } from '../support/server.js';

const ts = useServer();

describe('single items', () => {
  it('insertItem then readItem gives the value and a token; a never-written item is undefined', async () => {
    const k2v = ts.client();
    const pk = uniquePk('single');
    assert.equal(await k2v.readItem(pk, 'nothing'), undefined);
    await k2v.insertItem(pk, 'a', 'hello');
    const item = await k2v.readItem(pk, 'a');
    assert.ok(item);
    assert.deepEqual(item.values.map(str), ['hello']);
    assert.match(item.token, /^[A-Za-z0-9_-]+$/);
  });

  it('bytes go through unchanged, every byte value and the empty value', async () => {
    const k2v = ts.client();
    const pk = uniquePk('bytes');
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    await k2v.insertItem(pk, 'all', all);
    await k2v.insertItem(pk, 'empty', new Uint8Array(0));
    assert.deepEqual((await k2v.readItem(pk, 'all'))?.values, [all]);
    assert.deepEqual((await k2v.readItem(pk, 'empty'))?.values, [new Uint8Array(0)]);
  });

  it('a write with the token replaces; writes without it add siblings; one with the latest token resolves them', async () => {
    const k2v = ts.client();
    const pk = uniquePk('siblings');
    await k2v.insertItem(pk, 'k', 'v1');
    const first = await k2v.readItem(pk, 'k');
    await k2v.insertItem(pk, 'k', 'v2', first!.token);
    assert.deepEqual((await k2v.readItem(pk, 'k'))?.values.map(str), ['v2']);

    const before = await k2v.readItem(pk, 'k');
    await k2v.insertItem(pk, 'k', 'left', before!.token);
    await k2v.insertItem(pk, 'k', 'right', before!.token);
    const both = await k2v.readItem(pk, 'k');
    assert.deepEqual(both?.values.map(str).sort(), ['left', 'right']);

    await k2v.insertItem(pk, 'k', 'merged', both!.token);
    assert.deepEqual((await k2v.readItem(pk, 'k'))?.values.map(str), ['merged']);
  });

  it('deleteItem with the token leaves one tombstone; without a token the value stays beside it', async () => {
    const k2v = ts.client();
    const pk = uniquePk('delete');
    await k2v.insertItem(pk, 'k', 'v');
    const item = await k2v.readItem(pk, 'k');
    await k2v.deleteItem(pk, 'k', item!.token);
    assert.deepEqual((await k2v.readItem(pk, 'k'))?.values, [null]);

    await k2v.insertItem(pk, 'j', 'kept');
    await k2v.deleteItem(pk, 'j');
    const j = await k2v.readItem(pk, 'j');
    assert.deepEqual(j?.values.map(str).sort((a, b) => String(a).localeCompare(String(b))), ['kept', null]);
    assert.deepEqual(j?.values.filter(isLive).map(text), ['kept']);
  });

  it('keys with spaces, slashes, percent signs, plus signs, dots and non-ASCII are addressed exactly', async () => {
    const k2v = ts.client();
    const odd = [' a b ', 'a/b', '/lead', '100%', 'x+y', 'é€😀', '?&=#', '...', '.a', 'a..', "!'()*"];
    for (const [i, pk] of odd.entries()) {
      const sk = odd[(i + 3) % odd.length]!;
      await k2v.insertItem(pk, sk, `v${i}`);
      assert.deepEqual((await k2v.readItem(pk, sk))?.values.map(str), [`v${i}`], `${pk} / ${sk}`);
      const [r] = await k2v.readBatch([{ partitionKey: pk, start: sk, singleItem: true }]);
      assert.equal(r?.items[0]?.sk, sk, 'the sort key the server stored');
    }
    const index = await k2v.readIndex();
    for (const pk of odd) assert.ok(index.partitionKeys.some((p) => p.pk === pk), `index holds ${JSON.stringify(pk)}`);
  });

  it('keys the single-item endpoints cannot carry ("" and "." / ".." partitions, "" sort key) go through the batch endpoints', async () => {
    const k2v = ts.client({ bucket: (await ts.createBucket()).bucket });
    for (const [pk, sk] of [['', 'x'], ['.', 'x'], ['..', 'x'], ['p', '']] as const) {
      assert.equal(await k2v.readItem(pk, sk), undefined);
      await k2v.insertItem(pk, sk, 'one');
      const item = await k2v.readItem(pk, sk);
      assert.deepEqual(item?.values.map(str), ['one'], `${pk}/${sk}`);
      await k2v.insertItem(pk, sk, 'two', item!.token);
      const two = await k2v.readItem(pk, sk);
      assert.deepEqual(two?.values.map(str), ['two']);
      await k2v.deleteItem(pk, sk, two!.token);
      assert.deepEqual((await k2v.readItem(pk, sk))?.values, [null]);
      const [r] = await k2v.readBatch([{ partitionKey: pk, tombstones: true }]);
      assert.deepEqual(r?.items.map((i) => i.sk), [sk], 'stored under exactly these keys');
    }
    await assert.rejects(k2v.pollItem('.', 'x', EMPTY_TOKEN), (e: unknown) => e instanceof K2vError && e.code === 'InvalidArgument');
  });

  it('text and json read values back', async () => {
    const k2v = ts.client();
    const pk = uniquePk('json');
    await k2v.insertItem(pk, 'doc', JSON.stringify({ tags: ['été', 'sea'] }));
    const item = await k2v.readItem(pk, 'doc');
    assert.deepEqual(json(item!.values[0]!), { tags: ['été', 'sea'] });
  });
});

describe('polls', () => {
  it('pollItem answers at once when the token is old, and on the first write of a never-written item', async () => {
    const k2v = ts.client();
    const pk = uniquePk('poll');
    await k2v.insertItem(pk, 'k', 'v1');
    const t1 = (await k2v.readItem(pk, 'k'))!.token;
    await k2v.insertItem(pk, 'k', 'v2', t1);
    const changed = await k2v.pollItem(pk, 'k', t1, { timeoutSeconds: 5 });
    assert.deepEqual(changed?.values.map(str), ['v2']);

    const waiting = k2v.pollItem(pk, 'new', EMPTY_TOKEN, { timeoutSeconds: 30 });
    await ts.client().insertItem(pk, 'new', 'first');
    assert.deepEqual((await waiting)?.values.map(str), ['first']);
  });

  it('pollItem gives undefined when its timeout goes by without a change', async () => {
    const k2v = ts.client();
    const pk = uniquePk('poll-timeout');
    await k2v.insertItem(pk, 'k', 'v');
    const item = (await k2v.readItem(pk, 'k'))!;
    assert.equal(await k2v.pollItem(pk, 'k', item.token, { timeoutSeconds: 1 }), undefined);
  });

  it('pollRange: the whole range and a marker first, then only what changed, undefined on timeout', async () => {
    const k2v = ts.client();
    const pk = uniquePk('poll-range');
    await k2v.insertBatch([
      { pk, sk: 'a1', value: '1' },
      { pk, sk: 'a2', value: '2' },
      { pk, sk: 'b1', value: 'other' },
    ]);
    const first = await k2v.pollRange(pk, { prefix: 'a' });
    assert.ok(first);
    assert.deepEqual(first.items.map((i) => [i.sk, str(i.values[0])]), [['a1', '1'], ['a2', '2']]);

    assert.equal(await k2v.pollRange(pk, { prefix: 'a', seenMarker: first.seenMarker }, { timeoutSeconds: 1 }), undefined);

    const waiting = k2v.pollRange(pk, { prefix: 'a', seenMarker: first.seenMarker }, { timeoutSeconds: 30 });
    await ts.client().insertItem(pk, 'a2', 'changed', first.items[1]!.token);
    const next = await waiting;
    assert.deepEqual(next?.items.map((i) => [i.sk, i.values.map(str)]), [['a2', ['changed']]]);
    assert.notEqual(next?.seenMarker, first.seenMarker);
  });
});

describe('index and batches', () => {
  it('readIndex lists partitions with counters, honours prefix/limit/reverse and pages with nextStart', async () => {
    const { bucket } = await ts.createBucket();
    const k2v = ts.client({ bucket });
    await k2v.insertBatch([
      { pk: 'p1', sk: 'a', value: 'xx' },
      { pk: 'p1', sk: 'b', value: 'yyy' },
      { pk: 'p2', sk: 'a', value: 'z' },
      { pk: 'p2', sk: 'a', value: 'w' },
      { pk: 'q1', sk: 'a', value: '' },
    ]);
    const all = await k2v.readIndex();
    assert.deepEqual(all.partitionKeys, [
      { pk: 'p1', entries: 2, conflicts: 0, values: 2, bytes: 5 },
      { pk: 'p2', entries: 1, conflicts: 1, values: 2, bytes: 2 },
      { pk: 'q1', entries: 1, conflicts: 0, values: 1, bytes: 0 },
    ]);
    const page = await k2v.readIndex({ prefix: 'p', limit: 1 });
    assert.deepEqual([page.partitionKeys.map((p) => p.pk), page.more, page.nextStart], [['p1'], true, 'p2']);
    assert.equal(page.prefix, 'p');
    assert.equal(page.limit, 1);
    const rev = await k2v.readIndex({ reverse: true, end: 'p1' });
    assert.deepEqual(rev.partitionKeys.map((p) => p.pk), ['q1', 'p2']);
    const ranged = await k2v.readIndex({ start: 'p2', end: 'q1' });
    assert.deepEqual(ranged.partitionKeys.map((p) => p.pk), ['p2']);
  });

  it('insertBatch writes values, tombstones and token-carrying writes; readBatch reads ranges with filters', async () => {
    const k2v = ts.client();
    const pk = uniquePk('batch');
    await k2v.insertBatch([
      { pk, sk: 'a', value: 'A' },
      { pk, sk: 'b', value: new Uint8Array([0, 255]) },
      { pk, sk: 'c', value: 'C1' },
      { pk, sk: 'c', value: 'C2' },
      { pk, sk: 'd', value: null },
    ]);
    const [all, conflicts, withTombstones, one, page] = await k2v.readBatch([
      { partitionKey: pk },
      { partitionKey: pk, conflictsOnly: true },
      { partitionKey: pk, tombstones: true, reverse: true },
      { partitionKey: pk, start: 'b', singleItem: true },
      { partitionKey: pk, limit: 2 },
    ]);
    assert.deepEqual(all?.items.map((i) => i.sk), ['a', 'b', 'c']);
    assert.deepEqual(all?.items[1]?.values, [new Uint8Array([0, 255])]);
    assert.deepEqual(conflicts?.items.map((i) => [i.sk, i.values.map(str).sort()]), [['c', ['C1', 'C2']]]);
    assert.deepEqual(withTombstones?.items.map((i) => i.sk), ['d', 'c', 'b', 'a']);
    assert.deepEqual(withTombstones?.items[0]?.values, [null]);
    assert.equal(one?.singleItem, true);
    assert.deepEqual(one?.items.map((i) => i.sk), ['b']);
    assert.deepEqual([page?.items.map((i) => i.sk), page?.more, page?.nextStart], [['a', 'b'], true, 'c']);

    const c = conflicts!.items[0]!;
    await k2v.insertBatch([{ pk, sk: 'c', value: 'C', token: c.token }]);
    assert.deepEqual((await k2v.readItem(pk, 'c'))?.values.map(str), ['C']);
  });

  it('deleteBatch deletes ranges and single items and counts them', async () => {
    const k2v = ts.client();
    const pk = uniquePk('delete-batch');
    await k2v.insertBatch(['a1', 'a2', 'a3', 'b1', 'c1'].map((sk) => ({ pk, sk, value: sk })));
    const res = await k2v.deleteBatch([
      { partitionKey: pk, prefix: 'a' },
      { partitionKey: pk, start: 'c1', singleItem: true },
    ]);
    assert.deepEqual(res.map((r) => r.deletedItems), [3, 1]);
    assert.equal(res[0]?.prefix, 'a');
    const [left] = await k2v.readBatch([{ partitionKey: pk }]);
    assert.deepEqual(left?.items.map((i) => i.sk), ['b1']);
    assert.deepEqual((await k2v.readItem(pk, 'a2'))?.values, [null]);
  });

  it('a token kept as text works once made a CausalityToken again', async () => {
    const k2v = ts.client();
    const pk = uniquePk('token-text');
    await k2v.insertItem(pk, 'k', 'v1');
    const saved: string = (await k2v.readItem(pk, 'k'))!.token;
    await k2v.insertItem(pk, 'k', 'v2', causalityToken(saved));
    assert.deepEqual((await k2v.readItem(pk, 'k'))?.values.map(str), ['v2']);
  });
});
