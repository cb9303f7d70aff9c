/**
 * Range semantics (contract section 8) of ReadBatch and ReadIndex against a real server, compared
 * with a reference computed here from the inserted keys in UTF-8 byte order.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  b64,
  createBucket,
  enc,
  expectError,
  insertBatch,
  uniquePk,
  useTestServer,
  type ReadBatchResult,
  type ReadIndexResult,
} from './harness.js';

const ts = useTestServer();

interface RangeQuery {
  prefix?: string;
  start?: string;
  end?: string;
  limit?: number;
  reverse?: boolean;
}

interface RangeResult {
  keys: string[];
  more: boolean;
  nextStart: string | null;
}

const byteCmp = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** Contract section 8, written from the text, over an in-memory key list. */
function reference(allKeys: string[], q: RangeQuery): RangeResult {
  const sorted = [...allKeys].sort(byteCmp);
  const prefix = q.prefix ?? '';
  let walk: string[];
  if (!q.reverse) {
    const begin = q.start ?? q.prefix;
    walk = begin === undefined ? sorted : sorted.filter((k) => byteCmp(k, begin) >= 0);
  } else {
    const desc = [...sorted].reverse();
    if (q.start !== undefined) {
      const s = q.start;
      walk = desc.filter((k) => byteCmp(k, s) <= 0);
    } else if (q.prefix !== undefined) {
      // just below the first key that sorts after every key with the prefix
      walk = desc.filter((k) => k.startsWith(prefix) || byteCmp(k, prefix) < 0);
    } else {
      walk = desc;
    }
  }
  const matching: string[] = [];
  for (const k of walk) {
    if (!k.startsWith(prefix)) break;
    if (q.end !== undefined && (q.reverse ? byteCmp(k, q.end) <= 0 : byteCmp(k, q.end) >= 0)) break;
    matching.push(k);
  }
  if (q.limit !== undefined && matching.length > q.limit) {
    return { keys: matching.slice(0, q.limit), more: true, nextStart: matching[q.limit]! };
  }
  return { keys: matching, more: false, nextStart: null };
}

// UTF-8 byte order differs from JS string (UTF-16) order: U+FF21 sorts before U+1F600 in UTF-8
// but after it in UTF-16. Keys share prefixes so prefix and end bounds are exercised.
const KEYS = [
  '',
  ' ',
  '!',
  '0',
  '9',
  'A',
  'Z',
  'a',
  'a ',
  'a\u007f',
  'aa',
  'aaa',
  'ab',
  'abc',
  'abd',
  'ac',
  'b',
  'b/c',
  'b/d',
  'ba',
  'bz',
  'c',
  'd.1',
  'd.2',
  'd.20',
  'z',
  '~',
  '\u007f',
  'é',
  'éa',
  'êtes',
  'Ａ',
  '\uFFFD',
  '日本',
  '日本語',
  '😀',
  '😀😀',
  '\u{10FFFF}',
];

const QUERIES: RangeQuery[] = [
  {},
  { reverse: true },
  { limit: 0 },
  { limit: 0, reverse: true },
  { limit: 1 },
  { limit: 5 },
  { limit: 5, reverse: true },
  { limit: KEYS.length },
  { limit: KEYS.length - 1 },
  { limit: 1000 },
  { prefix: 'a' },
  { prefix: 'a', reverse: true },
  { prefix: 'a', limit: 2 },
  { prefix: 'a', limit: 2, reverse: true },
  { prefix: 'ab' },
  { prefix: 'ab', reverse: true },
  { prefix: 'b/' },
  { prefix: 'é' },
  { prefix: 'é', reverse: true },
  { prefix: '日本' },
  { prefix: '😀', reverse: true },
  { prefix: 'nothing' },
  { prefix: 'nothing', reverse: true },
  { prefix: 'zz', reverse: true },
  { prefix: '' },
  { start: 'ab' },
  { start: 'ab', limit: 3 },
  { start: 'ab', reverse: true },
  { start: 'ab', reverse: true, limit: 3 },
  { start: 'abb' },
  { start: 'abb', reverse: true },
  { start: 'é' },
  { start: 'Ａ', reverse: true },
  { start: '\u{10FFFF}' },
  { start: '\u{10FFFF}\u{10FFFF}', reverse: true },
  { end: 'b' },
  { end: 'b', reverse: true },
  { end: 'ab', start: 'a' },
  { start: 'c', end: 'a', reverse: true },
  { start: 'c', end: 'azerty', reverse: true },
  { start: 'c', end: 'dynamite' },
  { start: 'a', end: 'a' },
  { start: 'm', end: 'c' },
  { start: 'c', end: 'm', reverse: true },
  { prefix: 'a', start: 'ab' },
  { prefix: 'a', start: 'ab', reverse: true },
  { prefix: 'a', start: 'ab', end: 'ac' },
  { prefix: 'a', end: 'ab', limit: 1 },
  { prefix: 'd.', start: 'd.2', limit: 1 },
  { prefix: 'd.', end: 'd.2' },
  { prefix: 'd.', reverse: true, end: 'd.1' },
  { prefix: 'é', start: 'éa', end: 'éb' },
  { start: '', limit: 2 },
];

function batchQuery(pk: string, q: RangeQuery): Record<string, unknown> {
  return { partitionKey: pk, ...q };
}

function indexQuery(q: RangeQuery): string {
  const parts: string[] = [];
  for (const name of ['prefix', 'start', 'end', 'limit', 'reverse'] as const) {
    const v = q[name];
    if (v !== undefined) parts.push(`${name}=${enc(String(v))}`);
  }
  return parts.join('&');
}

describe('ReadBatch ranges', () => {
  let pk: string;
  before(async () => {
    pk = uniquePk('range');
    await insertBatch(ts, KEYS.map((sk) => ({ pk, sk, v: b64(`value of ${sk}`) })));
  });

  it('every query matches the reference (one request, many queries)', async () => {
    const res = await ts.request({
      method: 'POST',
      path: `/${ts.bucket}?search`,
      body: JSON.stringify(QUERIES.map((q) => batchQuery(pk, q))),
    });
    assert.equal(res.status, 200, res.text());
    const results = res.json<ReadBatchResult[]>();
    assert.equal(results.length, QUERIES.length);
    QUERIES.forEach((q, i) => {
      const got = results[i]!;
      const want = reference(KEYS, q);
      assert.deepEqual(
        { keys: got.items.map((it) => it.sk), more: got.more, nextStart: got.nextStart },
        want,
        `query ${JSON.stringify(q)}`,
      );
      for (const item of got.items) assert.deepEqual(item.v, [b64(`value of ${item.sk}`)]);
      assert.equal(got.prefix, q.prefix ?? null);
      assert.equal(got.start, q.start ?? null);
      assert.equal(got.end, q.end ?? null);
      assert.equal(got.limit, q.limit ?? null);
      assert.equal(got.reverse, q.reverse ?? false);
    });
  });

  for (const base of [{}, { reverse: true }, { prefix: 'a' }, { prefix: 'é', reverse: true }, { end: 'z' }] as RangeQuery[]) {
    for (const limit of [1, 3, 7]) {
      it(`pagination through nextStart ${JSON.stringify(base)} limit ${limit} covers the whole range`, async () => {
        const seen: string[] = [];
        let start: string | undefined;
        for (let page = 0; page < 100; page++) {
          const q: RangeQuery = { ...base, limit, ...(start === undefined ? {} : { start }) };
          const res = await ts.request({ method: 'POST', path: `/${ts.bucket}?search`, body: JSON.stringify([batchQuery(pk, q)]) });
          assert.equal(res.status, 200, res.text());
          const [r] = res.json<ReadBatchResult[]>();
          assert.ok(r!.items.length <= limit);
          seen.push(...r!.items.map((it) => it.sk));
          if (!r!.more) {
            assert.equal(r!.nextStart, null);
            break;
          }
          assert.equal(r!.items.length, limit);
          start = r!.nextStart!;
        }
        assert.deepEqual(seen, reference(KEYS, base).keys);
      });
    }
  }

  it('start not beginning with prefix -> 400 InvalidRequest', async () => {
    for (const q of [{ prefix: 'a', start: 'b' }, { prefix: 'ab', start: 'a' }, { prefix: 'a', start: 'b', reverse: true }]) {
      const res = await ts.request({ method: 'POST', path: `/${ts.bucket}?search`, body: JSON.stringify([batchQuery(pk, q)]) });
      expectError(res, 400, 'InvalidRequest', `/${ts.bucket}`);
    }
  });

  it('tombstone-only items are skipped but do not end the range; nextStart is the next match', async () => {
    const p = uniquePk('rangetomb');
    const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
    await insertBatch(ts, keys.map((sk) => ({ pk: p, sk, v: ['b', 'c', 'e'].includes(sk) ? null : b64(sk) })));
    const res = await ts.request({
      method: 'POST',
      path: `/${ts.bucket}?search`,
      body: JSON.stringify([
        { partitionKey: p, limit: 1 },
        { partitionKey: p, limit: 2, tombstones: true, start: 'b' },
        { partitionKey: p, limit: 1, reverse: true, start: 'e' },
        { partitionKey: p, end: 'e' },
      ]),
    });
    const [r1, r2, r3, r4] = res.json<ReadBatchResult[]>();
    assert.deepEqual([r1!.items.map((i) => i.sk), r1!.more, r1!.nextStart], [['a'], true, 'd']);
    assert.deepEqual([r2!.items.map((i) => i.sk), r2!.more, r2!.nextStart], [['b', 'c'], true, 'd']);
    assert.deepEqual([r3!.items.map((i) => i.sk), r3!.more, r3!.nextStart], [['d'], true, 'a']);
    assert.deepEqual([r4!.items.map((i) => i.sk), r4!.more, r4!.nextStart], [['a', 'd'], false, null]);
  });
});

describe('ReadIndex ranges', () => {
  let bucket: string;
  before(async () => {
    // A bucket of its own, so that the index holds exactly KEYS as partition keys.
    ({ bucket } = await createBucket(ts));
    const res = await ts.request({
      method: 'POST',
      path: `/${bucket}`,
      body: JSON.stringify(KEYS.map((pk) => ({ pk, sk: 'x', v: b64(pk) }))),
    });
    assert.equal(res.status, 204, res.text());
  });

  for (const q of QUERIES) {
    it(`ReadIndex ${JSON.stringify(q)} matches the reference`, async () => {
      const query = indexQuery(q);
      const res = await ts.request({ path: `/${bucket}${query === '' ? '' : '?' + query}` });
      assert.equal(res.status, 200, res.text());
      const got = res.json<ReadIndexResult>();
      // An empty string parameter counts as absent (section 3).
      const asGiven = (v: string | undefined) => (v === undefined || v === '' ? null : v);
      const effective: RangeQuery = { ...q };
      for (const name of ['prefix', 'start', 'end'] as const) if (q[name] === '') delete effective[name];
      assert.deepEqual(
        { keys: got.partitionKeys.map((p) => p.pk), more: got.more, nextStart: got.nextStart },
        reference(KEYS, effective),
      );
      assert.equal(got.prefix, asGiven(q.prefix));
      assert.equal(got.start, asGiven(q.start));
      assert.equal(got.end, asGiven(q.end));
      assert.equal(got.limit, q.limit ?? null);
      assert.equal(got.reverse, q.reverse ?? false);
      for (const p of got.partitionKeys) {
        assert.deepEqual(p, { pk: p.pk, entries: 1, conflicts: 0, values: 1, bytes: Buffer.byteLength(p.pk) });
      }
    });
  }

  for (const base of [{}, { reverse: true }, { prefix: 'a' }, { prefix: 'b', reverse: true }]) {
    it(`ReadIndex pagination ${JSON.stringify(base)} limit 4 covers the whole range`, async () => {
      const seen: string[] = [];
      let start: string | undefined;
      for (let page = 0; page < 100; page++) {
        const query = indexQuery({ ...base, limit: 4, ...(start === undefined ? {} : { start }) });
        const res = await ts.request({ path: `/${bucket}?${query}` });
        assert.equal(res.status, 200, res.text());
        const r = res.json<ReadIndexResult>();
        seen.push(...r.partitionKeys.map((p) => p.pk));
        if (!r.more) break;
        start = r.nextStart!;
      }
      assert.deepEqual(seen, reference(KEYS, base).keys);
    });
  }

  it('ReadIndex: start not beginning with prefix -> 400 InvalidRequest', async () => {
    const target = `/${bucket}?prefix=a&start=b`;
    expectError(await ts.request({ path: target }), 400, 'InvalidRequest', `/${bucket}`);
  });
});
