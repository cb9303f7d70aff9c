import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { list, obj, startAdmin, type AdminHarness, type Reply } from './harness.js';

const BUCKET_INFO_FIELDS = [
  'id',
  'globalAliases',
  'websiteAccess',
  'websiteConfig',
  'keys',
  'objects',
  'bytes',
  'unfinishedUploads',
  'unfinishedMultipartUploads',
  'unfinishedMultipartUploadParts',
  'unfinishedMultipartUploadBytes',
  'quotas',
  'corsRules',
  'k2v',
];

function assertCode(r: Reply, status: number, code: string): void {
  assert.equal(r.status, status, r.text);
  assert.equal(obj(r.json).code, code);
}

describe('admin API: buckets', () => {
  let h: AdminHarness;
  beforeEach(async () => {
    h = await startAdmin();
  });
  afterEach(() => h.close());

  async function createBucket(body: unknown): Promise<Record<string, unknown>> {
    const r = await h.call('POST', '/v1/bucket', { body });
    assert.equal(r.status, 200, r.text);
    return obj(r.json);
  }

  async function createKey(name: string): Promise<string> {
    return String(obj((await h.call('POST', '/v1/key', { body: { name } })).json).accessKeyId);
  }

  it('creates a bucket with a global alias: BucketInfo, Garage fields then extensions', async () => {
    const info = await createBucket({ globalAlias: 'photos' });
    assert.deepEqual(Object.keys(info), BUCKET_INFO_FIELDS);
    assert.match(String(info.id), /^[0-9a-f]{64}$/);
    assert.deepEqual(info.globalAliases, ['photos']);
    assert.equal(info.websiteAccess, false);
    assert.equal(info.websiteConfig, null);
    assert.deepEqual(info.keys, []);
    for (const f of ['objects', 'bytes', 'unfinishedUploads', 'unfinishedMultipartUploads', 'unfinishedMultipartUploadParts', 'unfinishedMultipartUploadBytes']) {
      assert.equal(info[f], 0, f);
    }
    assert.deepEqual(info.quotas, { maxSize: null, maxObjects: null });
    assert.deepEqual(info.corsRules, []);
    assert.deepEqual(info.k2v, { items: 0, partitions: 0, values: 0, bytes: 0 });
    assert.equal(h.store.meta.resolveGlobalAlias('photos'), info.id);
  });

  it('creates a bucket without any alias', async () => {
    const info = await createBucket({});
    assert.deepEqual(info.globalAliases, []);
    assert.ok(h.store.meta.getBucket(String(info.id)));
  });

  it('creates a bucket with a local alias and permissions', async () => {
    const key = await createKey('k');
    const info = await createBucket({ localAlias: { accessKeyId: key, alias: 'docs', allow: { read: true, write: true } } });
    assert.deepEqual(info.keys, [
      { accessKeyId: key, name: 'k', permissions: { read: true, write: true, owner: false }, bucketLocalAliases: ['docs'] },
    ]);
    assert.equal(h.store.meta.resolveLocalAlias(key, 'docs'), info.id);
    // Without `allow`, the alias exists but no permission entry.
    const bare = await createBucket({ localAlias: { accessKeyId: key, alias: 'bare' } });
    assert.deepEqual(bare.keys, [
      { accessKeyId: key, name: 'k', permissions: { read: false, write: false, owner: false }, bucketLocalAliases: ['bare'] },
    ]);
    assert.deepEqual(h.store.meta.getBucket(String(bare.id))?.keys, {});
  });

  it('refuses a taken global alias with 409 BucketAlreadyExists', async () => {
    await createBucket({ globalAlias: 'taken' });
    assertCode(await h.call('POST', '/v1/bucket', { body: { globalAlias: 'taken' } }), 409, 'BucketAlreadyExists');
    assert.equal(h.store.meta.listBuckets().length, 1);
  });

  it('refuses a local alias of an unknown key (404) or one the key already has (400)', async () => {
    assertCode(
      await h.call('POST', '/v1/bucket', { body: { localAlias: { accessKeyId: 'GK' + '0'.repeat(24), alias: 'abc' } } }),
      404,
      'NoSuchAccessKey',
    );
    const key = await createKey('k');
    await createBucket({ localAlias: { accessKeyId: key, alias: 'abc' } });
    assertCode(await h.call('POST', '/v1/bucket', { body: { localAlias: { accessKeyId: key, alias: 'abc' } } }), 400, 'InvalidRequest');
    assert.equal(h.store.meta.listBuckets().length, 1);
  });

  it('refuses invalid bucket names with 400, global or local', async () => {
    const key = await createKey('k');
    for (const name of ['ab', 'a'.repeat(64), 'Photos', 'my_bucket', '-abc', 'abc-', '.abc', 'abc.', '192.168.1.1', 'xn--abc', 'a.xn--bc', 'abc-s3alias', 'ab c', 'é-bucket']) {
      assertCode(await h.call('POST', '/v1/bucket', { body: { globalAlias: name } }), 400, 'InvalidRequest');
      assertCode(await h.call('POST', '/v1/bucket', { body: { localAlias: { accessKeyId: key, alias: name } } }), 400, 'InvalidRequest');
    }
    assert.equal(h.store.meta.listBuckets().length, 0);
  });

  it('refuses malformed create bodies with 400', async () => {
    for (const body of [{ globalAlias: 3 }, { localAlias: { alias: 'abc' } }, { localAlias: 'abc' }, { localAlias: { accessKeyId: 'x', alias: 'abc', allow: { read: 1 } } }]) {
      assertCode(await h.call('POST', '/v1/bucket', { body }), 400, 'InvalidRequest');
    }
  });

  it('lists buckets with their aliases, sorted by id', async () => {
    const key = await createKey('k');
    const a = await createBucket({ globalAlias: 'one' });
    const b = await createBucket({ globalAlias: 'two', localAlias: { accessKeyId: key, alias: 'mine' } });
    const r = await h.call('GET', '/v1/bucket');
    assert.equal(r.status, 200);
    const expected = [
      { id: a.id, globalAliases: ['one'], localAliases: [] },
      { id: b.id, globalAliases: ['two'], localAliases: [{ accessKeyId: key, alias: 'mine' }] },
    ].sort((x, y) => (String(x.id) < String(y.id) ? -1 : 1));
    assert.deepEqual(r.json, expected);
    assert.deepEqual(list((await h.call('GET', '/v1/bucket?list')).json).length, 2);
  });

  it('gets a bucket by id (either case), by global alias, or by a 64-hex global alias', async () => {
    const info = await createBucket({ globalAlias: 'find-me' });
    const id = String(info.id);
    for (const path of [`/v1/bucket?id=${id}`, `/v1/bucket?id=${id.toUpperCase()}`, '/v1/bucket?globalAlias=find-me', `/v1/bucket?globalAlias=${id}`]) {
      const r = await h.call('GET', path);
      assert.equal(r.status, 200, path);
      assert.deepEqual(r.json, info, path);
    }
  });

  it('answers 404 NoSuchBucket, or 400 for a bad id or both selectors', async () => {
    const info = await createBucket({ globalAlias: 'x-y-z' });
    assertCode(await h.call('GET', `/v1/bucket?id=${'0'.repeat(64)}`), 404, 'NoSuchBucket');
    assertCode(await h.call('GET', '/v1/bucket?globalAlias=nothing'), 404, 'NoSuchBucket');
    assertCode(await h.call('GET', `/v1/bucket?globalAlias=${'0'.repeat(64)}`), 404, 'NoSuchBucket');
    assertCode(await h.call('GET', '/v1/bucket?id=1234'), 400, 'InvalidRequest');
    assertCode(await h.call('GET', `/v1/bucket?id=${'g'.repeat(64)}`), 400, 'InvalidRequest');
    assertCode(await h.call('GET', `/v1/bucket?id=${String(info.id)}&globalAlias=x-y-z`), 400, 'InvalidRequest');
  });

  it('reports the K2V totals of the bucket', async () => {
    const info = await createBucket({ globalAlias: 'counted' });
    const id = String(info.id);
    const v = (s: string) => new TextEncoder().encode(s);
    await h.store.write(id, [
      { pk: 'p1', sk: 'a', ct: undefined, value: v('hello') },
      { pk: 'p1', sk: 'b', ct: undefined, value: v('xy') },
      { pk: 'p2', sk: 'a', ct: undefined, value: v('') },
    ]);
    const got = obj((await h.call('GET', `/v1/bucket?id=${id}`)).json);
    assert.deepEqual(got.k2v, { items: 3, partitions: 2, values: 3, bytes: 7 });
  });

  it('updates website access', async () => {
    const id = String((await createBucket({ globalAlias: 'site' })).id);
    const on = await h.call('PUT', `/v1/bucket?id=${id}`, {
      body: { websiteAccess: { enabled: true, indexDocument: 'index.html', errorDocument: 'err.html' } },
    });
    assert.equal(on.status, 200, on.text);
    assert.equal(obj(on.json).websiteAccess, true);
    assert.deepEqual(obj(on.json).websiteConfig, { indexDocument: 'index.html', errorDocument: 'err.html' });
    const onlyIndex = obj((await h.call('PUT', `/v1/bucket?id=${id}`, { body: { websiteAccess: { enabled: true, indexDocument: 'i.html' } } })).json);
    assert.deepEqual(onlyIndex.websiteConfig, { indexDocument: 'i.html', errorDocument: null });
    assertCode(await h.call('PUT', `/v1/bucket?id=${id}`, { body: { websiteAccess: { enabled: true } } }), 400, 'InvalidRequest');
    assertCode(
      await h.call('PUT', `/v1/bucket?id=${id}`, { body: { websiteAccess: { enabled: false, indexDocument: 'i.html' } } }),
      400,
      'InvalidRequest',
    );
    assertCode(await h.call('PUT', `/v1/bucket?id=${id}`, { body: { websiteAccess: { indexDocument: 'i.html' } } }), 400, 'InvalidRequest');
    const off = obj((await h.call('PUT', `/v1/bucket?id=${id}`, { body: { websiteAccess: { enabled: false } } })).json);
    assert.equal(off.websiteAccess, false);
    assert.equal(off.websiteConfig, null);
  });

  it('updates quotas', async () => {
    const id = String((await createBucket({ globalAlias: 'quota' })).id);
    const set = obj((await h.call('PUT', `/v1/bucket?id=${id}`, { body: { quotas: { maxSize: 1000, maxObjects: 5 } } })).json);
    assert.deepEqual(set.quotas, { maxSize: 1000, maxObjects: 5 });
    const unchanged = obj((await h.call('PUT', `/v1/bucket?id=${id}`, { body: {} })).json);
    assert.deepEqual(unchanged.quotas, { maxSize: 1000, maxObjects: 5 });
    const partial = obj((await h.call('PUT', `/v1/bucket?id=${id}`, { body: { quotas: { maxObjects: 7 } } })).json);
    assert.deepEqual(partial.quotas, { maxSize: null, maxObjects: 7 });
    for (const quotas of [{ maxSize: -1 }, { maxSize: 1.5 }, { maxObjects: '3' }]) {
      assertCode(await h.call('PUT', `/v1/bucket?id=${id}`, { body: { quotas } }), 400, 'InvalidRequest');
    }
  });

  it('sets and clears CORS rules (extension)', async () => {
    const id = String((await createBucket({ globalAlias: 'cors' })).id);
    const rules = [
      { id: 'web', allowedOrigins: ['https://app.example'], allowedMethods: ['GET', 'PUT'], allowedHeaders: ['*'], exposeHeaders: ['x-garage-causality-token'], maxAgeSeconds: 600 },
      { allowedOrigins: ['*'], allowedMethods: ['GET'] },
    ];
    const r = await h.call('PUT', `/v1/bucket?id=${id}`, { body: { corsRules: rules } });
    assert.equal(r.status, 200, r.text);
    const expected = [rules[0], { id: null, allowedOrigins: ['*'], allowedMethods: ['GET'], allowedHeaders: [], exposeHeaders: [], maxAgeSeconds: null }];
    assert.deepEqual(obj(r.json).corsRules, expected);
    assert.deepEqual(h.store.meta.getBucket(id)?.corsRules, expected);
    assert.deepEqual(obj((await h.call('GET', `/v1/bucket?id=${id}`)).json).corsRules, expected);
    const keep = obj((await h.call('PUT', `/v1/bucket?id=${id}`, { body: { corsRules: null } })).json);
    assert.deepEqual(keep.corsRules, expected);
    const cleared = obj((await h.call('PUT', `/v1/bucket?id=${id}`, { body: { corsRules: [] } })).json);
    assert.deepEqual(cleared.corsRules, []);
    for (const corsRules of [
      {},
      [{ allowedOrigins: ['*'] }],
      [{ allowedOrigins: [], allowedMethods: ['GET'] }],
      [{ allowedOrigins: ['*'], allowedMethods: [1] }],
      [{ allowedOrigins: ['*'], allowedMethods: ['GET'], maxAgeSeconds: -5 }],
      Array.from({ length: 101 }, () => ({ allowedOrigins: ['*'], allowedMethods: ['GET'] })),
    ]) {
      assertCode(await h.call('PUT', `/v1/bucket?id=${id}`, { body: { corsRules } }), 400, 'InvalidRequest');
    }
  });

  it('answers 404 or 400 when updating an unknown or malformed bucket id', async () => {
    assertCode(await h.call('PUT', `/v1/bucket?id=${'a'.repeat(64)}`, { body: {} }), 404, 'NoSuchBucket');
    assertCode(await h.call('PUT', '/v1/bucket?id=abc', { body: {} }), 400, 'InvalidRequest');
  });

  it('deletes an empty bucket (204), which frees its aliases', async () => {
    const key = await createKey('k');
    const id = String((await createBucket({ globalAlias: 'temp', localAlias: { accessKeyId: key, alias: 'tmp', allow: { read: true } } })).id);
    const r = await h.call('DELETE', `/v1/bucket?id=${id}`);
    assert.equal(r.status, 204);
    assert.equal(r.raw.length, 0);
    assertCode(await h.call('GET', `/v1/bucket?id=${id}`), 404, 'NoSuchBucket');
    assert.equal(h.store.meta.resolveGlobalAlias('temp'), undefined);
    assert.equal(h.store.meta.resolveLocalAlias(key, 'tmp'), undefined);
    assert.deepEqual(obj((await h.call('GET', `/v1/key?id=${key}`)).json).buckets, []);
    await createBucket({ globalAlias: 'temp' });
  });

  it('refuses to delete a bucket holding K2V items (409 BucketNotEmpty)', async () => {
    const id = String((await createBucket({ globalAlias: 'full' })).id);
    await h.store.write(id, [{ pk: 'p', sk: 's', ct: undefined, value: new Uint8Array([1]) }]);
    assertCode(await h.call('DELETE', `/v1/bucket?id=${id}`), 409, 'BucketNotEmpty');
    assert.ok(h.store.meta.getBucket(id));
    // A tombstone is still an item.
    await h.store.write(id, [{ pk: 'p', sk: 's', ct: undefined, value: null }]);
    assertCode(await h.call('DELETE', `/v1/bucket?id=${id}`), 409, 'BucketNotEmpty');
  });

  it('answers 404 or 400 when deleting an unknown or malformed bucket id', async () => {
    assertCode(await h.call('DELETE', `/v1/bucket?id=${'b'.repeat(64)}`), 404, 'NoSuchBucket');
    assertCode(await h.call('DELETE', '/v1/bucket?id=nope'), 400, 'InvalidRequest');
  });
});
