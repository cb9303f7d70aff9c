/**
 * `k2v-client/admin` against a real server: every operation the console uses, and errors with
 * the API's code and status (unknown bucket, non-empty bucket, a reused key id, a wrong token).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdminApiError, AdminClient } from 'k2v-client/admin';
import { useServer } from '../support/server.js';

const ts = useServer();
const admin = () => new AdminClient({ endpoint: ts.adminUrl, token: ts.adminToken });
const code = (c: string, status: number) => (e: unknown) => e instanceof AdminApiError && e.code === c && e.status === status;

describe('AdminClient', () => {
  it('checks its options', () => {
    assert.throws(() => new AdminClient({ endpoint: 'not a url', token: 't' }), code('InvalidArgument', 0));
    assert.throws(() => new AdminClient({ endpoint: 'http://h', token: '' }), code('InvalidArgument', 0));
  });

  it('creates, finds, imports and deletes keys', async () => {
    const a = admin();
    const created = await a.createKey('admin-client test');
    assert.match(created.accessKeyId, /^GK[0-9a-f]{24}$/);
    assert.match(created.secretAccessKey ?? '', /^[0-9a-f]{64}$/);
    const listed = await a.listKeys();
    assert.ok(listed.some((k) => k.id === created.accessKeyId && k.name === 'admin-client test'));
    const found = await a.getKeyInfo({ search: 'admin-client test' });
    assert.equal(found.accessKeyId, created.accessKeyId);
    assert.equal(found.secretAccessKey, undefined);
    assert.equal((await a.getKeyInfo({ id: created.accessKeyId }, true)).secretAccessKey, created.secretAccessKey);
    const id = `GK${'ab'.repeat(12)}`;
    const imported = await a.importKey(id, 'cd'.repeat(32), 'imported');
    assert.equal(imported.accessKeyId, id);
    await assert.rejects(a.importKey(id, 'cd'.repeat(32)), code('KeyAlreadyExists', 409));
    await a.deleteKey(id);
    await a.deleteKey(created.accessKeyId);
    await assert.rejects(a.getKeyInfo({ id }), code('NoSuchAccessKey', 404));
  });

  it('creates buckets, aliases them, sets permissions, reads K2V totals and deletes', async () => {
    const a = admin();
    const alias = `ac-${Date.now()}`;
    const b = await a.createBucket({ globalAlias: alias });
    assert.deepEqual(b.globalAliases, [alias]);
    assert.ok((await a.listBuckets()).some((x) => x.id === b.id));
    const withAlias = await a.addGlobalAlias(b.id, `${alias}-2`);
    assert.deepEqual(withAlias.globalAliases, [alias, `${alias}-2`]);
    assert.deepEqual((await a.removeGlobalAlias(b.id, `${alias}-2`)).globalAliases, [alias]);
    const allowed = await a.allowKey(b.id, ts.accessKeyId, { read: true, write: true });
    assert.deepEqual(allowed.keys.find((k) => k.accessKeyId === ts.accessKeyId)?.permissions, { read: true, write: true, owner: false });
    await ts.client({ bucket: alias }).insertItem('p', 's', 'hello');
    const info = await a.getBucketInfo({ globalAlias: alias });
    assert.deepEqual(info.k2v, { items: 1, partitions: 1, values: 1, bytes: 5 });
    await assert.rejects(a.deleteBucket(b.id), code('BucketNotEmpty', 409));
    const denied = await a.denyKey(b.id, ts.accessKeyId, { write: true });
    assert.deepEqual(denied.keys.find((k) => k.accessKeyId === ts.accessKeyId)?.permissions, { read: true, write: false, owner: false });
    await a.allowKey(b.id, ts.accessKeyId, { write: true });
    await ts.client({ bucket: alias }).deleteBatch([{ partitionKey: 'p' }]);
    // The tombstone is an item too; wait for nothing: a bucket holding only tombstones is not empty.
    await assert.rejects(a.deleteBucket(b.id), code('BucketNotEmpty', 409));
    const empty = await a.createBucket({ globalAlias: `${alias}-e` });
    await a.deleteBucket(empty.id);
    await assert.rejects(a.getBucketInfo({ id: empty.id }), code('NoSuchBucket', 404));
  });

  it('a wrong token is 403, an unreachable server a NetworkError', async () => {
    await assert.rejects(new AdminClient({ endpoint: ts.adminUrl, token: 'wrong' }).listKeys(), (e: unknown) => e instanceof AdminApiError && e.status === 403);
    await assert.rejects(new AdminClient({ endpoint: 'http://127.0.0.1:1', token: 't' }).listKeys(), code('NetworkError', 0));
  });
});
