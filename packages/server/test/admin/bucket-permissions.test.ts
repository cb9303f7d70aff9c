import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { list, obj, startAdmin, type AdminHarness, type Reply } from './harness.js';

function assertCode(r: Reply, status: number, code: string): void {
  assert.equal(r.status, status, r.text);
  assert.equal(obj(r.json).code, code);
}

describe('admin API: bucket allow / deny', () => {
  let h: AdminHarness;
  let bucketId: string;
  let keyId: string;

  beforeEach(async () => {
    h = await startAdmin();
    keyId = String(obj((await h.call('POST', '/v1/key', { body: { name: 'perm' } })).json).accessKeyId);
    bucketId = String(obj((await h.call('POST', '/v1/bucket', { body: { globalAlias: 'perms' } })).json).id);
  });
  afterEach(() => h.close());

  async function change(kind: 'allow' | 'deny', permissions: unknown): Promise<Record<string, unknown>> {
    const r = await h.call('POST', `/v1/bucket/${kind}`, { body: { bucketId, accessKeyId: keyId, permissions } });
    assert.equal(r.status, 200, r.text);
    return obj(r.json);
  }

  const permissionsIn = (info: Record<string, unknown>): unknown =>
    obj(list(info.keys).map(obj).find((k) => k.accessKeyId === keyId)).permissions;

  it('allow sets the flags sent as true and returns BucketInfo', async () => {
    const info = await change('allow', { read: true });
    assert.equal(info.id, bucketId);
    assert.deepEqual(permissionsIn(info), { read: true, write: false, owner: false });
    assert.deepEqual(h.store.meta.getBucket(bucketId)?.keys[keyId], { read: true, write: false, owner: false });
    assert.deepEqual(permissionsIn(await change('allow', { write: true, owner: true, read: false })), { read: true, write: true, owner: true });
  });

  it('deny clears the flags sent as true, leaving the others', async () => {
    await change('allow', { read: true, write: true, owner: true });
    assert.deepEqual(permissionsIn(await change('deny', { write: true, read: false })), { read: true, write: false, owner: true });
    assert.deepEqual(permissionsIn(await change('deny', {})), { read: true, write: false, owner: true });
    // The key stays listed with every flag false, as Garage.
    assert.deepEqual(permissionsIn(await change('deny', { read: true, owner: true })), { read: false, write: false, owner: false });
  });

  it('is visible in KeyInfo', async () => {
    await change('allow', { write: true });
    const info = obj((await h.call('GET', `/v1/key?id=${keyId}`)).json);
    assert.deepEqual(info.buckets, [{ id: bucketId, globalAliases: ['perms'], localAliases: [], permissions: { read: false, write: true, owner: false } }]);
  });

  it('answers 404 NoSuchBucket / NoSuchAccessKey for unknown ids', async () => {
    for (const kind of ['allow', 'deny']) {
      assertCode(
        await h.call('POST', `/v1/bucket/${kind}`, { body: { bucketId: 'c'.repeat(64), accessKeyId: keyId, permissions: { read: true } } }),
        404,
        'NoSuchBucket',
      );
      assertCode(
        await h.call('POST', `/v1/bucket/${kind}`, { body: { bucketId, accessKeyId: 'GK' + '9'.repeat(24), permissions: { read: true } } }),
        404,
        'NoSuchAccessKey',
      );
    }
    assert.deepEqual(h.store.meta.getBucket(bucketId)?.keys, {});
  });

  it('answers 400 for malformed requests', async () => {
    for (const body of [
      { bucketId, accessKeyId: keyId },
      { bucketId, accessKeyId: keyId, permissions: null },
      { bucketId, accessKeyId: keyId, permissions: { read: 'yes' } },
      { bucketId: 'short', accessKeyId: keyId, permissions: { read: true } },
      { accessKeyId: keyId, permissions: { read: true } },
      { bucketId, permissions: { read: true } },
    ]) {
      assertCode(await h.call('POST', '/v1/bucket/allow', { body }), 400, 'InvalidRequest');
    }
  });
});
