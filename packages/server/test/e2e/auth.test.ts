/**
 * Authentication and authorisation end to end (contract section 4): header and presigned SigV4
 * from independent signers (aws4, aws4fetch), every rejection with its exact code, permissions of
 * keys created through the admin API, and no rejected write ever changes the store.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  b64,
  ct,
  enc,
  putItem,
  readItem,
  sha256Hex,
  uniquePk,
  useTestServer,
  type Credentials,
  type RequestOptions,
} from './harness.js';
import { assertError, sendPresigned, sendTampered } from './support-http.js';

/** Every rejected write targets this partition; its dump must never change. */
const TARGET = 'auth-target';
let baseline: string;

const ts = useTestServer({}, async () => {
  await putItem(ts, TARGET, 'k', 'original');
  baseline = await dump();
});

/** The observable state of the target partition and of the index. */
async function dump(): Promise<string> {
  const batch = await ts.request({
    method: 'POST',
    path: `/${ts.bucket}?search`,
    body: JSON.stringify([{ partitionKey: TARGET, tombstones: true }]),
  });
  assert.equal(batch.status, 200, batch.text());
  const index = await ts.request({ path: `/${ts.bucket}?prefix=${TARGET}` });
  assert.equal(index.status, 200, index.text());
  return batch.text() + '\n' + index.text();
}

async function assertUnchanged(what: string): Promise<void> {
  assert.equal(await dump(), baseline, `store changed after a rejected request: ${what}`);
}

const itemPath = (bucket: string, sk = 'k') => `/${bucket}/${TARGET}?sort_key=${enc(sk)}`;

/** The four writes of the API, against the target partition. */
function writes(bucket: string): RequestOptions[] {
  return [
    { method: 'PUT', path: itemPath(bucket), body: 'overwritten' },
    { method: 'PUT', path: itemPath(bucket, 'new'), body: 'created' },
    { method: 'DELETE', path: itemPath(bucket) },
    { method: 'POST', path: `/${bucket}`, body: JSON.stringify([{ pk: TARGET, sk: 'batch', v: b64('x') }]) },
    { method: 'POST', path: `/${bucket}?delete`, body: JSON.stringify([{ partitionKey: TARGET }]) },
  ];
}

async function newKey(perms: { read?: boolean; write?: boolean; owner?: boolean } | undefined): Promise<Credentials> {
  const res = await ts.admin('POST', '/v1/key', { name: `auth-${randomBytes(4).toString('hex')}` });
  assert.equal(res.status, 200, res.text());
  const key = res.json<{ accessKeyId: string; secretAccessKey: string }>();
  if (perms !== undefined) {
    const allow = await ts.admin('POST', '/v1/bucket/allow', { bucketId: ts.bucketId, accessKeyId: key.accessKeyId, permissions: perms });
    assert.equal(allow.status, 200, allow.text());
  }
  return { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
}

const UNKNOWN_KEY: Credentials = { accessKeyId: 'GK0123456789abcdef01234567', secretAccessKey: 'a'.repeat(64) };

describe('accepted signatures', () => {
  test('header form with x-amz-content-sha256 (aws4)', async () => {
    const pk = uniquePk('auth-ok');
    const put = await ts.request({ method: 'PUT', path: `/${ts.bucket}/${pk}?sort_key=a`, body: 'hello' });
    assert.equal(put.status, 204, put.text());
    const get = await ts.request({ path: `/${ts.bucket}/${pk}?sort_key=a` });
    assert.equal(get.status, 200, get.text());
    assert.deepEqual(get.json(), [b64('hello')]);
  });

  test('header form without x-amz-content-sha256: the body hash is used (deviation)', async () => {
    const pk = uniquePk('auth-nohash');
    const put = await ts.request({ method: 'PUT', path: `/${ts.bucket}/${pk}?sort_key=a`, body: 'no header', contentSha256: 'none' });
    assert.equal(put.status, 204, put.text());
    const batch = await ts.request({
      method: 'POST',
      path: `/${ts.bucket}?search`,
      body: JSON.stringify([{ partitionKey: pk }]),
      contentSha256: 'none',
    });
    assert.equal(batch.status, 200, batch.text());
    const get = await ts.request({ path: `/${ts.bucket}/${pk}?sort_key=a`, contentSha256: 'none' });
    assert.equal(get.status, 200, get.text());
    assert.deepEqual(get.json(), [b64('no header')]);
  });

  test('query sorted by name as AWS signers do, where it differs from whole k=v order (deviation)', async () => {
    // `a` is a prefix of `a.b`: aws4 signs `a=1&a.b=2`, the contract's order is `a.b=2&a=1`.
    const res = await ts.request({ path: `/${ts.bucket}?a=1&a.b=2&prefix=${TARGET}` });
    assert.equal(res.status, 200, res.text());
    assert.equal(res.json<{ prefix: string }>().prefix, TARGET);
  });

  test('UNSIGNED-PAYLOAD', async () => {
    const pk = uniquePk('auth-unsigned');
    const put = await ts.request({ method: 'PUT', path: `/${ts.bucket}/${pk}?sort_key=a`, body: 'free', contentSha256: 'unsigned' });
    assert.equal(put.status, 204, put.text());
    assert.deepEqual((await readItem(ts, pk, 'a'))?.values, ['free']);
  });

  test('runs of spaces in a signed header value are collapsed (deviation)', async () => {
    const pk = uniquePk('auth-spaces');
    const res = await ts.request({
      method: 'PUT',
      path: `/${ts.bucket}/${pk}?sort_key=a`,
      body: 'x',
      headers: { 'x-note': '  several   spaces   here ' },
    });
    assert.equal(res.status, 204, res.text());
  });

  test('clock skew within 15 minutes is accepted', async () => {
    for (const minutes of [14, -14]) {
      const res = await ts.request({ path: itemPath(ts.bucket), date: new Date(Date.now() + minutes * 60_000) });
      assert.equal(res.status, 200, `skew ${minutes} min: ${res.text()}`);
    }
  });

  test('presigned GET (aws4fetch signQuery)', async () => {
    const res = await sendPresigned(ts, { method: 'GET', path: itemPath(ts.bucket), expiresSeconds: 300 });
    assert.equal(res.status, 200, res.text());
    assert.deepEqual(res.json(), [b64('original')]);
  });

  test('presigned PUT with a body: the body hash is tried after UNSIGNED-PAYLOAD (deviation)', async () => {
    const pk = uniquePk('auth-presign-put');
    const res = await sendPresigned(ts, { method: 'PUT', path: `/${ts.bucket}/${pk}?sort_key=a`, body: 'presigned', expiresSeconds: 300 });
    assert.equal(res.status, 204, res.text());
    assert.deepEqual((await readItem(ts, pk, 'a'))?.values, ['presigned']);
  });

  test('presigned PUT signed with UNSIGNED-PAYLOAD', async () => {
    const pk = uniquePk('auth-presign-unsigned');
    const res = await sendPresigned(ts, {
      method: 'PUT',
      path: `/${ts.bucket}/${pk}?sort_key=a`,
      body: 'unsigned presigned',
      headers: { 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD' },
      expiresSeconds: 300,
    });
    assert.equal(res.status, 204, res.text());
    assert.deepEqual((await readItem(ts, pk, 'a'))?.values, ['unsigned presigned']);
  });

  test('presigned ReadBatch via POST ?search (aws4fetch) and GET (aws4 signQuery)', async () => {
    const search = await sendPresigned(ts, {
      method: 'POST',
      path: `/${ts.bucket}?search`,
      body: JSON.stringify([{ partitionKey: TARGET }]),
      expiresSeconds: 300,
    });
    assert.equal(search.status, 200, search.text());
    const viaAws4 = await ts.request({ path: `${itemPath(ts.bucket)}&X-Amz-Expires=300`, presign: true });
    assert.equal(viaAws4.status, 200, viaAws4.text());
  });

  test('presigned with the maximum X-Amz-Expires (604800) is accepted', async () => {
    const res = await sendPresigned(ts, { method: 'GET', path: itemPath(ts.bucket), expiresSeconds: 604800 });
    assert.equal(res.status, 200, res.text());
  });
});

describe('rejected requests', () => {
  test('wrong body hash -> 400 InvalidDigest, nothing written', async () => {
    const res = await ts.request({
      method: 'PUT',
      path: itemPath(ts.bucket),
      body: 'the real body',
      contentSha256: 'none',
      headers: { 'x-amz-content-sha256': sha256Hex('another body') },
    });
    assertError(res, 400, 'InvalidDigest', 'PUT with a wrong hash');
    const batch = await ts.request({
      method: 'POST',
      path: `/${ts.bucket}`,
      body: JSON.stringify([{ pk: TARGET, sk: 'digest', v: b64('x') }]),
      contentSha256: 'none',
      headers: { 'x-amz-content-sha256': sha256Hex('[]') },
    });
    assertError(batch, 400, 'InvalidDigest', 'InsertBatch with a wrong hash');
    await assertUnchanged('InvalidDigest');
  });

  test('bad signature -> 403 AccessDenied, for every write', async () => {
    for (const w of writes(ts.bucket)) {
      const res = await sendTampered(ts, {
        method: w.method ?? 'GET',
        path: w.path,
        ...(w.body === undefined ? {} : { body: w.body }),
        tamper: (h) => {
          const auth = h['authorization'] ?? '';
          const last = auth.slice(-1);
          h['authorization'] = auth.slice(0, -1) + (last === '0' ? '1' : '0');
        },
      });
      assertError(res, 403, 'AccessDenied', `${w.method} ${w.path} with a bad signature`);
    }
    await assertUnchanged('bad signature');
  });

  test('a body other than the one signed (no x-amz-content-sha256) -> 403 AccessDenied', async () => {
    const res = await sendTampered(ts, {
      method: 'PUT',
      path: itemPath(ts.bucket),
      body: 'signed',
      sendBody: 'swaps!',
      contentSha256: 'none',
      tamper: () => undefined,
    });
    assertError(res, 403, 'AccessDenied', 'swapped body');
    await assertUnchanged('swapped body');
  });

  test('unknown key -> 403 AccessDenied', async () => {
    for (const w of writes(ts.bucket)) {
      assertError(await ts.request({ ...w, credentials: UNKNOWN_KEY }), 403, 'AccessDenied', `${w.method} ${w.path}`);
    }
    assertError(await ts.request({ path: itemPath(ts.bucket), credentials: UNKNOWN_KEY }), 403, 'AccessDenied', 'read');
    await assertUnchanged('unknown key');
  });

  test('no authentication -> 403 AccessDenied', async () => {
    for (const w of writes(ts.bucket)) {
      assertError(await ts.request({ ...w, sign: false }), 403, 'AccessDenied', `${w.method} ${w.path}`);
    }
    assertError(await ts.request({ path: itemPath(ts.bucket), sign: false }), 403, 'AccessDenied', 'read');
    await assertUnchanged('no auth');
  });

  test('wrong region or service -> 400 AuthorizationHeaderMalformed (before the key lookup)', async () => {
    const cases: Partial<RequestOptions>[] = [
      { region: 'us-east-1' },
      { service: 's3' },
      { service: 'k2v', region: 'garage2' },
      { region: 'us-east-1', credentials: UNKNOWN_KEY },
    ];
    for (const c of cases) {
      for (const w of writes(ts.bucket)) {
        const res = await ts.request({ ...w, ...c });
        assertError(res, 400, 'AuthorizationHeaderMalformed', `${w.method} ${JSON.stringify(c)}`);
      }
    }
    await assertUnchanged('wrong scope');
  });

  test('scope date different from X-Amz-Date -> 400 AuthorizationHeaderMalformed', async () => {
    const res = await sendTampered(ts, {
      method: 'PUT',
      path: itemPath(ts.bucket),
      body: 'x',
      tamper: (h) => {
        h['authorization'] = (h['authorization'] ?? '').replace(/\/(\d{8})\//, (_m, d: string) => `/${d === '20200101' ? '20200102' : '20200101'}/`);
      },
    });
    assertError(res, 400, 'AuthorizationHeaderMalformed', 'scope date');
    await assertUnchanged('scope date');
  });

  test('date skewed by 16 minutes -> 400 InvalidRequest', async () => {
    for (const minutes of [16, -16, 24 * 60]) {
      const date = new Date(Date.now() + minutes * 60_000);
      assertError(await ts.request({ path: itemPath(ts.bucket), date }), 400, 'InvalidRequest', `read skew ${minutes}`);
      for (const w of writes(ts.bucket)) {
        assertError(await ts.request({ ...w, date }), 400, 'InvalidRequest', `${w.method} skew ${minutes}`);
      }
    }
    await assertUnchanged('skew');
  });

  test('expired presigned URL -> 403 AccessDenied', async () => {
    const date = new Date(Date.now() - 10 * 60_000);
    const get = await sendPresigned(ts, { method: 'GET', path: itemPath(ts.bucket), expiresSeconds: 60, date });
    assertError(get, 403, 'AccessDenied', 'expired presigned GET');
    const put = await sendPresigned(ts, { method: 'PUT', path: itemPath(ts.bucket), body: 'late', expiresSeconds: 60, date });
    assertError(put, 403, 'AccessDenied', 'expired presigned PUT');
    await assertUnchanged('expired presigned');
  });

  test('presigned with X-Amz-Expires over 604800 -> 400 InvalidRequest', async () => {
    const res = await sendPresigned(ts, { method: 'PUT', path: itemPath(ts.bucket), body: 'x', expiresSeconds: 604801 });
    assertError(res, 400, 'InvalidRequest', 'expires 604801');
    await assertUnchanged('expires too long');
  });

  test('presigned with a bad signature -> 403 AccessDenied', async () => {
    const wrong: Credentials = { accessKeyId: ts.keyId, secretAccessKey: 'b'.repeat(64) };
    const res = await sendPresigned(ts, { method: 'PUT', path: itemPath(ts.bucket), body: 'x', expiresSeconds: 300, creds: wrong });
    assertError(res, 403, 'AccessDenied', 'presigned with a wrong secret');
    await assertUnchanged('presigned bad signature');
  });

  test('an unsigned x-amz-* header -> 400 InvalidRequest', async () => {
    for (const w of writes(ts.bucket)) {
      const res = await ts.request({ ...w, unsignedHeaders: { 'x-amz-meta-sneaky': 'yes' } });
      assertError(res, 400, 'InvalidRequest', `${w.method} with an unsigned x-amz header`);
    }
    await assertUnchanged('unsigned x-amz header');
  });

  test('STREAMING payloads -> 400 InvalidRequest', async () => {
    for (const mode of ['STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'STREAMING-UNSIGNED-PAYLOAD-TRAILER']) {
      const res = await ts.request({
        method: 'PUT',
        path: itemPath(ts.bucket),
        body: 'x',
        contentSha256: 'none',
        headers: { 'x-amz-content-sha256': mode },
      });
      assertError(res, 400, 'InvalidRequest', mode);
    }
    await assertUnchanged('streaming');
  });

  test('a malformed x-amz-content-sha256 -> 400 InvalidRequest', async () => {
    for (const value of ['abc', 'z'.repeat(64), sha256Hex('x').slice(1)]) {
      const res = await ts.request({ method: 'PUT', path: itemPath(ts.bucket), body: 'x', contentSha256: 'none', headers: { 'x-amz-content-sha256': value } });
      assertError(res, 400, 'InvalidRequest', `x-amz-content-sha256: ${value}`);
    }
    await assertUnchanged('bad content sha');
  });

  test('malformed Authorization, missing date, host not signed -> 400 InvalidRequest', async () => {
    const tampers: [string, (h: Record<string, string>) => void][] = [
      ['garbage header', (h) => void (h['authorization'] = 'AWS4-HMAC-SHA256 garbage')],
      ['no Signature part', (h) => void (h['authorization'] = (h['authorization'] ?? '').replace(/,\s*Signature=\w+/, ''))],
      ['no SignedHeaders part', (h) => void (h['authorization'] = (h['authorization'] ?? '').replace(/SignedHeaders=[^,]+,\s*/, ''))],
      ['no X-Amz-Date', (h) => void delete h['x-amz-date']],
      [
        'host not in SignedHeaders',
        (h) => void (h['authorization'] = (h['authorization'] ?? '').replace(/SignedHeaders=([^,]+)/, (_m, s: string) => `SignedHeaders=${s.split(';').filter((x) => x !== 'host').join(';')}`)),
      ],
      [
        'x-amz-date not in SignedHeaders',
        (h) => void (h['authorization'] = (h['authorization'] ?? '').replace(/SignedHeaders=([^,]+)/, (_m, s: string) => `SignedHeaders=${s.split(';').filter((x) => x !== 'x-amz-date').join(';')}`)),
      ],
      ['bad X-Amz-Date', (h) => void (h['x-amz-date'] = 'yesterday')],
    ];
    for (const [what, tamper] of tampers) {
      const res = await sendTampered(ts, { method: 'PUT', path: itemPath(ts.bucket), body: 'x', tamper });
      assertError(res, 400, 'InvalidRequest', what);
    }
    await assertUnchanged('malformed authorization');
  });
});

describe('permissions', () => {
  test('a read-only key reads (PollRange included, deviation) but cannot write', async () => {
    const ro = await newKey({ read: true });
    for (const w of writes(ts.bucket)) {
      assertError(await ts.request({ ...w, credentials: ro }), 403, 'AccessDenied', `read-only ${w.method} ${w.path}`);
    }
    await assertUnchanged('read-only writes');

    const get = await ts.request({ path: itemPath(ts.bucket), credentials: ro });
    assert.equal(get.status, 200, get.text());
    assert.deepEqual(get.json(), [b64('original')]);
    const index = await ts.request({ path: `/${ts.bucket}?prefix=${TARGET}`, credentials: ro });
    assert.equal(index.status, 200, index.text());
    const body = JSON.stringify([{ partitionKey: TARGET }]);
    for (const [method, path] of [['POST', `/${ts.bucket}?search`], ['SEARCH', `/${ts.bucket}`]] as const) {
      const r = await ts.request({ method, path, body, credentials: ro });
      assert.equal(r.status, 200, `${method} ReadBatch: ${r.text()}`);
    }
    const poll = await ts.request({ path: `${itemPath(ts.bucket)}&causality_token=AAAAAAAAAAA&timeout=5`, credentials: ro });
    assert.equal(poll.status, 200, poll.text());
    assert.equal(ct(poll), ct(get));
    const range = await ts.request({ method: 'POST', path: `/${ts.bucket}/${TARGET}?poll_range`, body: '{}', credentials: ro });
    assert.equal(range.status, 200, `PollRange with read only: ${range.text()}`);
  });

  test('a write-only key writes but cannot read', async () => {
    const wo = await newKey({ write: true });
    const pk = uniquePk('auth-wo');
    const put = await ts.request({ method: 'PUT', path: `/${ts.bucket}/${pk}?sort_key=a`, body: 'w', credentials: wo });
    assert.equal(put.status, 204, put.text());
    assertError(await ts.request({ path: `/${ts.bucket}/${pk}?sort_key=a`, credentials: wo }), 403, 'AccessDenied', 'read');
    assertError(await ts.request({ path: `/${ts.bucket}`, credentials: wo }), 403, 'AccessDenied', 'ReadIndex');
    assertError(
      await ts.request({ method: 'POST', path: `/${ts.bucket}/${pk}?poll_range`, body: '{}', credentials: wo }),
      403,
      'AccessDenied',
      'PollRange',
    );
  });

  test('a key without permission, or with owner only, gets 403 everywhere', async () => {
    for (const creds of [await newKey(undefined), await newKey({ owner: true })]) {
      for (const w of writes(ts.bucket)) {
        assertError(await ts.request({ ...w, credentials: creds }), 403, 'AccessDenied', `${w.method} ${w.path}`);
      }
      assertError(await ts.request({ path: itemPath(ts.bucket), credentials: creds }), 403, 'AccessDenied', 'read');
      assertError(await ts.request({ path: `/${ts.bucket}`, credentials: creds }), 403, 'AccessDenied', 'ReadIndex');
    }
    await assertUnchanged('no permission');
  });

  test('a permission revoked through the admin API takes effect at once', async () => {
    const key = await newKey({ read: true, write: true });
    const pk = uniquePk('auth-revoke');
    const ok = await ts.request({ method: 'PUT', path: `/${ts.bucket}/${pk}?sort_key=a`, body: '1', credentials: key });
    assert.equal(ok.status, 204, ok.text());
    const deny = await ts.admin('POST', '/v1/bucket/deny', { bucketId: ts.bucketId, accessKeyId: key.accessKeyId, permissions: { write: true } });
    assert.equal(deny.status, 200, deny.text());
    const refused = await ts.request({ method: 'PUT', path: `/${ts.bucket}/${pk}?sort_key=a`, body: '2', credentials: key });
    assertError(refused, 403, 'AccessDenied', 'write after deny');
    const read = await ts.request({ path: `/${ts.bucket}/${pk}?sort_key=a`, credentials: key });
    assert.equal(read.status, 200);
    assert.deepEqual(read.json(), [b64('1')]);
  });

  test("another key's local alias does not resolve (404 NoSuchBucket)", async () => {
    const other = await newKey(undefined);
    const alias = `mine-${randomBytes(4).toString('hex')}`;
    const created = await ts.admin('POST', '/v1/bucket', {
      localAlias: { accessKeyId: other.accessKeyId, alias, allow: { read: true, write: true } },
    });
    assert.equal(created.status, 200, created.text());

    // The owner of the alias reaches its bucket...
    const own = await ts.request({ method: 'PUT', path: `/${alias}/p?sort_key=a`, body: 'local', credentials: other });
    assert.equal(own.status, 204, own.text());
    const ownRead = await ts.request({ path: `/${alias}/p?sort_key=a`, credentials: other });
    assert.equal(ownRead.status, 200, ownRead.text());
    // ...the harness key does not.
    assertError(await ts.request({ path: `/${alias}/p?sort_key=a` }), 404, 'NoSuchBucket', 'read via foreign alias');
    assertError(await ts.request({ method: 'PUT', path: `/${alias}/p?sort_key=a`, body: 'x' }), 404, 'NoSuchBucket', 'write');
    assert.deepEqual(
      (await ts.request({ path: `/${alias}/p?sort_key=a`, credentials: other })).json(),
      [b64('local')],
    );
  });

  test('a deleted key -> 403', async () => {
    const key = await newKey({ read: true, write: true });
    const pk = uniquePk('auth-deleted');
    const ok = await ts.request({ method: 'PUT', path: `/${ts.bucket}/${pk}?sort_key=a`, body: 'before', credentials: key });
    assert.equal(ok.status, 204, ok.text());
    const del = await ts.admin('DELETE', `/v1/key?id=${key.accessKeyId}`);
    assert.ok(del.status === 204 || del.status === 200, `delete key: ${del.status} ${del.text()}`);
    assertError(await ts.request({ path: `/${ts.bucket}/${pk}?sort_key=a`, credentials: key }), 403, 'AccessDenied', 'read');
    for (const w of writes(ts.bucket)) {
      assertError(await ts.request({ ...w, credentials: key }), 403, 'AccessDenied', `${w.method} with a deleted key`);
    }
    await assertUnchanged('deleted key');
    assert.deepEqual((await readItem(ts, pk, 'a'))?.values, ['before']);
  });
});

describe('rejected requests leave the store unchanged (final check)', () => {
  test('the target partition is as it was', async () => {
    await assertUnchanged('all tests');
    assert.deepEqual((await readItem(ts, TARGET, 'k'))?.values, ['original']);
  });
});

