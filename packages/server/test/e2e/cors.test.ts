/**
 * CORS end to end (contract section 11): rules set through the admin API (`corsRules`, our
 * extension of UpdateBucket), preflight OPTIONS answered before authentication, and CORS headers
 * on every response to a matching Origin, errors included.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { b64, ct, putItem, readItem, uniquePk, useTestServer, type TestResponse } from './harness.js';
import { assertError } from './support-http.js';

const APP = 'https://app.example';
const OTHER = 'https://other.example';

const RULES = [
  {
    id: 'app',
    allowedOrigins: [APP],
    allowedMethods: ['GET', 'PUT', 'DELETE', 'POST', 'SEARCH'],
    allowedHeaders: ['authorization', 'x-amz-date', 'x-amz-content-sha256', 'x-garage-causality-token', 'content-type'],
    exposeHeaders: ['x-garage-causality-token'],
    maxAgeSeconds: 600,
  },
  {
    id: 'anyone-reads',
    allowedOrigins: ['*'],
    allowedMethods: ['GET'],
    allowedHeaders: ['*'],
    exposeHeaders: [],
  },
];

async function setRules(bucketId: string, rules: unknown[]): Promise<void> {
  const res = await ts.admin('PUT', `/v1/bucket?id=${bucketId}`, { corsRules: rules });
  assert.equal(res.status, 200, `set corsRules: ${res.status} ${res.text()}`);
}

const ts = useTestServer({}, () => setRules(ts.bucketId, RULES));

function preflight(path: string, headers: Record<string, string>): Promise<TestResponse> {
  return ts.request({ method: 'OPTIONS', path, headers, sign: false });
}

function header(res: TestResponse, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

function list(res: TestResponse, name: string): string[] {
  return (header(res, name) ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
}

function assertCorsFor(res: TestResponse, origin: string, what: string): void {
  assert.equal(header(res, 'access-control-allow-origin'), origin, `${what}: Access-Control-Allow-Origin`);
  assert.ok(list(res, 'vary').includes('origin'), `${what}: Vary: Origin (got ${header(res, 'vary')})`);
}

describe('preflight (OPTIONS)', () => {
  test('a matching rule -> 200 with the headers, Origin echoed, Vary: Origin, max age', async () => {
    const res = await preflight(`/${ts.bucket}/pk?sort_key=a`, {
      origin: APP,
      'access-control-request-method': 'PUT',
      'access-control-request-headers': 'x-garage-causality-token, authorization, x-amz-date',
    });
    assert.equal(res.status, 200, res.text());
    assertCorsFor(res, APP, 'preflight');
    assert.ok(list(res, 'access-control-allow-methods').includes('put'), header(res, 'access-control-allow-methods'));
    assert.ok(list(res, 'access-control-allow-headers').includes('x-garage-causality-token'), header(res, 'access-control-allow-headers'));
    assert.ok(list(res, 'access-control-expose-headers').includes('x-garage-causality-token'));
    assert.equal(header(res, 'access-control-max-age'), '600');
  });

  test('a wildcard-origin rule still echoes the request Origin (deviation)', async () => {
    const res = await preflight(`/${ts.bucket}/pk?sort_key=a`, { origin: OTHER, 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-anything' });
    assert.equal(res.status, 200, res.text());
    assertCorsFor(res, OTHER, 'wildcard rule');
    assert.equal(header(res, 'access-control-max-age'), undefined);
  });

  test('preflight on the bucket path (batches, index) and SEARCH', async () => {
    const post = await preflight(`/${ts.bucket}?search`, { origin: APP, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' });
    assert.equal(post.status, 200, post.text());
    assertCorsFor(post, APP, 'POST preflight');
    const search = await preflight(`/${ts.bucket}`, { origin: APP, 'access-control-request-method': 'SEARCH' });
    assert.equal(search.status, 200, search.text());
  });

  test('no matching rule -> 400 InvalidRequest', async () => {
    const cases: Record<string, string>[] = [
      { origin: OTHER, 'access-control-request-method': 'PUT' }, // origin only allowed for GET
      { origin: APP, 'access-control-request-method': 'PATCH' },
      { origin: APP, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'x-forbidden' },
      { origin: APP, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization, x-forbidden' },
      { origin: 'https://app.example.evil', 'access-control-request-method': 'PUT' },
    ];
    for (const h of cases) {
      const res = await preflight(`/${ts.bucket}/pk?sort_key=a`, h);
      assertError(res, 400, 'InvalidRequest', JSON.stringify(h));
    }
  });

  test('missing Origin or Access-Control-Request-Method -> 400 InvalidRequest', async () => {
    assertError(await preflight(`/${ts.bucket}/pk?sort_key=a`, { 'access-control-request-method': 'GET' }), 400, 'InvalidRequest', 'no Origin');
    assertError(await preflight(`/${ts.bucket}/pk?sort_key=a`, { origin: APP }), 400, 'InvalidRequest', 'no request method');
    assertError(await preflight(`/${ts.bucket}/pk?sort_key=a`, {}), 400, 'InvalidRequest', 'neither');
  });

  test('an unknown bucket, or a local alias -> 200 with `*` headers', async () => {
    const unknown = await preflight(`/no-such-bucket-${randomBytes(4).toString('hex')}/pk?sort_key=a`, {
      origin: APP,
      'access-control-request-method': 'PUT',
    });
    assert.equal(unknown.status, 200, unknown.text());
    assert.equal(header(unknown, 'access-control-allow-origin'), '*');
    assert.equal(header(unknown, 'access-control-allow-methods'), '*');

    const alias = `local-${randomBytes(4).toString('hex')}`;
    const created = await ts.admin('POST', '/v1/bucket', { localAlias: { accessKeyId: ts.keyId, alias, allow: { read: true, write: true } } });
    assert.equal(created.status, 200, created.text());
    const local = await preflight(`/${alias}/pk?sort_key=a`, { origin: APP, 'access-control-request-method': 'GET' });
    assert.equal(local.status, 200, local.text());
    assert.equal(header(local, 'access-control-allow-origin'), '*');
    assert.equal(header(local, 'access-control-allow-methods'), '*');
  });

  test('a global bucket without rules -> 400; clearing the rules turns a match into 400', async () => {
    const alias = `nocors-${randomBytes(4).toString('hex')}`;
    const created = await ts.admin('POST', '/v1/bucket', { globalAlias: alias });
    assert.equal(created.status, 200, created.text());
    const id = created.json<{ id: string }>().id;
    const h = { origin: APP, 'access-control-request-method': 'GET' };
    assertError(await preflight(`/${alias}/pk?sort_key=a`, h), 400, 'InvalidRequest', 'no rules');

    await setRules(id, RULES);
    assert.equal((await preflight(`/${alias}/pk?sort_key=a`, h)).status, 200);
    await setRules(id, []);
    assertError(await preflight(`/${alias}/pk?sort_key=a`, h), 400, 'InvalidRequest', 'rules cleared');
  });
});

describe('CORS headers on actual responses', () => {
  test('GET, PUT, DELETE and batches carry them for a matching Origin', async () => {
    const pk = uniquePk('cors-actual');
    const put = await ts.request({ method: 'PUT', path: `/${ts.bucket}/${pk}?sort_key=a`, body: 'v', headers: { origin: APP } });
    assert.equal(put.status, 204, put.text());
    assertCorsFor(put, APP, 'PUT');

    const get = await ts.request({ path: `/${ts.bucket}/${pk}?sort_key=a`, headers: { origin: APP } });
    assert.equal(get.status, 200, get.text());
    assertCorsFor(get, APP, 'GET');
    assert.ok(list(get, 'access-control-expose-headers').includes('x-garage-causality-token'));
    assert.deepEqual(get.json(), [b64('v')]);

    const search = await ts.request({
      method: 'POST',
      path: `/${ts.bucket}?search`,
      body: JSON.stringify([{ partitionKey: pk }]),
      headers: { origin: APP },
    });
    assert.equal(search.status, 200, search.text());
    assertCorsFor(search, APP, 'ReadBatch');

    const del = await ts.request({ method: 'DELETE', path: `/${ts.bucket}/${pk}?sort_key=a`, headers: { origin: APP, 'x-garage-causality-token': ct(get) } });
    assert.equal(del.status, 204, del.text());
    assertCorsFor(del, APP, 'DELETE');
    assert.deepEqual((await readItem(ts, pk, 'a'))?.values, [null]);
  });

  test('errors carry them too (404 NoSuchKey, 400 CausalityToken)', async () => {
    const pk = uniquePk('cors-errors');
    const missing = await ts.request({ path: `/${ts.bucket}/${pk}?sort_key=nothing`, headers: { origin: APP } });
    assertError(missing, 404, 'NoSuchKey', 'missing item');
    assertCorsFor(missing, APP, '404');

    const badToken = await ts.request({
      method: 'PUT',
      path: `/${ts.bucket}/${pk}?sort_key=a`,
      body: 'v',
      headers: { origin: APP, 'x-garage-causality-token': 'tra$h' },
    });
    assertError(badToken, 400, 'CausalityToken', 'bad token');
    assertCorsFor(badToken, APP, '400');
  });

  test('a wildcard rule applies to GET from any origin, not to PUT', async () => {
    const pk = uniquePk('cors-wild');
    await putItem(ts, pk, 'a', 'v');
    const get = await ts.request({ path: `/${ts.bucket}/${pk}?sort_key=a`, headers: { origin: OTHER } });
    assert.equal(get.status, 200);
    assertCorsFor(get, OTHER, 'wildcard GET');
    const put = await ts.request({ method: 'PUT', path: `/${ts.bucket}/${pk}?sort_key=a`, body: 'w', headers: { origin: OTHER } });
    assert.equal(put.status, 204, put.text());
    assert.equal(header(put, 'access-control-allow-origin'), undefined, 'no rule allows PUT from that origin');
  });

  test('no Origin -> no CORS headers', async () => {
    const pk = uniquePk('cors-none');
    await putItem(ts, pk, 'a', 'v');
    const get = await ts.request({ path: `/${ts.bucket}/${pk}?sort_key=a` });
    assert.equal(get.status, 200);
    assert.equal(header(get, 'access-control-allow-origin'), undefined);
  });
});
