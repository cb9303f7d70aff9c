/**
 * Routing (contract section 3) against a real server: a table of (method, raw target) -> the
 * endpoint that answered (recognised by its response) or the routing error.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  b64,
  createBucket,
  dumpBucket,
  expectError,
  insertBatch,
  readItem,
  useTestServer,
  type ReadBatchResult,
  type ReadIndexResult,
  type TestResponse,
} from './harness.js';

const ts = useTestServer({}, async () => {
  await insertBatch(ts, [
    { pk: 'rt', sk: 'a', v: b64('A') },
    { pk: 'rt', sk: 'a b', v: b64('space') },
    { pk: 'rt', sk: 'a+b', v: b64('plus') },
  ]);
});

type Endpoint = 'ReadIndex' | 'ReadItem' | 'ReadBatch' | 'DeleteBatch' | 'InsertBatch' | 'InsertItem' | 'DeleteItem' | 'PollRange';

interface Row {
  method: string;
  /** `B` is replaced by the bucket alias, `ID` by the bucket id. */
  target: string;
  body?: string;
  expect: Endpoint | { status: number; code?: string };
  sign?: boolean;
}

const ROWS: Row[] = [
  // --- endpoints ---
  { method: 'GET', target: '/B', expect: 'ReadIndex' },
  { method: 'GET', target: '/B/', expect: 'ReadIndex' },
  { method: 'GET', target: '/B//', expect: 'ReadIndex' },
  { method: 'GET', target: '/B/?sort_key=a', expect: 'ReadIndex' },
  { method: 'GET', target: '/B?foo=bar&x', expect: 'ReadIndex' },
  { method: 'GET', target: '/B?prefix=rt&limit=5&reverse=false', expect: 'ReadIndex' },
  { method: 'GET', target: '/ID', expect: 'ReadIndex' },
  { method: 'GET', target: '/B/rt?sort_key=a', expect: 'ReadItem' },
  { method: 'GET', target: '/B/rt?sort_key=a&foo=1', expect: 'ReadItem' },
  { method: 'GET', target: '/B/rt?sort_key=a&causality_token=', expect: 'ReadItem' },
  { method: 'GET', target: '/B/rt?causality_token=&sort_key=a&timeout=', expect: 'ReadItem' },
  { method: 'GET', target: '//B/rt?sort_key=a', expect: 'ReadItem' },
  { method: 'GET', target: '/B//rt?sort_key=a', expect: 'ReadItem' },
  { method: 'GET', target: '/B/%72%74?sort_key=%61', expect: 'ReadItem' },
  { method: 'GET', target: '/ID/rt?sort_key=a', expect: 'ReadItem' },
  { method: 'POST', target: '/B?search', body: '[{"partitionKey":"rt"}]', expect: 'ReadBatch' },
  { method: 'POST', target: '/B?search=', body: '[{"partitionKey":"rt"}]', expect: 'ReadBatch' },
  { method: 'POST', target: '/B?search=no', body: '[{"partitionKey":"rt"}]', expect: 'ReadBatch' },
  { method: 'POST', target: '/B/?search', body: '[{"partitionKey":"rt"}]', expect: 'ReadBatch' },
  { method: 'POST', target: '/B?search&foo=1', body: '[{"partitionKey":"rt"}]', expect: 'ReadBatch' },
  { method: 'SEARCH', target: '/B', body: '[{"partitionKey":"rt"}]', expect: 'ReadBatch' },
  { method: 'SEARCH', target: '/ID', body: '[{"partitionKey":"rt"}]', expect: 'ReadBatch' },
  { method: 'POST', target: '/B?delete', body: '[{"partitionKey":"rt-nothing"}]', expect: 'DeleteBatch' },
  { method: 'POST', target: '/B?delete=', body: '[{"partitionKey":"rt-nothing"}]', expect: 'DeleteBatch' },
  { method: 'POST', target: '/B', body: '[]', expect: 'InsertBatch' },
  { method: 'POST', target: '/B?foo=1', body: '[]', expect: 'InsertBatch' },
  { method: 'POST', target: '/B?Search', body: '[]', expect: 'InsertBatch' },
  { method: 'GET', target: '/B?prefix', expect: 'ReadIndex' },
  { method: 'GET', target: '/B/rt?sort%5Fkey=a', expect: 'ReadItem' },
  { method: 'GET', target: '/B/rt/?sort_key=a', expect: { status: 404, code: 'NoSuchKey' } },
  { method: 'PUT', target: '/B/rt-put?sort_key=x', body: 'put', expect: 'InsertItem' },
  { method: 'PUT', target: '/B/rt-put?sort_key=x&foo', body: 'put', expect: 'InsertItem' },
  { method: 'DELETE', target: '/B/rt-del?sort_key=x', expect: 'DeleteItem' },
  { method: 'POST', target: '/B/rt?poll_range', body: '{}', expect: 'PollRange' },
  { method: 'POST', target: '/B/rt?poll_range=', body: '{}', expect: 'PollRange' },
  { method: 'SEARCH', target: '/B/rt?poll_range', body: '{}', expect: 'PollRange' },
  // --- routing errors (answered before authentication) ---
  { method: 'HEAD', target: '/B/rt?sort_key=a', expect: { status: 400 } },
  { method: 'HEAD', target: '/B', expect: { status: 400 } },
  { method: 'FOO', target: '/B', expect: { status: 400, code: 'InvalidRequest' } },
  { method: 'PROPFIND', target: '/B', expect: { status: 400, code: 'InvalidRequest' } },
  { method: 'MKCOL', target: '/B/rt?sort_key=a', expect: { status: 400, code: 'InvalidRequest' } },
  { method: 'PATCH', target: '/B/rt?sort_key=a', body: 'x', expect: { status: 400, code: 'InvalidRequest' } },
  { method: 'GET', target: '/B/rt', expect: { status: 400, code: 'InvalidRequest' } },
  { method: 'GET', target: '/B/rt?sort_key=', expect: { status: 400, code: 'InvalidRequest' } },
  { method: 'GET', target: '/B/rt?sort_key=a&sort_key=b', expect: { status: 400, code: 'InvalidRequest' } },
  { method: 'GET', target: '/B/rt?sort_key=a&sort_key=a', expect: { status: 400, code: 'InvalidRequest' } },
  { method: 'GET', target: '/B/rt?sort_key=a&Sort_Key=b', expect: { status: 400, code: 'InvalidRequest' } },
  { method: 'GET', target: '/B?prefix=a&PREFIX=b', expect: { status: 400, code: 'InvalidRequest' } },
  { method: 'GET', target: '/B?foo=1&FOO=2', expect: { status: 400, code: 'InvalidRequest' } },
  { method: 'GET', target: '/B?limit=1&limit=1', expect: { status: 400, code: 'InvalidRequest' } },
  { method: 'POST', target: '/B?search&delete', body: '[]', expect: { status: 400, code: 'InvalidRequest' } },
  { method: 'POST', target: '/B?search&search', body: '[]', expect: { status: 400, code: 'InvalidRequest' } },
  { method: 'POST', target: '/B?search&SEARCH', body: '[]', expect: { status: 400, code: 'InvalidRequest' } },
  { method: 'POST', target: '/B?delete=&search=', body: '[]', expect: { status: 400, code: 'InvalidRequest' } },
  { method: 'POST', target: '/B/rt?poll_range&search', body: '{}', expect: { status: 400, code: 'InvalidRequest' } },
  { method: 'GET', target: '/B?search', expect: { status: 400, code: 'InvalidRequest' } },
  { method: 'GET', target: '/B?delete', expect: { status: 400, code: 'InvalidRequest' } },
  { method: 'GET', target: '/B/rt?sort_key=a&delete', expect: { status: 400, code: 'InvalidRequest' } },
  { method: 'SEARCH', target: '/B?search', body: '[]', expect: { status: 400, code: 'InvalidRequest' } },
  { method: 'SEARCH', target: '/B/rt', body: '[]', expect: { status: 400, code: 'InvalidRequest' } },
  { method: 'PUT', target: '/B?sort_key=a', body: 'x', expect: { status: 400, code: 'InvalidRequest' } },
  { method: 'PUT', target: '/B/rt?sort_key=a&search', body: 'x', expect: { status: 400, code: 'InvalidRequest' } },
  { method: 'DELETE', target: '/B?sort_key=a', expect: { status: 400, code: 'InvalidRequest' } },
  { method: 'DELETE', target: '/B', expect: { status: 400, code: 'InvalidRequest' } },
  { method: 'POST', target: '/B/rt', body: '[]', expect: { status: 400, code: 'InvalidRequest' } },
  { method: 'POST', target: '/B/rt?search', body: '[]', expect: { status: 400, code: 'InvalidRequest' } },
  { method: 'POST', target: '/B/rt?delete', body: '[]', expect: { status: 400, code: 'InvalidRequest' } },
  { method: 'POST', target: '/B?poll_range', body: '{}', expect: { status: 400, code: 'InvalidRequest' } },
  { method: 'GET', target: '/', expect: { status: 400, code: 'InvalidRequest' } },
  { method: 'GET', target: '/?prefix=a', expect: { status: 400, code: 'InvalidRequest' } },
  { method: 'GET', target: '//B/rt', expect: { status: 400, code: 'InvalidRequest' } },
  { method: 'GET', target: '/B/rt?sort_key=a&limit=x', expect: 'ReadItem' },
  { method: 'GET', target: '/B?limit=x', expect: { status: 400, code: 'InvalidRequest' } },
  { method: 'GET', target: '/B?reverse=maybe', expect: { status: 400, code: 'InvalidRequest' } },
  { method: 'GET', target: '/B/%FF?sort_key=a', expect: { status: 400, code: 'InvalidUtf8String' } },
  // --- buckets ---
  { method: 'GET', target: '/no-such-bucket-e2e', expect: { status: 404, code: 'NoSuchBucket' } },
  { method: 'GET', target: '/no-such-bucket-e2e/rt?sort_key=a', expect: { status: 404, code: 'NoSuchBucket' } },
  { method: 'GET', target: `/${'ab'.repeat(32)}`, expect: { status: 404, code: 'NoSuchBucket' } },
  { method: 'POST', target: '/no-such-bucket-e2e', body: '[]', expect: { status: 404, code: 'NoSuchBucket' } },
  // --- unsigned: a routing error is still a routing error; a valid route needs credentials ---
  { method: 'FOO', target: '/B', expect: { status: 400, code: 'InvalidRequest' }, sign: false },
  { method: 'GET', target: '/B/rt', expect: { status: 400, code: 'InvalidRequest' }, sign: false },
  { method: 'POST', target: '/B?search&delete', body: '[]', expect: { status: 400, code: 'InvalidRequest' }, sign: false },
  { method: 'GET', target: '/B', expect: { status: 403, code: 'AccessDenied' }, sign: false },
  { method: 'GET', target: '/B/rt?sort_key=a', expect: { status: 403, code: 'AccessDenied' }, sign: false },
  { method: 'PUT', target: '/B/rt?sort_key=a', body: 'unsigned', expect: { status: 403, code: 'AccessDenied' }, sign: false },
];

const resolve = (target: string) => target.replace(/\/ID(?=\/|\?|$)/, `/${ts.bucketId}`).replace(/\/B(?=\/|\?|$)/, `/${ts.bucket}`);

async function checkEndpoint(kind: Endpoint, res: TestResponse, target: string): Promise<void> {
  const info = `${res.status} ${res.text()}`;
  switch (kind) {
    case 'ReadIndex': {
      assert.equal(res.status, 200, info);
      const body = res.json<ReadIndexResult>();
      assert.ok(Array.isArray(body.partitionKeys), info);
      return;
    }
    case 'ReadItem':
      assert.equal(res.status, 200, info);
      assert.deepEqual(res.json(), [b64('A')]);
      return;
    case 'ReadBatch': {
      assert.equal(res.status, 200, info);
      const [q] = res.json<ReadBatchResult[]>();
      assert.equal(q?.partitionKey, 'rt', info);
      assert.ok(Array.isArray(q?.items), info);
      return;
    }
    case 'DeleteBatch':
      assert.equal(res.status, 200, info);
      assert.deepEqual(res.json(), [{ partitionKey: 'rt-nothing', prefix: null, start: null, end: null, singleItem: false, deletedItems: 0 }]);
      return;
    case 'InsertBatch':
      assert.equal(res.status, 204, info);
      return;
    case 'InsertItem':
      assert.equal(res.status, 204, info);
      assert.ok((await readItem(ts, 'rt-put', 'x'))?.values.includes('put'), target);
      return;
    case 'DeleteItem':
      assert.equal(res.status, 204, info);
      assert.ok((await readItem(ts, 'rt-del', 'x'))?.values.includes(null), target);
      return;
    case 'PollRange': {
      assert.equal(res.status, 200, info);
      const body = res.json<{ items: unknown[]; seenMarker: unknown }>();
      assert.ok(Array.isArray(body.items) && typeof body.seenMarker === 'string', info);
      return;
    }
  }
}

describe('routing table (section 3)', () => {
  for (const row of ROWS) {
    const label = `${row.sign === false ? 'unsigned ' : ''}${row.method} ${row.target}${row.body === undefined ? '' : ' ' + row.body} -> ${
      typeof row.expect === 'string' ? row.expect : `${row.expect.status} ${row.expect.code ?? ''}`
    }`;
    it(label, async () => {
      const target = resolve(row.target);
      const before = typeof row.expect === 'string' ? undefined : await dumpBucket(ts, ts.bucket, ['rt']);
      const res = await ts.request({ method: row.method, path: target, body: row.body, sign: row.sign ?? true });
      if (typeof row.expect === 'string') {
        await checkEndpoint(row.expect, res, target);
        return;
      }
      if (row.method === 'HEAD') {
        assert.equal(res.status, row.expect.status);
        assert.equal(res.body.length, 0);
      } else {
        expectError(res, row.expect.status, row.expect.code!, target.split('?')[0]);
      }
      assert.deepEqual(await dumpBucket(ts, ts.bucket, ['rt']), before, 'a rejected request changed the bucket');
    });
  }
});

describe('query decoding (section 3)', () => {
  it('"+" in the query is a space, %2B a plus', async () => {
    const space = await ts.request({ path: `/${ts.bucket}/rt?sort_key=a+b` });
    assert.deepEqual(space.json(), [b64('space')]);
    const plus = await ts.request({ path: `/${ts.bucket}/rt?sort_key=a%2Bb` });
    assert.deepEqual(plus.json(), [b64('plus')]);
    const idx = await ts.request({ path: `/${ts.bucket}?prefix=r+t` });
    assert.equal(idx.json<ReadIndexResult>().prefix, 'r t');
  });

  it('the bucket segment is not percent-decoded', async () => {
    const encoded = ts.bucket.replace('-', '%2D');
    assert.notEqual(encoded, ts.bucket);
    const target = `/${encoded}/rt?sort_key=a`;
    expectError(await ts.request({ path: target }), 404, 'NoSuchBucket', `/${encoded}/rt`);
  });

  it('the bucket resolves by alias and by 64-hex id to the same data', async () => {
    assert.match(ts.bucketId, /^[0-9a-f]{64}$/);
    const put = await ts.request({ method: 'PUT', path: `/${ts.bucketId}/rt-id?sort_key=k`, body: 'by id' });
    assert.equal(put.status, 204, put.text());
    assert.deepEqual((await readItem(ts, 'rt-id', 'k'))?.values, ['by id']);
  });

  it("a key's local alias wins over a global alias of the same name (section 3)", async () => {
    const other = await createBucket(ts); // a global alias, readable and writable by the key
    const alias = await ts.admin(
      'PUT',
      `/v1/bucket/alias/local?id=${ts.bucketId}&accessKeyId=${ts.keyId}&alias=${other.bucket}`,
    );
    assert.equal(alias.status, 200, alias.text());
    const put = await ts.request({ method: 'PUT', path: `/${other.bucket}/rt-local?sort_key=k`, body: 'via local alias' });
    assert.equal(put.status, 204, put.text());
    // It landed in the harness bucket (the local alias's target), not in the global alias's.
    assert.deepEqual((await readItem(ts, 'rt-local', 'k'))?.values, ['via local alias']);
    const inOther = await ts.request({ path: `/${other.bucketId}/rt-local?sort_key=k` });
    expectError(inOther, 404, 'NoSuchKey', `/${other.bucketId}/rt-local`);
  });

  it('the error path echoes the raw path as sent, without the query', async () => {
    const target = `/${ts.bucket}//rt%20x/y?sort_key=`;
    expectError(await ts.request({ path: target }), 400, 'InvalidRequest', `/${ts.bucket}//rt%20x/y`);
  });
});
