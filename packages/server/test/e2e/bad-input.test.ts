/**
 * Malformed input against a real server: for each case the exact contract error (section 5), the
 * server still answering, and the bucket unchanged (a ReadIndex + ReadBatch dump before and after).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_LIMITS } from '../../src/config/limits.js';
import { within } from './support-http.js';
import {
  b64,
  dumpBucket,
  enc,
  expectError,
  insertBatch,
  makeToken,
  putItem,
  readItem,
  useTestServer,
  type RequestOptions,
} from './harness.js';

let fixture: string;

const ts = useTestServer({}, async () => {
  fixture = 'fixture';
  await insertBatch(ts, [
    { pk: fixture, sk: 'a', v: b64('A') },
    { pk: fixture, sk: 'b', v: b64('B1') },
    { pk: fixture, sk: 'b', v: b64('B2') },
    { pk: fixture, sk: 'c' },
    { pk: 'other', sk: 'x', v: b64('X') },
  ]);
});

interface Case {
  name: string;
  req: () => RequestOptions;
  status: number;
  code: string;
}

const bucketPath = () => `/${ts.bucket}`;
const post = (query: string, body: string | Buffer): RequestOptions => ({ method: 'POST', path: `/${ts.bucket}${query}`, body });
const json = (v: unknown) => JSON.stringify(v);
const okToken = makeToken([[1n, 1n]]);

const CASES: Case[] = [
  // --- InsertBatch body ---
  { name: 'InsertBatch: truncated JSON', req: () => post('', '[{"pk": "fixture", "sk": "z"'), status: 400, code: 'InvalidRequest' },
  { name: 'InsertBatch: trailing comma', req: () => post('', '[{"pk": "fixture", "sk": "z"},]'), status: 400, code: 'InvalidRequest' },
  { name: 'InsertBatch: empty body', req: () => post('', ''), status: 400, code: 'InvalidRequest' },
  { name: 'InsertBatch: object instead of array', req: () => post('', json({ pk: 'fixture', sk: 'z' })), status: 400, code: 'InvalidRequest' },
  { name: 'InsertBatch: array of non-objects', req: () => post('', '[1, 2]'), status: 400, code: 'InvalidRequest' },
  { name: 'InsertBatch: pk not a string', req: () => post('', json([{ pk: 1, sk: 'z', v: b64('x') }])), status: 400, code: 'InvalidRequest' },
  { name: 'InsertBatch: pk null', req: () => post('', json([{ pk: null, sk: 'z', v: b64('x') }])), status: 400, code: 'InvalidRequest' },
  { name: 'InsertBatch: sk missing', req: () => post('', json([{ pk: 'fixture', v: b64('x') }])), status: 400, code: 'InvalidRequest' },
  { name: 'InsertBatch: pk missing', req: () => post('', json([{ sk: 'z', v: b64('x') }])), status: 400, code: 'InvalidRequest' },
  { name: 'InsertBatch: v a number', req: () => post('', json([{ pk: 'fixture', sk: 'z', v: 5 }])), status: 400, code: 'InvalidRequest' },
  { name: 'InsertBatch: v an array', req: () => post('', json([{ pk: 'fixture', sk: 'z', v: ['eA=='] }])), status: 400, code: 'InvalidRequest' },
  { name: 'InsertBatch: bad base64', req: () => post('', json([{ pk: 'fixture', sk: 'z', v: 'aGVsbG8sIHdvcmx$Cg==' }])), status: 400, code: 'InvalidRequest' },
  { name: 'InsertBatch: ct a number', req: () => post('', json([{ pk: 'fixture', sk: 'z', ct: 5, v: null }])), status: 400, code: 'InvalidRequest' },
  { name: 'InsertBatch: bad ct', req: () => post('', json([{ pk: 'fixture', sk: 'a', ct: 'tra$h', v: null }])), status: 400, code: 'CausalityToken' },
  { name: 'InsertBatch: ct with bad checksum', req: () => post('', json([{ pk: 'fixture', sk: 'a', ct: makeToken([[1n, 2n]], 3n), v: null }])), status: 400, code: 'CausalityToken' },
  { name: 'InsertBatch: empty ct string', req: () => post('', json([{ pk: 'fixture', sk: 'a', ct: '', v: null }])), status: 400, code: 'CausalityToken' },
  { name: 'InsertBatch: valid entry then a lone high surrogate', req: () => post('', '[{"pk":"fixture","sk":"z","v":null},{"pk":"\\ud800","sk":"z","v":null}]'), status: 400, code: 'InvalidRequest' },
  { name: 'InsertBatch: lone low surrogate in sk', req: () => post('', '[{"pk":"fixture","sk":"\\udc00x","v":null}]'), status: 400, code: 'InvalidRequest' },
  { name: 'InsertBatch: reversed surrogate pair', req: () => post('', '[{"pk":"fixture","sk":"\\ude00\\ud83d","v":null}]'), status: 400, code: 'InvalidRequest' },
  { name: 'InsertBatch: invalid UTF-8 bytes in JSON', req: () => post('', Buffer.concat([Buffer.from('[{"pk":"fixture","sk":"'), Buffer.from([0xff, 0xfe]), Buffer.from('","v":null}]')])), status: 400, code: 'InvalidRequest' },
  // --- ReadBatch body ---
  { name: 'ReadBatch: bad JSON', req: () => post('?search', '[{"partitionKey": "fixture"'), status: 400, code: 'InvalidRequest' },
  { name: 'ReadBatch: partitionKey missing', req: () => post('?search', json([{}])), status: 400, code: 'InvalidRequest' },
  { name: 'ReadBatch: Garage-style partition_key', req: () => post('?search', json([{ partition_key: 'fixture' }])), status: 400, code: 'InvalidRequest' },
  { name: 'ReadBatch: partitionKey a number', req: () => post('?search', json([{ partitionKey: 1 }])), status: 400, code: 'InvalidRequest' },
  { name: 'ReadBatch: reverse "true" (string)', req: () => post('?search', json([{ partitionKey: 'fixture', reverse: 'true' }])), status: 400, code: 'InvalidRequest' },
  { name: 'ReadBatch: tombstones "false" (string)', req: () => post('?search', json([{ partitionKey: 'fixture', tombstones: 'false' }])), status: 400, code: 'InvalidRequest' },
  { name: 'ReadBatch: singleItem 1', req: () => post('?search', json([{ partitionKey: 'fixture', singleItem: 1, start: 'a' }])), status: 400, code: 'InvalidRequest' },
  { name: 'ReadBatch: conflictsOnly "yes"', req: () => post('?search', json([{ partitionKey: 'fixture', conflictsOnly: 'yes' }])), status: 400, code: 'InvalidRequest' },
  { name: 'ReadBatch: limit -1', req: () => post('?search', json([{ partitionKey: 'fixture', limit: -1 }])), status: 400, code: 'InvalidRequest' },
  { name: 'ReadBatch: limit 1.5', req: () => post('?search', json([{ partitionKey: 'fixture', limit: 1.5 }])), status: 400, code: 'InvalidRequest' },
  { name: 'ReadBatch: limit "5"', req: () => post('?search', json([{ partitionKey: 'fixture', limit: '5' }])), status: 400, code: 'InvalidRequest' },
  { name: 'ReadBatch: prefix a number', req: () => post('?search', json([{ partitionKey: 'fixture', prefix: 3 }])), status: 400, code: 'InvalidRequest' },
  { name: 'ReadBatch: lone surrogate in prefix', req: () => post('?search', '[{"partitionKey":"fixture","prefix":"\\ud800"}]'), status: 400, code: 'InvalidRequest' },
  { name: 'ReadBatch: object instead of array', req: () => post('?search', json({ partitionKey: 'fixture' })), status: 400, code: 'InvalidRequest' },
  { name: 'ReadBatch: start outside prefix', req: () => post('?search', json([{ partitionKey: 'fixture', prefix: 'a', start: 'bx' }])), status: 400, code: 'InvalidRequest' },
  // --- DeleteBatch body (must delete nothing) ---
  { name: 'DeleteBatch: bad JSON', req: () => post('?delete', '[{"partitionKey": "fixture"}'), status: 400, code: 'InvalidRequest' },
  { name: 'DeleteBatch: partitionKey a number', req: () => post('?delete', json([{ partitionKey: 'fixture' }, { partitionKey: 7 }])), status: 400, code: 'InvalidRequest' },
  { name: 'DeleteBatch: singleItem "true"', req: () => post('?delete', json([{ partitionKey: 'fixture' }, { partitionKey: 'fixture', singleItem: 'true', start: 'a' }])), status: 400, code: 'InvalidRequest' },
  { name: 'DeleteBatch: lone surrogate', req: () => post('?delete', '[{"partitionKey":"fixture"},{"partitionKey":"\\udfff"}]'), status: 400, code: 'InvalidRequest' },
  // --- single items ---
  { name: 'InsertItem: bad token', req: () => ({ method: 'PUT', path: `/${ts.bucket}/fixture?sort_key=a`, body: 'x', headers: { 'x-garage-causality-token': 'tra$h' } }), status: 400, code: 'CausalityToken' },
  { name: 'InsertItem: padded token', req: () => ({ method: 'PUT', path: `/${ts.bucket}/fixture?sort_key=a`, body: 'x', headers: { 'x-garage-causality-token': okToken + '=' } }), status: 400, code: 'CausalityToken' },
  { name: 'DeleteItem: bad token', req: () => ({ method: 'DELETE', path: `/${ts.bucket}/fixture?sort_key=a`, headers: { 'x-garage-causality-token': 'AAAA' } }), status: 400, code: 'CausalityToken' },
  { name: 'PollItem: bad causality_token', req: () => ({ path: `/${ts.bucket}/fixture?sort_key=a&causality_token=tra%24h&timeout=1` }), status: 400, code: 'InvalidRequest' },
  { name: 'PollItem: timeout not a number', req: () => ({ path: `/${ts.bucket}/fixture?sort_key=a&causality_token=${okToken}&timeout=soon` }), status: 400, code: 'InvalidRequest' },
  { name: 'PollItem: negative timeout', req: () => ({ path: `/${ts.bucket}/fixture?sort_key=a&causality_token=${okToken}&timeout=-1` }), status: 400, code: 'InvalidRequest' },
  { name: 'InsertItem: invalid UTF-8 partition key', req: () => ({ method: 'PUT', path: `/${ts.bucket}/fix%FFture?sort_key=a`, body: 'x' }), status: 400, code: 'InvalidUtf8String' },
  // --- query parameters ---
  { name: 'ReadIndex: limit=abc', req: () => ({ path: `${bucketPath()}?limit=abc` }), status: 400, code: 'InvalidRequest' },
  { name: 'ReadIndex: limit=-1', req: () => ({ path: `${bucketPath()}?limit=-1` }), status: 400, code: 'InvalidRequest' },
  { name: 'ReadIndex: limit=1.5', req: () => ({ path: `${bucketPath()}?limit=1.5` }), status: 400, code: 'InvalidRequest' },
  { name: 'ReadIndex: limit over u64', req: () => ({ path: `${bucketPath()}?limit=99999999999999999999999` }), status: 400, code: 'InvalidRequest' },
  { name: 'ReadIndex: reverse=yes', req: () => ({ path: `${bucketPath()}?reverse=yes` }), status: 400, code: 'InvalidRequest' },
  { name: 'ReadIndex: reverse=1', req: () => ({ path: `${bucketPath()}?reverse=1` }), status: 400, code: 'InvalidRequest' },
  { name: 'ReadIndex: reverse=TRUE', req: () => ({ path: `${bucketPath()}?reverse=TRUE` }), status: 400, code: 'InvalidRequest' },
  { name: 'ReadIndex: start outside prefix', req: () => ({ path: `${bucketPath()}?prefix=a&start=b` }), status: 400, code: 'InvalidRequest' },
];

describe('bad input: exact error, server up, bucket unchanged', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const before = await dumpBucket(ts, ts.bucket, [fixture]);
      const req = c.req();
      const res = await ts.request(req);
      expectError(res, c.status, c.code, req.path.split('?')[0]);
      assert.deepEqual(await dumpBucket(ts, ts.bucket, [fixture]), before);
    });
  }

  it('the fixture is what the cases expect (the dumps compare something)', async () => {
    assert.deepEqual((await readItem(ts, fixture, 'b'))?.values, ['B1', 'B2']);
    assert.deepEqual((await readItem(ts, fixture, 'c'))?.values, [null]);
  });
});

describe('size limits (src/config/limits.ts defaults)', () => {
  it('InsertItem of exactly maxValueBytes is accepted; one more byte -> 413 PayloadTooLarge', async () => {
    const pk = 'limits-value';
    await putItem(ts, pk, 'max', Buffer.alloc(DEFAULT_LIMITS.maxValueBytes, 7));
    const before = await dumpBucket(ts);
    const target = `/${ts.bucket}/${pk}?sort_key=over`;
    const res = await ts.request({ method: 'PUT', path: target, body: Buffer.alloc(DEFAULT_LIMITS.maxValueBytes + 1, 7) });
    expectError(res, 413, 'PayloadTooLarge', `/${ts.bucket}/${pk}`);
    assert.deepEqual(await dumpBucket(ts), before);
    const max = await ts.request({ path: `/${ts.bucket}/${pk}?sort_key=max`, headers: { accept: 'application/octet-stream' } });
    assert.equal(max.body.length, DEFAULT_LIMITS.maxValueBytes);
  });

  it('a chunked body (no Content-Length) over the limit -> 413 PayloadTooLarge', async () => {
    const before = await dumpBucket(ts, ts.bucket, ['limits-chunked']);
    const target = `/${ts.bucket}/limits-chunked?sort_key=over`;
    const res = await ts.request({
      method: 'PUT',
      path: target,
      body: Buffer.alloc(DEFAULT_LIMITS.maxValueBytes + 1, 1),
      chunkBytes: 64 * 1024,
      contentSha256: 'unsigned',
    });
    expectError(res, 413, 'PayloadTooLarge', `/${ts.bucket}/limits-chunked`);
    assert.deepEqual(await dumpBucket(ts, ts.bucket, ['limits-chunked']), before);
  });

  it('a batch body over maxBatchBodyBytes -> 413 PayloadTooLarge', async () => {
    const before = await dumpBucket(ts);
    const big = Buffer.alloc(DEFAULT_LIMITS.maxBatchBodyBytes + 1, 0x20);
    big[0] = 0x5b; // '[' then spaces: valid JSON prefix, never complete
    for (const query of ['', '?search', '?delete']) {
      const res = await ts.request({ method: 'POST', path: `/${ts.bucket}${query}`, body: big, contentSha256: 'unsigned' });
      expectError(res, 413, 'PayloadTooLarge', `/${ts.bucket}`);
    }
    assert.deepEqual(await dumpBucket(ts), before);
  });

  it('an oversized upload gets its 413 and is read to its end, not cut by a reset (RFC 9112 9.6)', async () => {
    // Closing at once, with the client's bytes unread, resets the connection: its upload fails
    // with EPIPE and the 413 can be erased before the client reads it (seen from any client in
    // another process, e.g. with K2V_TEST_WORKERS).
    const big = Buffer.alloc(DEFAULT_LIMITS.maxBatchBodyBytes + 1, 0x20);
    big[0] = 0x5b;
    const errors: string[] = [];
    let closed: Promise<void> | undefined;
    const res = await ts.request({
      method: 'POST',
      path: `/${ts.bucket}`,
      body: big,
      contentSha256: 'unsigned',
      onRequest: (req) => {
        req.on('error', (err: NodeJS.ErrnoException) => errors.push(err.code ?? err.message));
        closed = new Promise((resolve) => req.once('socket', (socket) => socket.once('close', () => resolve())));
      },
    });
    expectError(res, 413, 'PayloadTooLarge', `/${ts.bucket}`);
    assert.equal(res.headers['connection'], 'close');
    await within(closed ?? Promise.reject(new Error('no request')), 10_000, 'connection closed');
    assert.deepEqual(errors, [], 'the upload ended with an error');
  });

  it(`partition keys up to ${DEFAULT_LIMITS.maxPartitionKeyBytes} UTF-8 bytes are accepted, longer -> 400`, async () => {
    const max = DEFAULT_LIMITS.maxPartitionKeyBytes;
    const okAscii = 'p'.repeat(max);
    const okMultibyte = 'é'.repeat(max / 2);
    await putItem(ts, okAscii, 's', 'ok');
    await insertBatch(ts, [{ pk: okMultibyte, sk: 's', v: b64('ok') }]);
    assert.deepEqual((await readItem(ts, okMultibyte, 's'))?.values, ['ok']);
    const before = await dumpBucket(ts);
    for (const tooLong of ['p'.repeat(max + 1), 'é'.repeat(max / 2) + 'x']) {
      const target = `/${ts.bucket}/${enc(tooLong)}?sort_key=s`;
      expectError(await ts.request({ method: 'PUT', path: target, body: 'x' }), 400, 'InvalidRequest', target.split('?')[0]);
      expectError(await ts.request({ method: 'POST', path: `/${ts.bucket}`, body: JSON.stringify([{ pk: tooLong, sk: 's', v: null }]) }), 400, 'InvalidRequest');
    }
    assert.deepEqual(await dumpBucket(ts), before);
  });

  it(`sort keys up to ${DEFAULT_LIMITS.maxSortKeyBytes} UTF-8 bytes are accepted, longer -> 400`, async () => {
    const max = DEFAULT_LIMITS.maxSortKeyBytes;
    const pk = 'limits-sk';
    await putItem(ts, pk, 's'.repeat(max), 'ok');
    await insertBatch(ts, [{ pk, sk: '日'.repeat(Math.floor(max / 3)), v: b64('ok') }]);
    const before = await dumpBucket(ts);
    for (const tooLong of ['s'.repeat(max + 1), '日'.repeat(Math.floor(max / 3)) + 'xx']) {
      assert.ok(Buffer.byteLength(tooLong) > max);
      const target = `/${ts.bucket}/${pk}?sort_key=${enc(tooLong)}`;
      expectError(await ts.request({ method: 'PUT', path: target, body: 'x' }), 400, 'InvalidRequest', `/${ts.bucket}/${pk}`);
      expectError(await ts.request({ method: 'DELETE', path: target }), 400, 'InvalidRequest');
      expectError(await ts.request({ method: 'POST', path: `/${ts.bucket}`, body: JSON.stringify([{ pk, sk: tooLong, v: null }]) }), 400, 'InvalidRequest');
    }
    assert.deepEqual(await dumpBucket(ts), before);
  });

  it(`more than maxBatchEntries (${DEFAULT_LIMITS.maxBatchEntries}) entries -> 4xx contract error, nothing written`, async () => {
    const before = await dumpBucket(ts);
    const entries = Array.from({ length: DEFAULT_LIMITS.maxBatchEntries + 1 }, (_, i) => ({ pk: 'limits-entries', sk: `k${i}`, v: b64('x') }));
    const res = await ts.request({ method: 'POST', path: `/${ts.bucket}`, body: JSON.stringify(entries) });
    // The contract does not name the code for this documented limit: InvalidRequest or PayloadTooLarge.
    assert.ok(res.status === 400 || res.status === 413, `${res.status} ${res.text()}`);
    expectError(res, res.status, res.status === 400 ? 'InvalidRequest' : 'PayloadTooLarge', `/${ts.bucket}`);
    assert.deepEqual(await dumpBucket(ts), before);
    const queries = Array.from({ length: DEFAULT_LIMITS.maxBatchEntries + 1 }, () => ({ partitionKey: fixture }));
    for (const query of ['?search', '?delete']) {
      const r = await ts.request({ method: 'POST', path: `/${ts.bucket}${query}`, body: JSON.stringify(queries) });
      assert.ok(r.status === 400 || r.status === 413, `${query}: ${r.status} ${r.text()}`);
    }
    assert.deepEqual(await dumpBucket(ts), before);
  });

  it(`an item holding maxValuesPerItem (${DEFAULT_LIMITS.maxValuesPerItem}) values refuses one more with 400`, async () => {
    const pk = 'limits-values';
    const n = DEFAULT_LIMITS.maxValuesPerItem;
    await insertBatch(ts, Array.from({ length: n }, (_, i) => ({ pk, sk: 'many', v: b64(`v${i}`) })));
    assert.equal((await readItem(ts, pk, 'many'))?.values.length, n);
    const before = await dumpBucket(ts);
    const target = `/${ts.bucket}/${pk}?sort_key=many`;
    expectError(await ts.request({ method: 'PUT', path: target, body: 'one too many' }), 400, 'InvalidRequest', `/${ts.bucket}/${pk}`);
    assert.deepEqual(await dumpBucket(ts), before);
    // a batch that would exceed the limit on one item writes nothing at all (atomic batch)
    const batch = await ts.request({
      method: 'POST',
      path: `/${ts.bucket}`,
      body: JSON.stringify([{ pk, sk: 'innocent', v: b64('x') }, { pk, sk: 'many', v: b64('overflow') }]),
    });
    expectError(batch, 400, 'InvalidRequest', `/${ts.bucket}`);
    assert.deepEqual(await dumpBucket(ts), before);
    // writing with the item's token replaces them all
    await putItem(ts, pk, 'many', 'resolved', (await readItem(ts, pk, 'many'))!.ct);
    assert.deepEqual((await readItem(ts, pk, 'many'))?.values, ['resolved']);
  });
});
