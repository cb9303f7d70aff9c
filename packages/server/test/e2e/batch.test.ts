/**
 * Batch endpoints against a real server (contract section 9): InsertBatch, ReadBatch (POST ?search
 * and SEARCH), DeleteBatch, including unlimited reads over 100 000 items.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { testWorkers } from '../support/worker-cluster.js';
import {
  b64,
  dumpBucket,
  expectError,
  insertBatch,
  makeToken,
  putItem,
  readBatch,
  readIndex,
  readItem,
  uniquePk,
  useTestServer,
  type BatchEntry,
  type ReadBatchResult,
} from './harness.js';

/** Values compared as a set when several workers (nodes) wrote them (see the call). */
function comparableSiblings(values: readonly (string | null)[] | undefined): (string | null)[] | undefined {
  return values === undefined || testWorkers() === 1 ? values?.slice() : [...values].sort();
}

const ts = useTestServer();

const READ_FIELDS = [
  'partitionKey',
  'prefix',
  'start',
  'end',
  'limit',
  'reverse',
  'singleItem',
  'conflictsOnly',
  'tombstones',
  'items',
  'more',
  'nextStart',
];
const DELETE_FIELDS = ['partitionKey', 'prefix', 'start', 'end', 'singleItem', 'deletedItems'];

const post = (query: string, body: unknown) =>
  ts.request({ method: 'POST', path: `/${ts.bucket}${query}`, body: typeof body === 'string' ? body : JSON.stringify(body) });

const values = (r: ReadBatchResult) => r.items.map((i) => [i.sk, i.v.map((v) => (v === null ? null : Buffer.from(v, 'base64').toString()))]);

describe('InsertBatch', () => {
  it('writes values, tombstones for omitted or null v, and honours ct', async () => {
    const pk = uniquePk('ib');
    const res = await post('', [
      { pk, sk: 'a', ct: null, v: b64('va') },
      { pk, sk: 'b', v: b64('vb') },
      { pk, sk: 'c' },
      { pk, sk: 'd', v: null },
      { pk, sk: 'e', ct: null, v: '' },
    ]);
    assert.equal(res.status, 204, res.text());
    assert.equal(res.body.length, 0);
    assert.deepEqual((await readItem(ts, pk, 'a'))?.values, ['va']);
    assert.deepEqual((await readItem(ts, pk, 'b'))?.values, ['vb']);
    assert.deepEqual((await readItem(ts, pk, 'c'))?.values, [null]);
    assert.deepEqual((await readItem(ts, pk, 'd'))?.values, [null]);
    assert.deepEqual((await readItem(ts, pk, 'e'))?.values, ['']);

    const a = await readItem(ts, pk, 'a');
    await insertBatch(ts, [
      { pk, sk: 'a', ct: a!.ct, v: b64('va2') },
      { pk, sk: 'b', v: b64('vb2') },
    ]);
    assert.deepEqual((await readItem(ts, pk, 'a'))?.values, ['va2']);
    // Two nodes (K2V_TEST_WORKERS) list siblings in node-id order, not in write order.
    assert.deepEqual(comparableSiblings((await readItem(ts, pk, 'b'))?.values), ['vb', 'vb2']);
  });

  it('two token-less entries for one item leave two values; entries apply in order', async () => {
    const pk = uniquePk('ib2');
    await insertBatch(ts, [
      { pk, sk: 'x', v: b64('one') },
      { pk, sk: 'x', v: b64('two') },
    ]);
    assert.deepEqual((await readItem(ts, pk, 'x'))?.values, ['one', 'two']);
  });

  it('unknown fields are ignored', async () => {
    const pk = uniquePk('ib3');
    await insertBatch(ts, [{ pk, sk: 'u', v: b64('ok'), extra: 1, nested: { a: [1] } } as BatchEntry]);
    assert.deepEqual((await readItem(ts, pk, 'u'))?.values, ['ok']);
  });

  it('a chunked body is read whole', async () => {
    const pk = uniquePk('ibchunk');
    const entries = Array.from({ length: 500 }, (_, i) => ({ pk, sk: `k${String(i).padStart(3, '0')}`, v: b64(`v${i}`) }));
    const res = await ts.request({ method: 'POST', path: `/${ts.bucket}`, body: JSON.stringify(entries), chunkBytes: 777 });
    assert.equal(res.status, 204, res.text());
    const [q] = await readBatch(ts, [{ partitionKey: pk }]);
    assert.equal(q!.items.length, 500);
  });

  it('an empty array is accepted', async () => {
    const res = await post('', []);
    assert.equal(res.status, 204, res.text());
  });

  it('one bad ct -> 400 CausalityToken and nothing is written', async () => {
    const pk = uniquePk('ibatomic');
    await putItem(ts, pk, 'existing', 'old');
    const before = await dumpBucket(ts);
    const res = await post('', [
      { pk, sk: 'new1', v: b64('x') },
      { pk, sk: 'existing', v: b64('y') },
      { pk, sk: 'new2', ct: 'tra$h', v: b64('z') },
    ]);
    expectError(res, 400, 'CausalityToken', `/${ts.bucket}`);
    assert.deepEqual(await dumpBucket(ts), before);
    const bad2 = await post('', [
      { pk, sk: 'new1', v: b64('x') },
      { pk, sk: 'new3', ct: makeToken([[5n, 6n]], 7n), v: b64('z') },
    ]);
    expectError(bad2, 400, 'CausalityToken', `/${ts.bucket}`);
    assert.deepEqual(await dumpBucket(ts), before);
  });

  for (const [bad, why] of [
    ['aGVsbG8sIHdvcmx$Cg==', 'invalid character'],
    ['aGk', 'missing padding'],
    ['aGk=x', 'junk after padding'],
    ['-_8=', 'url-safe alphabet'],
    ['aGl=', 'non-canonical trailing bits'],
  ]) {
    it(`bad base64 ${JSON.stringify(bad)} (${why}) -> 400 InvalidRequest, nothing written`, async () => {
      const pk = uniquePk('ibb64');
      const before = await dumpBucket(ts);
      const res = await post('', [
        { pk, sk: 'good', v: b64('fine') },
        { pk, sk: 'bad', v: bad },
      ]);
      expectError(res, 400, 'InvalidRequest', `/${ts.bucket}`);
      assert.deepEqual(await dumpBucket(ts), before);
      assert.equal(await readItem(ts, pk, 'good'), undefined);
    });
  }
});

describe('ReadBatch', () => {
  let pk: string;
  before(async () => {
    pk = uniquePk('rb');
    await insertBatch(ts, [
      { pk, sk: 'a', v: b64('A') },
      { pk, sk: 'b', v: b64('B') },
      { pk, sk: 'c', v: b64('C1') },
      { pk, sk: 'c', v: b64('C2') },
      { pk, sk: 'd.1', v: b64('D1') },
      { pk, sk: 'd.2' },
      { pk, sk: 'e', v: b64('E') },
    ]);
    // 'f': a value and a concurrent tombstone: in conflict, not tombstone-only
    await insertBatch(ts, [{ pk, sk: 'f', v: b64('F') }, { pk, sk: 'f' }]);
  });

  it('POST ?search: fields in contract order, defaults echoed, tombstone-only items skipped', async () => {
    const res = await post('?search', [{ partitionKey: pk }]);
    assert.equal(res.status, 200, res.text());
    assert.equal(res.headers['content-type'], 'application/json');
    const body = res.json<Record<string, unknown>[]>();
    assert.equal(body.length, 1);
    assert.deepEqual(Object.keys(body[0]!), READ_FIELDS);
    const q = body[0] as unknown as ReadBatchResult;
    assert.deepEqual(
      { ...q, items: undefined },
      {
        partitionKey: pk,
        prefix: null,
        start: null,
        end: null,
        limit: null,
        reverse: false,
        singleItem: false,
        conflictsOnly: false,
        tombstones: false,
        items: undefined,
        more: false,
        nextStart: null,
      },
    );
    for (const item of q.items) assert.deepEqual(Object.keys(item), ['sk', 'ct', 'v']);
    assert.deepEqual(values(q), [
      ['a', ['A']],
      ['b', ['B']],
      ['c', ['C1', 'C2']],
      ['d.1', ['D1']],
      ['e', ['E']],
      ['f', ['F', null]],
    ]);
    // each item's ct is the one ReadItem gives
    assert.equal(q.items[0]!.ct, (await readItem(ts, pk, 'a'))!.ct);
  });

  it('null optional fields are absent and echoed as null', async () => {
    const [q] = await readBatch(ts, [{ partitionKey: pk, prefix: null, start: null, end: null, limit: null }]);
    assert.deepEqual([q!.prefix, q!.start, q!.end, q!.limit, q!.more], [null, null, null, null, false]);
    assert.equal(q!.items.length, 6);
  });

  it('SEARCH /<b> is the same endpoint', async () => {
    const viaPost = await post('?search', [{ partitionKey: pk, prefix: 'd' }]);
    const viaSearch = await ts.request({ method: 'SEARCH', path: `/${ts.bucket}`, body: JSON.stringify([{ partitionKey: pk, prefix: 'd' }]) });
    assert.equal(viaSearch.status, 200, viaSearch.text());
    assert.deepEqual(viaSearch.json(), viaPost.json());
    // a keyword with a value still counts (section 3)
    const viaValue = await post('?search=anything', [{ partitionKey: pk, prefix: 'd' }]);
    assert.deepEqual(viaValue.json(), viaPost.json());
  });

  it('echoes the query parameters as given', async () => {
    const [q] = await readBatch(ts, [
      { partitionKey: pk, prefix: 'd', start: 'd.2', end: 'e', limit: 5, reverse: false, conflictsOnly: false, tombstones: true },
    ]);
    assert.deepEqual(
      { ...q!, items: undefined },
      {
        partitionKey: pk,
        prefix: 'd',
        start: 'd.2',
        end: 'e',
        limit: 5,
        reverse: false,
        singleItem: false,
        conflictsOnly: false,
        tombstones: true,
        items: undefined,
        more: false,
        nextStart: null,
      },
    );
    assert.deepEqual(values(q!), [['d.2', [null]]]);
  });

  it('tombstones: true includes tombstone-only items; conflictsOnly keeps items in conflict', async () => {
    const [all, conflicts, both] = await readBatch(ts, [
      { partitionKey: pk, tombstones: true },
      { partitionKey: pk, conflictsOnly: true },
      { partitionKey: pk, conflictsOnly: true, tombstones: true },
    ]);
    assert.deepEqual(all!.items.map((i) => i.sk), ['a', 'b', 'c', 'd.1', 'd.2', 'e', 'f']);
    assert.deepEqual(conflicts!.items.map((i) => i.sk), ['c', 'f']);
    assert.deepEqual(both!.items.map((i) => i.sk), ['c', 'f']);
  });

  it('filters apply before the limit', async () => {
    const [q] = await readBatch(ts, [{ partitionKey: pk, conflictsOnly: true, limit: 1 }]);
    assert.deepEqual(q!.items.map((i) => i.sk), ['c']);
    assert.equal(q!.more, true);
    assert.equal(q!.nextStart, 'f');
    const [r] = await readBatch(ts, [{ partitionKey: pk, start: 'd.1', limit: 1 }]);
    assert.deepEqual(r!.items.map((i) => i.sk), ['d.1']);
    assert.equal(r!.nextStart, 'e', 'd.2 is tombstone-only and must be skipped');
  });

  it('singleItem returns the one item, with filters, and [] when missing', async () => {
    const res = await readBatch(ts, [
      { partitionKey: pk, singleItem: true, start: 'c' },
      { partitionKey: pk, singleItem: true, start: 'd.2' },
      { partitionKey: pk, singleItem: true, start: 'd.2', tombstones: true },
      { partitionKey: pk, singleItem: true, start: 'a', conflictsOnly: true },
      { partitionKey: pk, singleItem: true, start: 'zzz' },
      { partitionKey: pk, singleItem: true, start: 'b', reverse: false },
      { partitionKey: uniquePk('nowhere'), singleItem: true, start: 'a' },
      { partitionKey: pk, singleItem: true, start: '' },
    ]);
    assert.deepEqual(res.map(values), [
      [['c', ['C1', 'C2']]],
      [],
      [['d.2', [null]]],
      [],
      [],
      [['b', ['B']]],
      [],
      [],
    ]);
    for (const q of res) {
      assert.equal(q.singleItem, true);
      assert.equal(q.more, false);
      assert.equal(q.nextStart, null);
    }
  });

  it('many singleItem queries among range queries: each answered as if asked alone', async () => {
    // More than one store call's worth of point reads (read-batch.ts reads them in runs of 32),
    // runs broken by range queries, and a run that ends the batch.
    const sks = ['a', 'b', 'c', 'd.1', 'd.2', 'e', 'f', 'zzz', ''];
    const queries: Record<string, unknown>[] = [];
    for (let i = 0; i < 90; i++) {
      if (i % 37 === 36) queries.push({ partitionKey: pk, prefix: 'd', tombstones: i % 2 === 0 });
      else queries.push({ partitionKey: i % 11 === 5 ? uniquePk('none') : pk, singleItem: true, start: sks[i % sks.length], tombstones: i % 3 === 0, conflictsOnly: i % 7 === 0 });
    }
    const together = await readBatch(ts, queries);
    assert.equal(together.length, queries.length);
    const alone = await Promise.all(queries.map(async (q) => (await readBatch(ts, [q]))[0]!));
    assert.deepEqual(together, alone);
    assert.ok(together.filter((q) => q.items.length > 0).length >= 40, 'most queries find an item');
  });

  it('singleItem with an empty sort key addresses the empty key', async () => {
    const p = uniquePk('emptysk');
    await insertBatch(ts, [{ pk: p, sk: '', v: b64('empty key') }, { pk: p, sk: 'a', v: b64('a') }]);
    const [one, all] = await readBatch(ts, [
      { partitionKey: p, singleItem: true, start: '' },
      { partitionKey: p },
    ]);
    assert.deepEqual(values(one!), [['', ['empty key']]]);
    assert.deepEqual(values(all!), [['', ['empty key']], ['a', ['a']]]);
  });

  const badSingle: [string, Record<string, unknown>][] = [
    ['without start', {}],
    ['with prefix', { start: 'a', prefix: 'a' }],
    ['with end', { start: 'a', end: 'b' }],
    ['with limit', { start: 'a', limit: 1 }],
    ['with reverse: true', { start: 'a', reverse: true }],
  ];
  for (const [why, extra] of badSingle) {
    it(`singleItem ${why} -> 400 InvalidRequest`, async () => {
      const res = await post('?search', [{ partitionKey: pk, singleItem: true, ...extra }]);
      expectError(res, 400, 'InvalidRequest', `/${ts.bucket}`);
    });
  }

  it('one bad query fails the whole request', async () => {
    const res = await post('?search', [{ partitionKey: pk }, { partitionKey: pk, prefix: 'a', start: 'b' }]);
    expectError(res, 400, 'InvalidRequest', `/${ts.bucket}`);
    const res2 = await post('?search', [{ partitionKey: pk }, { prefix: 'a' }]);
    expectError(res2, 400, 'InvalidRequest', `/${ts.bucket}`);
  });

  it('an empty array gives an empty array; a missing partition gives items: []', async () => {
    const empty = await post('?search', []);
    assert.equal(empty.status, 200);
    assert.deepEqual(empty.json(), []);
    const [q] = await readBatch(ts, [{ partitionKey: uniquePk('void') }]);
    assert.deepEqual(q!.items, []);
    assert.equal(q!.more, false);
  });
});

describe('DeleteBatch', () => {
  it('answers one object per query with contract fields and counts', async () => {
    const pk = uniquePk('db');
    await insertBatch(ts, [
      { pk, sk: 'a', v: b64('1') },
      { pk, sk: 'b', v: b64('2') },
      { pk, sk: 'c', v: b64('3') },
      { pk, sk: 'd.1', v: b64('4') },
      { pk, sk: 'd.2', v: b64('5') },
      { pk, sk: 'd.3' },
      { pk, sk: 'e', v: b64('6') },
    ]);
    const res = await post('?delete', [
      { partitionKey: pk, start: 'a', end: 'c' },
      { partitionKey: pk, prefix: 'd' },
      { partitionKey: pk, singleItem: true, start: 'e' },
      { partitionKey: pk, singleItem: true, start: 'missing' },
    ]);
    assert.equal(res.status, 200, res.text());
    assert.equal(res.headers['content-type'], 'application/json');
    const body = res.json<Record<string, unknown>[]>();
    for (const q of body) assert.deepEqual(Object.keys(q), DELETE_FIELDS);
    assert.deepEqual(body, [
      { partitionKey: pk, prefix: null, start: 'a', end: 'c', singleItem: false, deletedItems: 2 },
      { partitionKey: pk, prefix: 'd', start: null, end: null, singleItem: false, deletedItems: 2 },
      { partitionKey: pk, prefix: null, start: 'e', end: null, singleItem: true, deletedItems: 1 },
      { partitionKey: pk, prefix: null, start: 'missing', end: null, singleItem: true, deletedItems: 0 },
    ]);
    const [live, all] = await readBatch(ts, [{ partitionKey: pk }, { partitionKey: pk, tombstones: true }]);
    assert.deepEqual(values(live!), [['c', ['3']]]);
    assert.deepEqual(values(all!), [
      ['a', [null]],
      ['b', [null]],
      ['c', ['3']],
      ['d.1', [null]],
      ['d.2', [null]],
      ['d.3', [null]],
      ['e', [null]],
    ]);
    // deleting again finds nothing that is not already tombstone-only
    const again = await post('?delete', [{ partitionKey: pk, start: 'a', end: 'c' }]);
    assert.equal(again.json<{ deletedItems: number }[]>()[0]!.deletedItems, 0);
  });

  it('deletes items in conflict with a single tombstone (their own context)', async () => {
    const pk = uniquePk('dbconf');
    await insertBatch(ts, [{ pk, sk: 'x', v: b64('1') }, { pk, sk: 'x', v: b64('2') }]);
    const res = await post('?delete', [{ partitionKey: pk }]);
    assert.equal(res.json<{ deletedItems: number }[]>()[0]!.deletedItems, 1);
    assert.deepEqual((await readItem(ts, pk, 'x'))?.values, [null]);
  });

  it('limit, reverse, tombstones, conflictsOnly are ignored', async () => {
    const pk = uniquePk('dbign');
    await insertBatch(ts, [{ pk, sk: 'a', v: b64('1') }, { pk, sk: 'b', v: b64('2') }, { pk, sk: 'c', v: b64('3') }]);
    const res = await post('?delete', [{ partitionKey: pk, limit: 1, reverse: true, conflictsOnly: true, tombstones: false }]);
    assert.equal(res.status, 200, res.text());
    assert.deepEqual(res.json(), [{ partitionKey: pk, prefix: null, start: null, end: null, singleItem: false, deletedItems: 3 }]);
  });

  it('ignored fields are not type-checked (as Garage, whose DeleteBatch query has no such fields)', async () => {
    const pk = uniquePk('dbign2');
    await insertBatch(ts, [{ pk, sk: 'a', v: b64('1') }]);
    const res = await post('?delete', [{ partitionKey: pk, limit: 'x', reverse: 'yes', tombstones: 3, conflictsOnly: null }]);
    assert.equal(res.status, 200, res.text());
    assert.equal(res.json<{ deletedItems: number }[]>()[0]!.deletedItems, 1);
  });

  const badDeletes: [string, Record<string, unknown>][] = [
    ['singleItem without start', { singleItem: true }],
    ['singleItem with prefix', { singleItem: true, start: 'a', prefix: 'a' }],
    ['singleItem with end', { singleItem: true, start: 'a', end: 'b' }],
    ['start outside prefix', { prefix: 'a', start: 'b' }],
  ];
  for (const [why, q] of badDeletes) {
    it(`${why}: every query is validated before anything is deleted (400)`, async () => {
      const pk = uniquePk('dbval');
      await insertBatch(ts, [{ pk, sk: 'a', v: b64('1') }, { pk, sk: 'b', v: b64('2') }]);
      const before = await dumpBucket(ts);
      const res = await post('?delete', [{ partitionKey: pk }, { partitionKey: pk, ...q }]);
      expectError(res, 400, 'InvalidRequest', `/${ts.bucket}`);
      assert.deepEqual(await dumpBucket(ts), before);
    });
  }

  it('a query without partitionKey fails the whole batch, nothing deleted', async () => {
    const pk = uniquePk('dbnopk');
    await insertBatch(ts, [{ pk, sk: 'a', v: b64('1') }]);
    const before = await dumpBucket(ts);
    expectError(await post('?delete', [{ partitionKey: pk }, { prefix: 'a' }]), 400, 'InvalidRequest');
    assert.deepEqual(await dumpBucket(ts), before);
  });
});

describe('large ranges', () => {
  it('an unlimited ReadBatch returns all 100 000 items in order', { timeout: 120_000 }, async () => {
    const pk = uniquePk('big');
    const total = 100_000;
    const key = (i: number) => `item-${String(i).padStart(6, '0')}`;
    const chunk = 5_000;
    // Insert in shuffled chunk order so that storage order is not insertion order.
    const starts = Array.from({ length: total / chunk }, (_, i) => i * chunk).reverse();
    for (const s of starts) {
      const entries: BatchEntry[] = [];
      for (let i = s; i < s + chunk; i++) entries.push({ pk, sk: key(i), v: b64(`v${i}`) });
      await insertBatch(ts, entries);
    }
    const res = await post('?search', [{ partitionKey: pk }]);
    assert.equal(res.status, 200);
    const [q] = res.json<ReadBatchResult[]>();
    assert.equal(q!.items.length, total);
    assert.equal(q!.more, false);
    assert.equal(q!.nextStart, null);
    for (let i = 0; i < total; i++) {
      const item = q!.items[i]!;
      if (item.sk !== key(i) || item.v.length !== 1 || item.v[0] !== b64(`v${i}`)) {
        assert.fail(`item ${i}: ${JSON.stringify(item)}`);
      }
    }
    const idx = await readIndex(ts, `prefix=${encodeURIComponent(pk)}`);
    let bytes = 0;
    for (let i = 0; i < total; i++) bytes += `v${i}`.length;
    assert.deepEqual(idx.partitionKeys, [{ pk, entries: total, conflicts: 0, values: total, bytes }]);
  });

  it('an unlimited ReadBatch reads one snapshot: an InsertBatch committed mid-stream is not seen', { timeout: 120_000 }, async () => {
    const pk = uniquePk('snapshot');
    const total = 50_000;
    const key = (i: number) => `s${String(i).padStart(6, '0')}`;
    for (let s = 0; s < total; s += 5_000) {
      const entries: BatchEntry[] = [];
      for (let i = s; i < s + 5_000; i++) entries.push({ pk, sk: key(i), v: b64(`old value ${i}`) });
      await insertBatch(ts, entries);
    }
    const tail = Array.from({ length: 5_000 }, (_, i) => key(total - 5_000 + i));
    let wroteMidStream = false;
    const res = await ts.request({
      method: 'POST',
      path: `/${ts.bucket}?search`,
      body: JSON.stringify([{ partitionKey: pk }]),
      // The response has begun, so its snapshot is older than this write; reading is paused so
      // the rest of the stream is produced after the write commits.
      onFirstChunk: async () => {
        await insertBatch(ts, tail.map((sk) => ({ pk, sk, v: b64('new') })));
        wroteMidStream = true;
      },
    });
    assert.equal(res.status, 200);
    assert.ok(wroteMidStream);
    const [q] = res.json<ReadBatchResult[]>();
    assert.equal(q!.items.length, total);
    const changed = q!.items.filter((i) => i.v.length !== 1).length;
    assert.equal(changed, 0, `${changed} items show a write committed after the response began`);
    const [now] = await readBatch(ts, [{ partitionKey: pk, start: tail[0] }]);
    assert.equal(now!.items.filter((i) => i.v.length === 2).length, 5_000);
  });

  it('a DeleteBatch over 10 000 items empties the partition in the index', { timeout: 60_000 }, async () => {
    const pk = uniquePk('bigdel');
    const total = 10_000;
    const entries: BatchEntry[] = [];
    for (let i = 0; i < total; i++) entries.push({ pk, sk: `k${String(i).padStart(5, '0')}`, v: b64('x') });
    await insertBatch(ts, entries);
    const before = await readIndex(ts, `prefix=${encodeURIComponent(pk)}`);
    assert.deepEqual(before.partitionKeys, [{ pk, entries: total, conflicts: 0, values: total, bytes: total }]);
    const res = await post('?delete', [{ partitionKey: pk }]);
    assert.equal(res.status, 200, res.text());
    assert.equal(res.json<{ deletedItems: number }[]>()[0]!.deletedItems, total);
    const afterIdx = await readIndex(ts, `prefix=${encodeURIComponent(pk)}`);
    assert.deepEqual(afterIdx.partitionKeys, []);
    const [q] = await readBatch(ts, [{ partitionKey: pk }, { partitionKey: pk, tombstones: true, limit: 3 }]);
    assert.deepEqual(q!.items, []);
  });
});
