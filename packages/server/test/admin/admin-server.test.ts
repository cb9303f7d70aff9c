import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { list, obj, REGION, startAdmin, TOKEN, type AdminHarness, type Reply } from './harness.js';

function assertError(reply: Reply, status: number, code: string, path: string): void {
  assert.equal(reply.status, status, reply.text);
  assert.equal(reply.headers['content-type'], 'application/json');
  const body = obj(reply.json);
  assert.deepEqual(Object.keys(body), ['code', 'message', 'region', 'path']);
  assert.equal(body.code, code);
  assert.equal(typeof body.message, 'string');
  assert.equal(body.region, REGION);
  assert.equal(body.path, path);
}

describe('admin server: health, token, routing, bodies', () => {
  let h: AdminHarness;
  before(async () => {
    h = await startAdmin();
  });
  after(() => h.close());

  it('GET /health needs no token and answers text/plain 200', async () => {
    const r = await h.call('GET', '/health', { auth: null });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/plain');
    assert.ok(r.text.length > 0);
  });

  it('GET /health answers 503 while the store is unhealthy', async () => {
    h.setHealthy(false);
    try {
      const r = await h.call('GET', '/health', { auth: null });
      assert.equal(r.status, 503);
      assert.equal(r.headers['content-type'], 'text/plain');
    } finally {
      h.setHealthy(true);
    }
  });

  it('refuses a missing token with 403 AccessDenied', async () => {
    assertError(await h.call('GET', '/v1/key', { auth: null }), 403, 'AccessDenied', '/v1/key');
  });

  it('refuses a wrong token, another scheme, or a token prefix with 403', async () => {
    for (const auth of [`Bearer ${TOKEN}x`, `Bearer wrong`, `Basic ${TOKEN}`, `bearer ${TOKEN}`, `Bearer ${TOKEN.slice(0, 5)}`, 'Bearer ']) {
      assertError(await h.call('GET', '/v1/bucket', { auth }), 403, 'AccessDenied', '/v1/bucket');
    }
  });

  it('accepts the token with surrounding spaces', async () => {
    const r = await h.call('GET', '/v1/key', { auth: `Bearer   ${TOKEN}  ` });
    assert.equal(r.status, 200);
  });

  it('answers 400 InvalidHeaderValue for a non-ASCII Authorization header', async () => {
    assertError(await h.call('GET', '/v1/key', { auth: 'Bearer t\u00e9st' }), 400, 'InvalidHeaderValue', '/v1/key');
  });

  it('answers 400 InvalidRequest for unknown routes, before checking the token', async () => {
    for (const [method, path] of [
      ['GET', '/v1/nothing'],
      ['GET', '/v1/key/'],
      ['DELETE', '/v1/key'],
      ['PUT', '/v1/bucket'],
      ['DELETE', '/v1/bucket'],
      ['GET', '/v1/bucket/alias/global'],
      ['PATCH', '/v1/key'],
      ['POST', '/health'],
      ['GET', '/'],
    ] as const) {
      assertError(await h.call(method, path, { auth: null }), 400, 'InvalidRequest', path);
    }
  });

  it('reports the path without its query in errors', async () => {
    assertError(await h.call('GET', '/v1/key?id=GKnope&x=1'), 404, 'NoSuchAccessKey', '/v1/key');
  });

  it('answers 400 for a missing mandatory query field', async () => {
    assertError(await h.call('PUT', `/v1/bucket/alias/global?id=${'0'.repeat(64)}`), 400, 'InvalidRequest', '/v1/bucket/alias/global');
    assertError(await h.call('DELETE', '/v1/bucket/alias/local?id=x&alias=y'), 400, 'InvalidRequest', '/v1/bucket/alias/local');
  });

  it('answers 400 for a repeated query field, ignores unknown and empty ones', async () => {
    assertError(await h.call('GET', '/v1/key?id=a&id=b'), 400, 'InvalidRequest', '/v1/key');
    for (const path of ['/v1/key?list', '/v1/key?id=', '/v1/key?whatever=1&list=']) {
      const r = await h.call('GET', path);
      assert.equal(r.status, 200, path);
      assert.ok(Array.isArray(r.json), path);
    }
  });

  it('answers OPTIONS (a CORS preflight) on any path without a token, as Garage v2', async () => {
    for (const path of ['/v1/key', '/v2/ListKeys', '/anything']) {
      const r = await h.call('OPTIONS', path, { auth: null });
      assert.equal(r.status, 200, path);
      assert.equal(r.headers.allow, 'OPTIONS,GET,POST');
      assert.equal(r.headers['access-control-allow-methods'], 'OPTIONS,GET,POST');
      assert.equal(r.headers['access-control-allow-headers'], 'authorization,content-type');
      assert.equal(r.headers['access-control-allow-origin'], '*');
    }
    assertError(await h.call('GET', '/v1/key', { auth: null }), 403, 'AccessDenied', '/v1/key');
  });

  it('answers 400 InvalidRequest for bad JSON, empty bodies, invalid UTF-8 and non-objects', async () => {
    for (const body of ['{', '', '{"name": "x"} x', '[]', 'null', '"s"', Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])]) {
      assertError(await h.call('POST', '/v1/key', { body }), 400, 'InvalidRequest', '/v1/key');
    }
    assertError(await h.call('POST', '/v1/key', { body: { name: 3 } }), 400, 'InvalidRequest', '/v1/key');
  });

  it('answers 413 PayloadTooLarge over 1 MiB, announced or chunked', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(1024 * 1024) });
    assertError(await h.call('POST', '/v1/key', { body: big }), 413, 'PayloadTooLarge', '/v1/key');
    const chunked = await h.call('POST', '/v1/key', { body: big, headers: { 'transfer-encoding': 'chunked' } });
    assertError(chunked, 413, 'PayloadTooLarge', '/v1/key');
    // A body just under the limit is fine.
    const fits = JSON.stringify({ name: 'y'.repeat(1024 * 1024 - 20) });
    assert.equal((await h.call('POST', '/v1/key', { body: fits })).status, 200);
  });

  it('sends non-ASCII text as raw UTF-8, never \\u escapes', async () => {
    const name = 'clé ✓ 鍵';
    const r = await h.call('POST', '/v1/key', { body: { name } });
    assert.equal(r.status, 200);
    assert.ok(r.raw.includes(Buffer.from(name, 'utf8')));
    assert.ok(!r.text.includes('\\u'));
    const listed = list((await h.call('GET', '/v1/key')).json).map((k) => obj(k).name);
    assert.ok(listed.includes(name));
  });

  it('answers JSON with Content-Type exactly application/json', async () => {
    const r = await h.call('GET', '/v1/bucket');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json');
  });

  it('answers 503 ServiceUnavailable when the store cannot commit', async () => {
    const meta = h.store.meta;
    const original = meta.update.bind(meta);
    const { StoreError } = await import('../../src/store/errors.js');
    meta.update = () => Promise.reject(new StoreError('Unavailable', 'map full'));
    try {
      assertError(await h.call('POST', '/v1/key', { body: {} }), 503, 'ServiceUnavailable', '/v1/key');
    } finally {
      meta.update = original;
    }
  });

  it('answers 500 InternalError without details on a bug', async () => {
    const meta = h.store.meta;
    const original = meta.listKeys.bind(meta);
    meta.listKeys = () => {
      throw new Error('secret detail');
    };
    try {
      const r = await h.call('GET', '/v1/key');
      assertError(r, 500, 'InternalError', '/v1/key');
      assert.ok(!r.text.includes('secret detail'));
    } finally {
      meta.listKeys = original;
    }
  });
});

describe('admin server without an admin token', () => {
  let h: AdminHarness;
  before(async () => {
    h = await startAdmin(null);
  });
  after(() => h.close());

  it('refuses every protected route with 403, whatever the token', async () => {
    for (const auth of [null, `Bearer ${TOKEN}`, 'Bearer ']) {
      assertError(await h.call('GET', '/v1/key', { auth }), 403, 'AccessDenied', '/v1/key');
      assertError(await h.call('POST', '/v1/bucket', { auth, body: {} }), 403, 'AccessDenied', '/v1/bucket');
    }
  });

  it('still answers /health', async () => {
    assert.equal((await h.call('GET', '/health', { auth: null })).status, 200);
  });
});

describe('admin server with a blank admin token', () => {
  it('treats it as not configured', async () => {
    const h = await startAdmin('   ');
    try {
      assertError(await h.call('GET', '/v1/key', { auth: 'Bearer    ' }), 403, 'AccessDenied', '/v1/key');
    } finally {
      await h.close();
    }
  });
});
