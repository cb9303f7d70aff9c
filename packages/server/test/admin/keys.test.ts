import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { list, obj, startAdmin, type AdminHarness } from './harness.js';

const IMPORTED_ID = 'GK0123456789abcdef01234567';
const IMPORTED_SECRET = 'ab'.repeat(32);

describe('admin API: keys', () => {
  let h: AdminHarness;
  beforeEach(async () => {
    h = await startAdmin();
  });
  afterEach(() => h.close());

  async function createKey(name?: string): Promise<Record<string, unknown>> {
    const r = await h.call('POST', '/v1/key', { body: name === undefined ? {} : { name } });
    assert.equal(r.status, 200, r.text);
    return obj(r.json);
  }

  it('creates a key: KeyInfo with the secret, Garage field order', async () => {
    const info = await createKey('alice');
    assert.deepEqual(Object.keys(info), ['name', 'accessKeyId', 'secretAccessKey', 'permissions', 'buckets']);
    assert.equal(info.name, 'alice');
    assert.match(String(info.accessKeyId), /^GK[0-9a-f]{24}$/);
    assert.match(String(info.secretAccessKey), /^[0-9a-f]{64}$/);
    assert.deepEqual(info.permissions, { createBucket: false });
    assert.deepEqual(info.buckets, []);
    const stored = h.store.meta.getKey(String(info.accessKeyId));
    assert.equal(stored?.secret, info.secretAccessKey);
  });

  it('names an unnamed key "Unnamed key", also for a null name', async () => {
    assert.equal((await createKey()).name, 'Unnamed key');
    const r = await h.call('POST', '/v1/key', { body: { name: null } });
    assert.equal(obj(r.json).name, 'Unnamed key');
  });

  it('generates distinct ids and secrets', async () => {
    const a = await createKey('a');
    const b = await createKey('b');
    assert.notEqual(a.accessKeyId, b.accessKeyId);
    assert.notEqual(a.secretAccessKey, b.secretAccessKey);
  });

  it('lists keys as [{id, name}] sorted by id', async () => {
    const ids = [String((await createKey('x')).accessKeyId), String((await createKey('y')).accessKeyId)].sort();
    const r = await h.call('GET', '/v1/key');
    assert.equal(r.status, 200);
    const items = list(r.json).map(obj);
    assert.deepEqual(
      items.map((i) => i.id),
      ids,
    );
    for (const i of items) assert.deepEqual(Object.keys(i), ['id', 'name']);
  });

  it('gets a key by id, with the secret only when showSecretKey=true', async () => {
    const created = await createKey('bob');
    const id = String(created.accessKeyId);
    const plain = obj((await h.call('GET', `/v1/key?id=${id}`)).json);
    assert.deepEqual(Object.keys(plain), ['name', 'accessKeyId', 'permissions', 'buckets']);
    assert.equal(plain.accessKeyId, id);
    const other = obj((await h.call('GET', `/v1/key?id=${id}&showSecretKey=false`)).json);
    assert.equal(other.secretAccessKey, undefined);
    const shown = obj((await h.call('GET', `/v1/key?id=${id}&showSecretKey=true`)).json);
    assert.equal(shown.secretAccessKey, created.secretAccessKey);
  });

  it('answers 404 NoSuchAccessKey for an unknown id', async () => {
    const r = await h.call('GET', `/v1/key?id=${IMPORTED_ID}`);
    assert.equal(r.status, 404);
    assert.equal(obj(r.json).code, 'NoSuchAccessKey');
  });

  it('searches by id prefix or exact name, case-insensitively, exactly one match', async () => {
    const id = String((await createKey('Carol')).accessKeyId);
    await createKey('dave');
    for (const search of [id.slice(0, 10), id.toLowerCase(), id.slice(0, 10).toUpperCase(), 'carol', 'CAROL']) {
      const r = await h.call('GET', `/v1/key?search=${encodeURIComponent(search)}`);
      assert.equal(r.status, 200, search);
      assert.equal(obj(r.json).accessKeyId, id, search);
    }
    for (const search of ['GK', 'car', 'nobody']) {
      const r = await h.call('GET', `/v1/key?search=${search}`);
      assert.equal(r.status, 400, search);
      assert.equal(obj(r.json).code, 'InvalidRequest');
    }
  });

  it('prefers id over search', async () => {
    const id = String((await createKey('erin')).accessKeyId);
    const r = await h.call('GET', `/v1/key?search=nobody&id=${id}`);
    assert.equal(obj(r.json).accessKeyId, id);
  });

  it('imports a key, returned without its secret', async () => {
    const r = await h.call('POST', '/v1/key/import', {
      body: { accessKeyId: IMPORTED_ID, secretAccessKey: IMPORTED_SECRET, name: 'old' },
    });
    assert.equal(r.status, 200, r.text);
    const info = obj(r.json);
    assert.deepEqual(Object.keys(info), ['name', 'accessKeyId', 'permissions', 'buckets']);
    assert.equal(info.accessKeyId, IMPORTED_ID);
    assert.equal(info.name, 'old');
    const shown = obj((await h.call('GET', `/v1/key?id=${IMPORTED_ID}&showSecretKey=true`)).json);
    assert.equal(shown.secretAccessKey, IMPORTED_SECRET);
  });

  it('names an imported key "Imported key" by default', async () => {
    const r = await h.call('POST', '/v1/key/import', { body: { accessKeyId: IMPORTED_ID, secretAccessKey: IMPORTED_SECRET } });
    assert.equal(obj(r.json).name, 'Imported key');
  });

  it('refuses to import an existing id, or one that was ever used, with 409 KeyAlreadyExists', async () => {
    const body = { accessKeyId: IMPORTED_ID, secretAccessKey: IMPORTED_SECRET };
    assert.equal((await h.call('POST', '/v1/key/import', { body })).status, 200);
    const again = await h.call('POST', '/v1/key/import', { body });
    assert.equal(again.status, 409);
    assert.equal(obj(again.json).code, 'KeyAlreadyExists');
    assert.equal((await h.call('DELETE', `/v1/key?id=${IMPORTED_ID}`)).status, 204);
    const afterDelete = await h.call('POST', '/v1/key/import', { body });
    assert.equal(afterDelete.status, 409);
    assert.equal(obj(afterDelete.json).code, 'KeyAlreadyExists');
    // also a generated id
    const generated = String((await createKey('gen')).accessKeyId);
    await h.call('DELETE', `/v1/key?id=${generated}`);
    const reuse = await h.call('POST', '/v1/key/import', { body: { accessKeyId: generated, secretAccessKey: IMPORTED_SECRET } });
    assert.equal(reuse.status, 409);
  });

  it('refuses malformed imports with 400', async () => {
    const bodies: unknown[] = [
      { accessKeyId: 'GK123', secretAccessKey: IMPORTED_SECRET },
      { accessKeyId: 'AK0123456789abcdef01234567', secretAccessKey: IMPORTED_SECRET },
      { accessKeyId: 'GK0123456789abcdef0123456z', secretAccessKey: IMPORTED_SECRET },
      { accessKeyId: IMPORTED_ID, secretAccessKey: 'abc' },
      { accessKeyId: IMPORTED_ID, secretAccessKey: 'zz'.repeat(32) },
      { accessKeyId: IMPORTED_ID },
      { secretAccessKey: IMPORTED_SECRET },
      { accessKeyId: 5, secretAccessKey: IMPORTED_SECRET },
      { accessKeyId: IMPORTED_ID, secretAccessKey: IMPORTED_SECRET, name: 7 },
    ];
    for (const body of bodies) {
      const r = await h.call('POST', '/v1/key/import', { body });
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(obj(r.json).code, 'InvalidRequest');
    }
    assert.deepEqual(h.store.meta.listKeys(), []);
    // A refused import does not burn the id.
    assert.equal(h.store.meta.keyIdEverUsed(IMPORTED_ID), false);
  });

  it('updates the name and the createBucket flag, without returning the secret', async () => {
    const id = String((await createKey('frank')).accessKeyId);
    const renamed = obj((await h.call('POST', `/v1/key?id=${id}`, { body: { name: 'franck' } })).json);
    assert.equal(renamed.name, 'franck');
    assert.equal(renamed.secretAccessKey, undefined);
    assert.deepEqual(renamed.permissions, { createBucket: false });
    const allowed = obj((await h.call('POST', `/v1/key?id=${id}`, { body: { allow: { createBucket: true } } })).json);
    assert.deepEqual(allowed.permissions, { createBucket: true });
    assert.equal(allowed.name, 'franck');
    const unchanged = obj((await h.call('POST', `/v1/key?id=${id}`, { body: { deny: { createBucket: false } } })).json);
    assert.deepEqual(unchanged.permissions, { createBucket: true });
    const denied = obj((await h.call('POST', `/v1/key?id=${id}`, { body: { deny: { createBucket: true } } })).json);
    assert.deepEqual(denied.permissions, { createBucket: false });
    assert.equal(h.store.meta.getKey(id)?.allowCreateBucket, false);
    assert.equal(h.store.meta.getKey(id)?.name, 'franck');
  });

  it('answers 404 when updating an unknown key, 400 for a bad update body', async () => {
    const r = await h.call('POST', `/v1/key?id=${IMPORTED_ID}`, { body: { name: 'x' } });
    assert.equal(r.status, 404);
    assert.equal(obj(r.json).code, 'NoSuchAccessKey');
    const id = String((await createKey('g')).accessKeyId);
    for (const body of [{ allow: { createBucket: 'yes' } }, { allow: true }, { name: [] }]) {
      const bad = await h.call('POST', `/v1/key?id=${id}`, { body });
      assert.equal(bad.status, 400, JSON.stringify(body));
    }
  });

  it('deletes a key (204), then it is gone (404)', async () => {
    const id = String((await createKey('h')).accessKeyId);
    const r = await h.call('DELETE', `/v1/key?id=${id}`);
    assert.equal(r.status, 204);
    assert.equal(r.raw.length, 0);
    assert.equal((await h.call('GET', `/v1/key?id=${id}`)).status, 404);
    const again = await h.call('DELETE', `/v1/key?id=${id}`);
    assert.equal(again.status, 404);
    assert.equal(obj(again.json).code, 'NoSuchAccessKey');
    assert.deepEqual(list((await h.call('GET', '/v1/key')).json), []);
  });

  it('deleting a key removes its permissions and local aliases on every bucket', async () => {
    const id = String((await createKey('ivy')).accessKeyId);
    const keep = String((await createKey('keep')).accessKeyId);
    const b1 = obj(
      (
        await h.call('POST', '/v1/bucket', {
          body: { globalAlias: 'shared', localAlias: { accessKeyId: id, alias: 'mine', allow: { read: true, write: true } } },
        })
      ).json,
    );
    const b2 = obj((await h.call('POST', '/v1/bucket', { body: { localAlias: { accessKeyId: keep, alias: 'other' } } })).json);
    const bid1 = String(b1.id);
    const bid2 = String(b2.id);
    await h.call('POST', '/v1/bucket/allow', { body: { bucketId: bid2, accessKeyId: id, permissions: { read: true } } });
    await h.call('PUT', `/v1/bucket/alias/local?id=${bid2}&accessKeyId=${id}&alias=second`);
    await h.call('POST', '/v1/bucket/allow', { body: { bucketId: bid1, accessKeyId: keep, permissions: { owner: true } } });
    assert.equal(list(obj((await h.call('GET', `/v1/key?id=${id}`)).json).buckets).length, 2);

    assert.equal((await h.call('DELETE', `/v1/key?id=${id}`)).status, 204);
    for (const bid of [bid1, bid2]) {
      const info = obj((await h.call('GET', `/v1/bucket?id=${bid}`)).json);
      const keyIds = list(info.keys).map((k) => obj(k).accessKeyId);
      assert.ok(!keyIds.includes(id), bid);
      assert.ok(keyIds.includes(keep), bid);
      assert.equal(h.store.meta.getBucket(bid)?.keys[id], undefined);
      assert.ok(!h.store.meta.getBucket(bid)?.localAliases.some((a) => a.accessKeyId === id));
    }
    assert.equal(h.store.meta.resolveLocalAlias(id, 'mine'), undefined);
    assert.equal(h.store.meta.resolveLocalAlias(id, 'second'), undefined);
    assert.equal(h.store.meta.resolveGlobalAlias('shared'), bid1);
  });

  it('shows the buckets of a key with its permissions and local aliases', async () => {
    const id = String((await createKey('jo')).accessKeyId);
    const b = obj(
      (
        await h.call('POST', '/v1/bucket', {
          body: { globalAlias: 'pub', localAlias: { accessKeyId: id, alias: 'jo-files', allow: { read: true, owner: true } } },
        })
      ).json,
    );
    const info = obj((await h.call('GET', `/v1/key?id=${id}`)).json);
    assert.deepEqual(info.buckets, [
      { id: b.id, globalAliases: ['pub'], localAliases: ['jo-files'], permissions: { read: true, write: false, owner: true } },
    ]);
  });
});
