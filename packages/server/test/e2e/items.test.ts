/**
 * Single-item endpoints against a real server (contract sections 2, 3, 5, 6): InsertItem,
 * ReadItem (Accept matrix, formats, token header), DeleteItem, causality, key encoding.
 */
import { testWorkers } from '../support/worker-cluster.js';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  b64,
  ct,
  ctOrUndefined,
  deleteItem,
  enc,
  expectError,
  makeToken,
  parseToken,
  putItem,
  readBatch,
  readIndex,
  readItem,
  uniquePk,
  useTestServer,
  type TestResponse,
} from './harness.js';

const ts = useTestServer();

const itemPath = (pk: string, sk: string) => `/${ts.bucket}/${enc(pk)}?sort_key=${enc(sk)}`;

function get(pk: string, sk: string, accept?: string): Promise<TestResponse> {
  return ts.request({ path: itemPath(pk, sk), headers: accept === undefined ? {} : { accept } });
}

function assertJsonValues(res: TestResponse, expected: (string | null)[]): void {
  assert.equal(res.status, 200, res.text());
  assert.equal(res.headers['content-type'], 'application/json');
  // With several workers (K2V_TEST_WORKERS) siblings come from several nodes, listed in node-id
  // order (contract), not in write order.
  const order = (vs: (string | null)[]): (string | null)[] => (testWorkers() > 1 ? [...vs].sort() : vs);
  assert.deepEqual(order(res.json()), order(expected.map((v) => (v === null ? null : b64(v)))));
  ct(res);
}

function assertBinary(res: TestResponse, expected: string): void {
  assert.equal(res.status, 200, res.text());
  assert.equal(res.headers['content-type'], 'application/octet-stream');
  assert.equal(res.body.toString('utf8'), expected);
  ct(res);
}

describe('InsertItem / ReadItem / DeleteItem', () => {
  it('PUT answers 204 with no body and no token; GET returns the value and a token', async () => {
    const pk = uniquePk('basic');
    const res = await ts.request({ method: 'PUT', path: itemPath(pk, 'a'), body: 'hello world' });
    assert.equal(res.status, 204);
    assert.equal(res.body.length, 0);
    assert.equal(ctOrUndefined(res), undefined);
    assertJsonValues(await get(pk, 'a'), ['hello world']);
    assertBinary(await get(pk, 'a', 'application/octet-stream'), 'hello world');
    // The token decodes as the contract's format (checksum, node/time pairs).
    assert.equal(parseToken(ct(await get(pk, 'a'))).length, 1);
  });

  it('a chunked request body (no Content-Length) is read whole', async () => {
    const pk = uniquePk('chunked');
    const value = Buffer.alloc(100_000);
    for (let i = 0; i < value.length; i++) value[i] = (i * 7) & 0xff;
    const res = await ts.request({ method: 'PUT', path: itemPath(pk, 'c'), body: value, chunkBytes: 1000 });
    assert.equal(res.status, 204, res.text());
    const bin = await get(pk, 'c', 'application/octet-stream');
    assert.deepEqual(bin.body, value);
  });

  it('Content-Type of the PUT is ignored and binary bytes round-trip', async () => {
    const pk = uniquePk('bin');
    const bytes = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x80, 10, 13]);
    const res = await ts.request({
      method: 'PUT',
      path: itemPath(pk, 'x'),
      body: bytes,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(res.status, 204);
    const bin = await get(pk, 'x', 'application/octet-stream');
    assert.equal(bin.status, 200);
    assert.deepEqual(bin.body, bytes);
    const json = await get(pk, 'x');
    assert.deepEqual(json.json(), [bytes.toString('base64')]);
  });

  it('DELETE with the latest token leaves a single tombstone: [null] in JSON, 204 in binary', async () => {
    const pk = uniquePk('del');
    await putItem(ts, pk, 's', 'v1');
    const token = ct(await get(pk, 's'));
    const del = await ts.request({ method: 'DELETE', path: itemPath(pk, 's'), headers: { 'x-garage-causality-token': token } });
    assert.equal(del.status, 204);
    assert.equal(del.body.length, 0);
    assertJsonValues(await get(pk, 's'), [null]);
    const bin = await get(pk, 's', 'application/octet-stream');
    assert.equal(bin.status, 204);
    assert.equal(bin.headers['content-type'], 'application/octet-stream');
    assert.equal(bin.body.length, 0);
    ct(bin);
  });

  it('DELETE without a token is concurrent with the existing value', async () => {
    const pk = uniquePk('delnotoken');
    await putItem(ts, pk, 's', 'v1');
    await deleteItem(ts, pk, 's');
    assertJsonValues(await get(pk, 's'), ['v1', null]);
  });

  it('DELETE of a never-written item creates a tombstone-only item', async () => {
    const pk = uniquePk('delnew');
    await deleteItem(ts, pk, 'never');
    assertJsonValues(await get(pk, 'never'), [null]);
    const bin = await get(pk, 'never', 'application/octet-stream');
    assert.equal(bin.status, 204);
    assert.equal(bin.headers['content-type'], 'application/octet-stream');
    ct(bin);
  });

  it('an empty body is a value, not a tombstone', async () => {
    const pk = uniquePk('empty');
    await putItem(ts, pk, 'e', '');
    assertJsonValues(await get(pk, 'e'), ['']);
    const bin = await get(pk, 'e', 'application/octet-stream');
    assert.equal(bin.status, 200);
    assert.equal(bin.headers['content-type'], 'application/octet-stream');
    assert.equal(bin.body.length, 0);
    const [q] = await readBatch(ts, [{ partitionKey: pk }]);
    assert.deepEqual(q!.items.map((i) => i.v), [['']]);
  });

  it('a never-written item is 404 NoSuchKey "Key not found" with all four JSON fields', async () => {
    const pk = uniquePk('missing');
    const target = itemPath(pk, 'nope');
    const res = await ts.request({ path: target });
    const err = expectError(res, 404, 'NoSuchKey', target.split('?')[0]);
    assert.equal(err.message, 'Key not found');
    assert.equal(ctOrUndefined(res), undefined);
  });
});

describe('ReadItem Accept matrix (section 6)', () => {
  let single: string;
  let double: string;
  let missing: string;

  before(async () => {
    single = uniquePk('accept1');
    double = uniquePk('accept2');
    missing = uniquePk('accept0');
    await putItem(ts, single, 'k', 'one');
    await putItem(ts, double, 'k', 'first');
    await putItem(ts, double, 'k', 'second');
  });

  const binaryOneValue: [string, string][] = [
    ['application/octet-stream', 'octet-stream only'],
    ['application/json, application/octet-stream', 'both'],
    ['application/octet-stream,application/json', 'both, no space'],
    ['*/*', 'any'],
    ['application/*', 'application/* means both (Deviation)'],
    ['application/octet-stream;q=0.5', 'parameters ignored (Deviation)'],
    ['text/html, */*;q=0.8', '*/* among others'],
    ['  application/octet-stream  ', 'trimmed'],
    ['application/octet-stream, application/json;q=0', 'json excluded by q=0 (Deviation)'],
  ];
  for (const [accept, why] of binaryOneValue) {
    it(`Accept ${JSON.stringify(accept)} with one value -> binary (${why})`, async () => {
      assertBinary(await get(single, 'k', accept), 'one');
    });
  }

  const jsonOneValue: [string | undefined, string][] = [
    [undefined, 'no header'],
    ['application/json', 'json only'],
    ['application/json;q=0.9', 'parameters ignored'],
    ['application/json, application/octet-stream;q=0', 'q=0 excludes binary (Deviation)'],
    ['application/json, text/plain', 'json among others'],
    ['*/*;q=0, application/json', '*/* excluded by q=0 (Deviation)'],
  ];
  for (const [accept, why] of jsonOneValue) {
    it(`Accept ${JSON.stringify(accept)} with one value -> JSON (${why})`, async () => {
      assertJsonValues(await get(single, 'k', accept), ['one']);
    });
  }

  for (const accept of ['application/json, application/octet-stream', '*/*', 'application/*']) {
    it(`Accept ${JSON.stringify(accept)} with two values -> JSON`, async () => {
      assertJsonValues(await get(double, 'k', accept), ['first', 'second']);
    });
  }

  it('binary only with two values -> 409, empty body, no Content-Type, token header', async () => {
    const res = await get(double, 'k', 'application/octet-stream');
    assert.equal(res.status, 409);
    assert.equal(res.body.length, 0);
    assert.equal(res.headers['content-type'], undefined);
    ct(res);
  });

  it('binary only (json excluded by q=0) with two values -> 409', async () => {
    const res = await get(double, 'k', 'application/json;q=0, application/octet-stream');
    assert.equal(res.status, 409, res.text());
    assert.equal(res.body.length, 0);
  });

  const notAcceptable = ['', 'text/plain', 'application/xml, text/*', 'application/json;q=0', 'application/octet-stream; q=0', 'image/png;q=1'];
  for (const accept of notAcceptable) {
    it(`Accept ${JSON.stringify(accept)} -> 406 NotAcceptable`, async () => {
      const target = itemPath(single, 'k');
      expectError(await ts.request({ path: target, headers: { accept } }), 406, 'NotAcceptable', target.split('?')[0]);
    });
  }

  it('406 wins over 404 for a missing item', async () => {
    const target = itemPath(missing, 'k');
    expectError(await ts.request({ path: target, headers: { accept: 'text/plain' } }), 406, 'NotAcceptable', target.split('?')[0]);
    // and with an acceptable header the same item is 404
    expectError(await ts.request({ path: target, headers: { accept: 'application/octet-stream' } }), 404, 'NoSuchKey');
  });

  it('a non-ASCII Accept header -> 400 InvalidHeaderValue', async () => {
    const target = itemPath(single, 'k');
    const res = await ts.request({ path: target, unsignedHeaders: { accept: 'application/jsón' } });
    expectError(res, 400, 'InvalidHeaderValue', target.split('?')[0]);
  });
});

describe('causality (section 2)', () => {
  it('10 concurrent PUTs with the same token leave 10 sibling values', async () => {
    const pk = uniquePk('siblings');
    await putItem(ts, pk, 'c', 'base');
    const token = ct(await get(pk, 'c'));
    const values = Array.from({ length: 10 }, (_, i) => `writer-${i}`);
    await Promise.all(values.map((v) => putItem(ts, pk, 'c', v, token)));
    const item = await readItem(ts, pk, 'c');
    assert.ok(item);
    assert.equal(item.values.length, 10, JSON.stringify(item.values));
    assert.deepEqual([...item.values].sort(), [...values].sort());
  });

  it('a write with the latest token replaces every value', async () => {
    const pk = uniquePk('latest');
    await putItem(ts, pk, 'c', 'a');
    await putItem(ts, pk, 'c', 'b');
    await putItem(ts, pk, 'c', 'c');
    const before = await readItem(ts, pk, 'c');
    assert.equal(before?.values.length, 3);
    await putItem(ts, pk, 'c', 'final', before!.ct);
    assertJsonValues(await get(pk, 'c'), ['final']);
  });

  it('a write without a token on an existing item adds a concurrent value', async () => {
    const pk = uniquePk('notoken');
    await putItem(ts, pk, 'c', 'first');
    await putItem(ts, pk, 'c', 'second');
    assertJsonValues(await get(pk, 'c'), ['first', 'second']);
  });

  it('two writes with the same old token both survive', async () => {
    const pk = uniquePk('oldtoken');
    await putItem(ts, pk, 'c', 'v0');
    const token = ct(await get(pk, 'c'));
    await putItem(ts, pk, 'c', 'v1', token);
    await putItem(ts, pk, 'c', 'v2', token);
    assertJsonValues(await get(pk, 'c'), ['v1', 'v2']);
  });

  it('identical concurrent values are shown once', async () => {
    const pk = uniquePk('dedup');
    await putItem(ts, pk, 'c', 'same');
    await putItem(ts, pk, 'c', 'same');
    assertJsonValues(await get(pk, 'c'), ['same']);
    assertBinary(await get(pk, 'c', '*/*'), 'same');
  });

  it('the token changes after every write and a token from an unknown node is accepted', async () => {
    const pk = uniquePk('unknownnode');
    await putItem(ts, pk, 'c', 'v0');
    const t0 = ct(await get(pk, 'c'));
    await putItem(ts, pk, 'c', 'v1', 'ESIyz5qDH4kRIjNEVWZ3iAAAAYvP5WgB');
    const r = await readItem(ts, pk, 'c');
    assert.deepEqual(r?.values, ['v0', 'v1']);
    assert.notEqual(r?.ct, t0);
    // The node learnt from the client's token stays in the item's context (section 2, step 1).
    const nodes = parseToken(r!.ct).map(([n]) => n);
    assert.ok(nodes.includes(0x1122334455667788n), `token ${r!.ct} lacks the client's node`);
    // The empty context is a valid token and supersedes nothing.
    await putItem(ts, pk, 'c', 'v2', 'AAAAAAAAAAA');
    assert.deepEqual((await readItem(ts, pk, 'c'))?.values, ['v0', 'v1', 'v2']);
  });

  it('the token header is on 200, 204 and 409 and lets a client supersede what it saw', async () => {
    const pk = uniquePk('tok409');
    await putItem(ts, pk, 'c', 'x');
    await putItem(ts, pk, 'c', 'y');
    const conflict = await get(pk, 'c', 'application/octet-stream');
    assert.equal(conflict.status, 409);
    await putItem(ts, pk, 'c', 'resolved', ct(conflict));
    assertBinary(await get(pk, 'c', 'application/octet-stream'), 'resolved');
    await deleteItem(ts, pk, 'c', ct(await get(pk, 'c')));
    const tomb = await get(pk, 'c', 'application/octet-stream');
    assert.equal(tomb.status, 204);
    await putItem(ts, pk, 'c', 'revived', ct(tomb));
    assertJsonValues(await get(pk, 'c'), ['revived']);
  });
});

describe('bad requests on single items', () => {
  const badTokens: [string, string][] = [
    ['tra$h', 'not base64url'],
    ['AAAAAAAAAAA=', 'padding'],
    [makeToken([[1n, 2n]], 1n), 'checksum mismatch'],
    [makeToken([[1n, 2n]]).slice(0, -2), 'wrong length'],
    ['AAAAAAAAAAB', 'non-canonical trailing bits'],
    [makeToken([[0xfbn, 0xffn]]).replace(/-/g, '+').replace(/_/g, '/'), 'standard alphabet'],
  ];

  it('the test tokens are what they claim to be', () => {
    assert.ok(badTokens[5]![0].includes('+') || badTokens[5]![0].includes('/'), badTokens[5]![0]);
  });

  for (const [token, why] of badTokens) {
    it(`PUT with X-Garage-Causality-Token ${JSON.stringify(token)} (${why}) -> 400 CausalityToken`, async () => {
      const pk = uniquePk('badct');
      const target = itemPath(pk, 's');
      const res = await ts.request({ method: 'PUT', path: target, body: 'x', headers: { 'x-garage-causality-token': token } });
      expectError(res, 400, 'CausalityToken', target.split('?')[0]);
      expectError(await get(pk, 's'), 404, 'NoSuchKey');
    });
  }

  it('DELETE with a bad token -> 400 CausalityToken, item unchanged', async () => {
    const pk = uniquePk('badctdel');
    await putItem(ts, pk, 's', 'kept');
    const target = itemPath(pk, 's');
    const res = await ts.request({ method: 'DELETE', path: target, headers: { 'x-garage-causality-token': 'tra$h' } });
    expectError(res, 400, 'CausalityToken', target.split('?')[0]);
    assertJsonValues(await get(pk, 's'), ['kept']);
  });

  it('a non-ASCII token header -> 400 InvalidHeaderValue', async () => {
    const pk = uniquePk('nonascii');
    const target = itemPath(pk, 's');
    const res = await ts.request({ method: 'PUT', path: target, body: 'x', unsignedHeaders: { 'x-garage-causality-token': 'AAAAAAAAAAé' } });
    expectError(res, 400, 'InvalidHeaderValue', target.split('?')[0]);
    expectError(await get(pk, 's'), 404, 'NoSuchKey');
  });

  for (const [method, suffix] of [
    ['GET', ''],
    ['PUT', ''],
    ['DELETE', ''],
    ['GET', '?sort_key='],
    ['PUT', '?sort_key='],
    ['DELETE', '?sort_key='],
    ['GET', '?other=1'],
  ] as const) {
    it(`${method} /<b>/<pk>${suffix} without a sort key -> 400 InvalidRequest`, async () => {
      const target = `/${ts.bucket}/${uniquePk('nosk')}${suffix}`;
      const res = await ts.request({ method, path: target, body: method === 'PUT' ? 'x' : undefined });
      expectError(res, 400, 'InvalidRequest', target.split('?')[0]);
    });
  }

  for (const raw of ['%FF', 'ok%C3', '%C3%28', '%ED%A0%80', '%C0%AF']) {
    it(`invalid UTF-8 in the partition key (${raw}) -> 400 InvalidUtf8String`, async () => {
      const target = `/${ts.bucket}/${raw}?sort_key=a`;
      expectError(await ts.request({ path: target }), 400, 'InvalidUtf8String', target.split('?')[0]);
      const put = await ts.request({ method: 'PUT', path: target, body: 'x' });
      expectError(put, 400, 'InvalidUtf8String', target.split('?')[0]);
    });
  }
});

describe('key encoding round trips', () => {
  const specials = ['a/b', 'a+b', '100%', 'with space', 'héllo', '日本語', '😀 emoji', 'x?y&z=w', "q'(\")*!", '~._-', 'a//b', '#hash'];

  it('partition keys with /, +, %, spaces and non-ASCII round-trip through ReadItem, ReadBatch and ReadIndex', async () => {
    const base = uniquePk('enc');
    for (const [i, s] of specials.entries()) await putItem(ts, `${base}:${s}`, 'sk', `value-${i}`);
    for (const [i, s] of specials.entries()) {
      assertJsonValues(await get(`${base}:${s}`, 'sk'), [`value-${i}`]);
    }
    const idx = await readIndex(ts, `prefix=${enc(base + ':')}`);
    const expectedPks = specials.map((s) => `${base}:${s}`).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    assert.deepEqual(idx.partitionKeys.map((p) => p.pk), expectedPks);
    const batch = await readBatch(ts, expectedPks.map((partitionKey) => ({ partitionKey })));
    assert.deepEqual(batch.map((q) => q.partitionKey), expectedPks);
    for (const q of batch) assert.equal(q.items.length, 1, q.partitionKey);
  });

  it('sort keys with special characters round-trip', async () => {
    const pk = uniquePk('sk-enc');
    for (const [i, s] of specials.entries()) await putItem(ts, pk, s, `v${i}`);
    for (const [i, s] of specials.entries()) assertJsonValues(await get(pk, s), [`v${i}`]);
    const [q] = await readBatch(ts, [{ partitionKey: pk }]);
    const expected = [...specials].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    assert.deepEqual(q!.items.map((i) => i.sk), expected);
  });

  it('a raw "/" in the path is part of the partition key; a raw "+" stays a plus', async () => {
    const pk = uniquePk('raw');
    const res = await ts.request({ method: 'PUT', path: `/${ts.bucket}/${pk}/x/y?sort_key=s`, body: 'slash' });
    assert.equal(res.status, 204);
    assertJsonValues(await get(`${pk}/x/y`, 's'), ['slash']);
    const plus = await ts.request({ method: 'PUT', path: `/${ts.bucket}/${pk}+p?sort_key=s`, body: 'plus' });
    assert.equal(plus.status, 204);
    assertJsonValues(await get(`${pk}+p`, 's'), ['plus']);
    expectError(await get(`${pk} p`, 's'), 404, 'NoSuchKey');
  });

  it('"+" in the sort_key query is a space; %2B is a plus', async () => {
    const pk = uniquePk('qplus');
    const res = await ts.request({ method: 'PUT', path: `/${ts.bucket}/${pk}?sort_key=a+b`, body: 'space' });
    assert.equal(res.status, 204);
    assertJsonValues(await get(pk, 'a b'), ['space']);
    expectError(await get(pk, 'a+b'), 404, 'NoSuchKey');
  });

  it('non-ASCII JSON is sent as raw UTF-8, never \\u-escaped', async () => {
    const pk = uniquePk('rawutf8') + '-é日😀';
    await putItem(ts, pk, 'ключ', 'x');
    const res = await ts.request({ method: 'POST', path: `/${ts.bucket}?search`, body: JSON.stringify([{ partitionKey: pk }]) });
    assert.equal(res.status, 200);
    const text = res.text();
    assert.ok(text.includes('é日😀'), text);
    assert.ok(text.includes('ключ'), text);
    assert.ok(!/\\u[0-9a-fA-F]{4}/.test(text), text);
    const idx = await ts.request({ path: `/${ts.bucket}?prefix=${enc(pk)}` });
    assert.ok(idx.text().includes('é日😀') && !/\\u[0-9a-fA-F]{4}/.test(idx.text()), idx.text());
  });
});
