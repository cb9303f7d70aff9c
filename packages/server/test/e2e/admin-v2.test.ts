/**
 * Admin API v2 on a real server (issue 10 "Admin API v2"): every operation with Garage's shapes,
 * the permission changes checked with K2V requests signed by aws4, and created admin tokens: a
 * scoped token's refusals (v2 and v1), expiry, revocation, persistence across a restart.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { enc, expectError, useTestServer, type Credentials, type TestResponse } from './harness.js';

const ts = useTestServer();

const GETS = new Set(['GetClusterHealth', 'GetClusterStatus', 'ListKeys', 'GetKeyInfo', 'ListBuckets', 'GetBucketInfo', 'ListAdminTokens', 'GetAdminTokenInfo']);
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

type Json = Record<string, unknown>;

function v2(op: string, opts: { query?: string; body?: unknown; token?: string } = {}): Promise<TestResponse> {
  const target = `/v2/${op}${opts.query === undefined ? '' : `?${opts.query}`}`;
  return ts.admin(GETS.has(op) ? 'GET' : 'POST', target, opts.body, opts.token);
}

async function ok(res: Promise<TestResponse>): Promise<Json> {
  const r = await res;
  assert.equal(r.status, 200, r.text());
  assert.equal(r.headers['access-control-allow-origin'], '*');
  return r.json<Json>();
}

/** A signed K2V request as key `creds` on `bucket`: the status. */
async function k2v(creds: Credentials, method: 'GET' | 'PUT', bucket: string, body?: string): Promise<number> {
  const res = await ts.request({ method, path: `/${enc(bucket)}/v2-pk?sort_key=s`, body, credentials: creds });
  return res.status;
}

describe('admin API v2: cluster', () => {
  it('GetClusterHealth and GetClusterStatus describe one healthy node', async () => {
    assert.deepEqual(await ok(v2('GetClusterHealth')), {
      status: 'healthy',
      knownNodes: 1,
      connectedNodes: 1,
      storageNodes: 1,
      storageNodesOk: 1,
      partitions: 1,
      partitionsQuorum: 1,
      partitionsAllOk: 1,
    });
    const status = await ok(v2('GetClusterStatus'));
    assert.equal(status['layoutVersion'], 0);
    const nodes = status['nodes'] as Json[];
    assert.equal(nodes.length, 1);
    assert.match(String(nodes[0]!['id']), /^[0-9a-f]{16}$/);
    assert.equal(nodes[0]!['isUp'], true);
    assert.match(String(nodes[0]!['garageVersion']), /^k2v-server /);
  });
});

describe('admin API v2: keys, buckets, permissions and aliases', () => {
  it('runs every key and bucket operation, with K2V requests following the permissions', async () => {
    // CreateKey takes UpdateKey's body in v2.
    const key = await ok(v2('CreateKey', { body: { name: 'v2-key', allow: { createBucket: true } } }));
    assert.deepEqual(Object.keys(key), ['accessKeyId', 'created', 'name', 'expiration', 'expired', 'secretAccessKey', 'permissions', 'buckets']);
    assert.match(String(key['created']), RFC3339);
    assert.equal(key['expiration'], null);
    assert.deepEqual(key['permissions'], { createBucket: true });
    const creds: Credentials = { accessKeyId: String(key['accessKeyId']), secretAccessKey: String(key['secretAccessKey']) };

    const imported = await ok(
      v2('ImportKey', { body: { accessKeyId: `GK${'7'.repeat(24)}`, secretAccessKey: 'a'.repeat(64), name: 'v2-imported' } }),
    );
    assert.equal(imported['secretAccessKey'], undefined);
    const listed = (await ok(v2('ListKeys'))) as unknown as Json[];
    const item = listed.find((k) => k['id'] === creds.accessKeyId);
    assert.deepEqual(Object.keys(item ?? {}), ['id', 'name', 'created', 'expiration', 'expired']);
    assert.ok(listed.some((k) => k['id'] === imported['accessKeyId']));

    const info = await ok(v2('GetKeyInfo', { query: `id=${creds.accessKeyId}&showSecretKey=true` }));
    assert.equal(info['secretAccessKey'], creds.secretAccessKey);
    assert.equal((await ok(v2('GetKeyInfo', { query: 'search=v2-imported' })))['accessKeyId'], imported['accessKeyId']);
    expectError(await v2('GetKeyInfo', { query: `id=GK${'0'.repeat(24)}` }), 404, 'NoSuchAccessKey', '/v2/GetKeyInfo');

    const renamed = await ok(v2('UpdateKey', { query: `id=${creds.accessKeyId}`, body: { name: 'v2-renamed', deny: { createBucket: true } } }));
    assert.equal(renamed['name'], 'v2-renamed');
    assert.deepEqual(renamed['permissions'], { createBucket: false });
    expectError(
      await v2('UpdateKey', { query: `id=${creds.accessKeyId}`, body: { expiration: '2030-01-01T00:00:00Z' } }),
      400,
      'InvalidRequest',
      '/v2/UpdateKey',
    );

    const bucket = await ok(v2('CreateBucket', { body: { globalAlias: 'v2-bucket' } }));
    const bucketId = String(bucket['id']);
    assert.deepEqual(Object.keys(bucket).slice(0, 3), ['id', 'created', 'globalAliases']);
    const buckets = (await ok(v2('ListBuckets'))) as unknown as Json[];
    assert.deepEqual(Object.keys(buckets.find((b) => b['id'] === bucketId) ?? {}), ['id', 'created', 'globalAliases', 'localAliases']);
    assert.equal((await ok(v2('GetBucketInfo', { query: `id=${bucketId}` })))['id'], bucketId);
    assert.equal((await ok(v2('GetBucketInfo', { query: 'globalAlias=v2-bucket' })))['id'], bucketId);
    assert.equal((await ok(v2('GetBucketInfo', { query: 'search=v2-bucket' })))['id'], bucketId);
    assert.equal((await ok(v2('GetBucketInfo', { query: `search=${bucketId.slice(0, 12)}` })))['id'], bucketId);
    expectError(await v2('GetBucketInfo', { query: `id=${bucketId}&search=x` }), 400, 'InvalidRequest', '/v2/GetBucketInfo');

    // No permission yet: the key's signed requests are refused.
    assert.equal(await k2v(creds, 'PUT', 'v2-bucket', 'x'), 403);
    const allowed = await ok(v2('AllowBucketKey', { body: { bucketId, accessKeyId: creds.accessKeyId, permissions: { read: true, write: true } } }));
    assert.deepEqual((allowed['keys'] as Json[])[0]!['permissions'], { read: true, write: true, owner: false });
    assert.equal(await k2v(creds, 'PUT', 'v2-bucket', 'x'), 204);
    assert.equal(await k2v(creds, 'GET', 'v2-bucket'), 200);
    await ok(v2('DenyBucketKey', { body: { bucketId, accessKeyId: creds.accessKeyId, permissions: { write: true } } }));
    assert.equal(await k2v(creds, 'PUT', 'v2-bucket', 'y'), 403);
    assert.equal(await k2v(creds, 'GET', 'v2-bucket'), 200);

    // Aliases: a global one for everybody, a local one for this key only.
    const aliased = await ok(v2('AddBucketAlias', { body: { bucketId, globalAlias: 'v2-other-name' } }));
    assert.deepEqual(aliased['globalAliases'], ['v2-bucket', 'v2-other-name']);
    await ok(v2('AddBucketAlias', { body: { bucketId, localAlias: 'mine', accessKeyId: creds.accessKeyId } }));
    assert.equal(await k2v(creds, 'GET', 'v2-other-name'), 200);
    assert.equal(await k2v(creds, 'GET', 'mine'), 200);
    await ok(v2('RemoveBucketAlias', { body: { bucketId, globalAlias: 'v2-other-name' } }));
    await ok(v2('RemoveBucketAlias', { body: { bucketId, localAlias: 'mine', accessKeyId: creds.accessKeyId } }));
    assert.equal(await k2v(creds, 'GET', 'v2-other-name'), 404);
    assert.equal(await k2v(creds, 'GET', 'mine'), 404);
    expectError(await v2('AddBucketAlias', { body: { bucketId } }), 400, 'InvalidRequest', '/v2/AddBucketAlias');

    const updated = await ok(v2('UpdateBucket', { query: `id=${bucketId}`, body: { quotas: { maxSize: 1000, maxObjects: null } } }));
    assert.deepEqual(updated['quotas'], { maxSize: 1000, maxObjects: null });

    // DeleteBucket: refused while an item remains, then 200 `null` on an empty bucket.
    expectError(await v2('DeleteBucket', { query: `id=${bucketId}` }), 409, 'BucketNotEmpty', '/v2/DeleteBucket');
    const empty = String((await ok(v2('CreateBucket', { body: { globalAlias: 'v2-empty' } })))['id']);
    const deleted = await v2('DeleteBucket', { query: `id=${empty}` });
    assert.equal(deleted.status, 200);
    assert.equal(deleted.text(), 'null');
    expectError(await v2('GetBucketInfo', { query: `id=${empty}` }), 404, 'NoSuchBucket', '/v2/GetBucketInfo');

    // DeleteKey revokes the key at once.
    assert.equal((await v2('DeleteKey', { query: `id=${creds.accessKeyId}` })).text(), 'null');
    assert.equal(await k2v(creds, 'GET', 'v2-bucket'), 403);
    expectError(await v2('DeleteKey', { query: `id=${creds.accessKeyId}` }), 404, 'NoSuchAccessKey', '/v2/DeleteKey');
  });

  it('refuses unknown operations and wrong methods with 400, before any token check', async () => {
    expectError(await ts.admin('GET', '/v2/GetClusterLayout'), 400, 'InvalidRequest', '/v2/GetClusterLayout');
    expectError(await ts.admin('GET', '/v2/CreateKey'), 400, 'InvalidRequest', '/v2/CreateKey');
    expectError(await ts.admin('GET', '/v2/NoSuchThing', undefined, 'wrong'), 400, 'InvalidRequest', '/v2/NoSuchThing');
    expectError(await ts.admin('GET', '/v2/ListKeys', undefined, 'wrong'), 403, 'AccessDenied', '/v2/ListKeys');
  });
});

describe('admin API v2: admin tokens', () => {
  it('creates a scoped token that can call only its operations, on v2 and v1', async () => {
    const created = await ok(v2('CreateAdminToken', { body: { name: 'reader', scope: ['ListKeys', 'GetKeyInfo', 'ListBuckets'] } }));
    assert.deepEqual(Object.keys(created), ['secretToken', 'id', 'created', 'name', 'expiration', 'expired', 'scope']);
    const secret = String(created['secretToken']);
    const id = String(created['id']);
    assert.ok(secret.startsWith(`${id}.`));
    assert.deepEqual(created['scope'], ['ListKeys', 'GetKeyInfo', 'ListBuckets']);

    // Listed (config token first, without id), and never with its secret again.
    const tokens = (await ok(v2('ListAdminTokens'))) as unknown as Json[];
    assert.deepEqual(tokens[0], { id: null, created: null, name: 'admin_token (from daemon configuration)', expiration: null, expired: false, scope: ['*'] });
    const mine = tokens.find((t) => t['id'] === id);
    assert.equal(mine?.['name'], 'reader');
    assert.equal(JSON.stringify(tokens).includes(secret), false);
    assert.equal((await ok(v2('GetAdminTokenInfo', { query: `id=${id}` })))['name'], 'reader');
    assert.equal((await ok(v2('GetAdminTokenInfo', { query: 'search=READER' })))['id'], id);
    expectError(await v2('GetAdminTokenInfo', { query: 'id=000000000000000000000000' }), 404, 'NoSuchAdminToken', '/v2/GetAdminTokenInfo');

    // In scope: 200, on v2 and on the v1 route of the same operation.
    await ok(v2('ListKeys', { token: secret }));
    assert.equal((await ts.admin('GET', '/v1/key', undefined, secret)).status, 200);
    assert.equal((await ts.admin('GET', '/v1/bucket', undefined, secret)).status, 200);
    // Out of scope: Garage's 403 AccessDenied, nothing changed.
    for (const op of ['CreateKey', 'CreateBucket', 'GetClusterHealth', 'ListAdminTokens', 'CreateAdminToken', 'DeleteAdminToken']) {
      const res = await v2(op, { token: secret, body: op.startsWith('Create') ? {} : undefined, query: op === 'DeleteAdminToken' ? `id=${id}` : undefined });
      const err = expectError(res, 403, 'AccessDenied', `/v2/${op}`);
      assert.equal(err.message, 'Forbidden: Invalid bearer token');
    }
    expectError(await ts.admin('POST', '/v1/key', { name: 'x' }, secret), 403, 'AccessDenied', '/v1/key');
    // Backups are whole-store operations: refused without K2vBackup in the scope, served with it.
    expectError(await ts.admin('GET', '/v1/k2v/dump', undefined, secret), 403, 'AccessDenied', '/v1/k2v/dump');
    const backup = String((await ok(v2('CreateAdminToken', { body: { name: 'backup', scope: ['K2vBackup'] } })))['secretToken']);
    const dump = await ts.admin('GET', '/v1/k2v/dump', undefined, backup);
    assert.equal(dump.status, 200, dump.text());
    assert.match(dump.text(), /"k2v-dump"/);
    expectError(await v2('ListKeys', { token: backup }), 403, 'AccessDenied', '/v2/ListKeys');
    assert.equal(((await ok(v2('ListKeys'))) as unknown as Json[]).some((k) => k['name'] === 'x'), false);
    // A wrong secret with a known id, and a made-up id: refused alike.
    expectError(await v2('ListKeys', { token: `${id}.wrong` }), 403, 'AccessDenied', '/v2/ListKeys');
    expectError(await v2('ListKeys', { token: 'ffffffffffffffffffffffff.x' }), 403, 'AccessDenied', '/v2/ListKeys');

    // A token scoped `*` can do anything, including managing tokens.
    const all = String((await ok(v2('CreateAdminToken', { body: { scope: ['*'] } })))['secretToken']);
    const child = await ok(v2('CreateAdminToken', { token: all, body: {} }));
    assert.match(String(child['name']), /^token_\d{8}_\d{4}$/);
    assert.deepEqual(child['scope'], ['*']);
    await ok(v2('DeleteAdminToken', { token: all, query: `id=${String(child['id'])}` }));
  });

  it('refuses an expired token, and accepts it again once it never expires', async () => {
    const created = await ok(v2('CreateAdminToken', { body: { name: 'short', scope: ['ListBuckets'], expiration: '2999-01-01T00:00:00Z' } }));
    const secret = String(created['secretToken']);
    const id = String(created['id']);
    assert.equal(created['expiration'], '2999-01-01T00:00:00.000Z');
    await ok(v2('ListBuckets', { token: secret }));

    const expired = await ok(v2('UpdateAdminToken', { query: `id=${id}`, body: { expiration: '2001-01-01T00:00:00+02:00' } }));
    assert.equal(expired['expired'], true);
    assert.equal(expired['expiration'], '2000-12-31T22:00:00.000Z');
    expectError(await v2('ListBuckets', { token: secret }), 403, 'AccessDenied', '/v2/ListBuckets');
    expectError(await ts.admin('GET', '/v1/bucket', undefined, secret), 403, 'AccessDenied', '/v1/bucket');

    expectError(
      await v2('UpdateAdminToken', { query: `id=${id}`, body: { neverExpires: true, expiration: '2030-01-01T00:00:00Z' } }),
      400,
      'InvalidRequest',
      '/v2/UpdateAdminToken',
    );
    expectError(await v2('UpdateAdminToken', { query: `id=${id}`, body: { expiration: 'tomorrow' } }), 400, 'InvalidRequest', '/v2/UpdateAdminToken');
    const again = await ok(v2('UpdateAdminToken', { query: `id=${id}`, body: { neverExpires: true, scope: ['ListBuckets', 'ListKeys'] } }));
    assert.equal(again['expired'], false);
    assert.equal(again['expiration'], null);
    await ok(v2('ListKeys', { token: secret }));

    // A token created already expired is refused from the start.
    const stale = String((await ok(v2('CreateAdminToken', { body: { expiration: '2000-01-01T00:00:00Z' } })))['secretToken']);
    expectError(await v2('ListBuckets', { token: stale }), 403, 'AccessDenied', '/v2/ListBuckets');
  });

  it('keeps tokens across a restart; DeleteAdminToken revokes at once', async () => {
    const created = await ok(v2('CreateAdminToken', { body: { name: 'durable', scope: ['GetClusterHealth'] } }));
    const secret = String(created['secretToken']);
    await ts.restart();
    await ok(v2('GetClusterHealth', { token: secret }));
    const deleted = await v2('DeleteAdminToken', { query: `id=${String(created['id'])}` });
    assert.equal(deleted.status, 200);
    assert.equal(deleted.text(), 'null');
    expectError(await v2('GetClusterHealth', { token: secret }), 403, 'AccessDenied', '/v2/GetClusterHealth');
    expectError(await v2('DeleteAdminToken', { query: `id=${String(created['id'])}` }), 404, 'NoSuchAdminToken', '/v2/DeleteAdminToken');
  });
});
