import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { obj, startAdmin, type AdminHarness, type Reply } from './harness.js';

function assertCode(r: Reply, status: number, code: string): void {
  assert.equal(r.status, status, r.text);
  assert.equal(obj(r.json).code, code);
}

const UNKNOWN_BUCKET = 'd'.repeat(64);
const UNKNOWN_KEY = 'GK' + 'e'.repeat(24);

describe('admin API: bucket aliases', () => {
  let h: AdminHarness;
  let a: string;
  let b: string;
  let key: string;

  beforeEach(async () => {
    h = await startAdmin();
    key = String(obj((await h.call('POST', '/v1/key', { body: { name: 'aliaser' } })).json).accessKeyId);
    a = String(obj((await h.call('POST', '/v1/bucket', { body: { globalAlias: 'bucket-a' } })).json).id);
    b = String(obj((await h.call('POST', '/v1/bucket', { body: { globalAlias: 'bucket-b' } })).json).id);
  });
  afterEach(() => h.close());

  describe('global', () => {
    it('adds an alias (idempotent) and returns BucketInfo', async () => {
      const r = await h.call('PUT', `/v1/bucket/alias/global?id=${a}&alias=second-a`);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(obj(r.json).globalAliases, ['bucket-a', 'second-a']);
      assert.equal(h.store.meta.resolveGlobalAlias('second-a'), a);
      const again = await h.call('PUT', `/v1/bucket/alias/global?id=${a}&alias=second-a`);
      assert.deepEqual(obj(again.json).globalAliases, ['bucket-a', 'second-a']);
    });

    it('refuses an alias of another bucket (400), an invalid name (400), an unknown bucket (404)', async () => {
      assertCode(await h.call('PUT', `/v1/bucket/alias/global?id=${a}&alias=bucket-b`), 400, 'InvalidRequest');
      assert.equal(h.store.meta.resolveGlobalAlias('bucket-b'), b);
      assertCode(await h.call('PUT', `/v1/bucket/alias/global?id=${a}&alias=Bad_Name`), 400, 'InvalidRequest');
      assertCode(await h.call('PUT', `/v1/bucket/alias/global?id=${UNKNOWN_BUCKET}&alias=fine-name`), 404, 'NoSuchBucket');
      assertCode(await h.call('PUT', `/v1/bucket/alias/global?id=zz&alias=fine-name`), 400, 'InvalidRequest');
    });

    it('removes an alias, but never the last one', async () => {
      assertCode(await h.call('DELETE', `/v1/bucket/alias/global?id=${a}&alias=bucket-a`), 400, 'InvalidRequest');
      await h.call('PUT', `/v1/bucket/alias/global?id=${a}&alias=second-a`);
      const r = await h.call('DELETE', `/v1/bucket/alias/global?id=${a}&alias=bucket-a`);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(obj(r.json).globalAliases, ['second-a']);
      assert.equal(h.store.meta.resolveGlobalAlias('bucket-a'), undefined);
    });

    it('allows removing the last global alias when a local alias remains', async () => {
      await h.call('PUT', `/v1/bucket/alias/local?id=${a}&accessKeyId=${key}&alias=local-a`);
      const r = await h.call('DELETE', `/v1/bucket/alias/global?id=${a}&alias=bucket-a`);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(obj(r.json).globalAliases, []);
    });

    it('refuses to remove an alias the bucket does not have (400) or of an unknown bucket (404)', async () => {
      assertCode(await h.call('DELETE', `/v1/bucket/alias/global?id=${a}&alias=bucket-b`), 400, 'InvalidRequest');
      assertCode(await h.call('DELETE', `/v1/bucket/alias/global?id=${a}&alias=nothing`), 400, 'InvalidRequest');
      assertCode(await h.call('DELETE', `/v1/bucket/alias/global?id=${UNKNOWN_BUCKET}&alias=bucket-a`), 404, 'NoSuchBucket');
      assert.equal(h.store.meta.resolveGlobalAlias('bucket-b'), b);
    });
  });

  describe('local', () => {
    it('adds an alias (idempotent) and returns BucketInfo', async () => {
      const r = await h.call('PUT', `/v1/bucket/alias/local?id=${a}&accessKeyId=${key}&alias=my-a`);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(obj(r.json).keys, [
        { accessKeyId: key, name: 'aliaser', permissions: { read: false, write: false, owner: false }, bucketLocalAliases: ['my-a'] },
      ]);
      assert.equal(h.store.meta.resolveLocalAlias(key, 'my-a'), a);
      assert.equal((await h.call('PUT', `/v1/bucket/alias/local?id=${a}&accessKeyId=${key}&alias=my-a`)).status, 200);
      assert.equal(h.store.meta.getBucket(a)?.localAliases.length, 1);
      // The same name may name another bucket for another key, and may equal a global alias.
      const other = String(obj((await h.call('POST', '/v1/key', { body: { name: 'other' } })).json).accessKeyId);
      assert.equal((await h.call('PUT', `/v1/bucket/alias/local?id=${b}&accessKeyId=${other}&alias=my-a`)).status, 200);
      assert.equal((await h.call('PUT', `/v1/bucket/alias/local?id=${b}&accessKeyId=${key}&alias=bucket-a`)).status, 200);
      assert.equal(h.store.meta.resolveLocalAlias(key, 'bucket-a'), b);
    });

    it('refuses a name the key uses for another bucket (400), invalid names (400), unknown ids (404)', async () => {
      await h.call('PUT', `/v1/bucket/alias/local?id=${a}&accessKeyId=${key}&alias=my-a`);
      assertCode(await h.call('PUT', `/v1/bucket/alias/local?id=${b}&accessKeyId=${key}&alias=my-a`), 400, 'InvalidRequest');
      assertCode(await h.call('PUT', `/v1/bucket/alias/local?id=${a}&accessKeyId=${key}&alias=1.2.3.4`), 400, 'InvalidRequest');
      assertCode(await h.call('PUT', `/v1/bucket/alias/local?id=${UNKNOWN_BUCKET}&accessKeyId=${key}&alias=x-y`), 404, 'NoSuchBucket');
      assertCode(await h.call('PUT', `/v1/bucket/alias/local?id=${a}&accessKeyId=${UNKNOWN_KEY}&alias=x-y`), 404, 'NoSuchAccessKey');
    });

    it('removes an alias, but never the last one', async () => {
      const lonely = String(obj((await h.call('POST', '/v1/bucket', { body: { localAlias: { accessKeyId: key, alias: 'only' } } })).json).id);
      assertCode(await h.call('DELETE', `/v1/bucket/alias/local?id=${lonely}&accessKeyId=${key}&alias=only`), 400, 'InvalidRequest');
      await h.call('PUT', `/v1/bucket/alias/local?id=${a}&accessKeyId=${key}&alias=my-a`);
      const r = await h.call('DELETE', `/v1/bucket/alias/local?id=${a}&accessKeyId=${key}&alias=my-a`);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(obj(r.json).keys, []);
      assert.equal(h.store.meta.resolveLocalAlias(key, 'my-a'), undefined);
    });

    it('refuses to remove an alias the bucket does not have (400) or of unknown ids (404)', async () => {
      await h.call('PUT', `/v1/bucket/alias/local?id=${a}&accessKeyId=${key}&alias=my-a`);
      assertCode(await h.call('DELETE', `/v1/bucket/alias/local?id=${b}&accessKeyId=${key}&alias=my-a`), 400, 'InvalidRequest');
      assertCode(await h.call('DELETE', `/v1/bucket/alias/local?id=${UNKNOWN_BUCKET}&accessKeyId=${key}&alias=my-a`), 404, 'NoSuchBucket');
      assertCode(await h.call('DELETE', `/v1/bucket/alias/local?id=${a}&accessKeyId=${UNKNOWN_KEY}&alias=my-a`), 404, 'NoSuchAccessKey');
      assert.equal(h.store.meta.resolveLocalAlias(key, 'my-a'), a);
    });
  });
});
