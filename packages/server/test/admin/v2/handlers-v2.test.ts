import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { list, obj, startAdmin, type AdminHarness } from '../harness.js';

describe('admin API v2 handlers', () => {
  let h: AdminHarness;
  before(async () => {
    h = await startAdmin();
  });
  after(() => h.close());

  it('GetClusterHealth follows the store health', async () => {
    h.setHealthy(false);
    try {
      const res = await h.call('GET', '/v2/GetClusterHealth');
      assert.equal(res.status, 200);
      assert.deepEqual(obj(res.json), {
        status: 'unavailable',
        knownNodes: 1,
        connectedNodes: 1,
        storageNodes: 1,
        storageNodesOk: 0,
        partitions: 1,
        partitionsQuorum: 0,
        partitionsAllOk: 0,
      });
    } finally {
      h.setHealthy(true);
    }
    assert.equal(obj((await h.call('GET', '/v2/GetClusterHealth')).json).status, 'healthy');
  });

  it('CreateKey: deny wins over allow; an expiration is refused and creates nothing', async () => {
    const both = obj((await h.call('POST', '/v2/CreateKey', { body: { allow: { createBucket: true }, deny: { createBucket: true } } })).json);
    assert.deepEqual(both.permissions, { createBucket: false });
    assert.equal(both.name, 'Unnamed key');
    const before = list((await h.call('GET', '/v2/ListKeys')).json).length;
    const refused = await h.call('POST', '/v2/CreateKey', { body: { expiration: '2030-01-01T00:00:00Z' } });
    assert.equal(refused.status, 400);
    assert.equal(list((await h.call('GET', '/v2/ListKeys')).json).length, before);
  });

  it('GetBucketInfo search: an ambiguous id prefix is 400, an unknown one 404', async () => {
    const byPrefix = new Map<string, string>();
    let shared: string | undefined;
    for (let i = 0; i < 400 && shared === undefined; i++) {
      const id = String(obj((await h.call('POST', '/v2/CreateBucket', { body: { globalAlias: `search-${i}` } })).json).id);
      const prefix = id.slice(0, 2);
      if (byPrefix.has(prefix)) shared = prefix;
      byPrefix.set(prefix, id);
    }
    assert.ok(shared !== undefined, 'two buckets share a two-digit prefix');
    const ambiguous = await h.call('GET', `/v2/GetBucketInfo?search=${shared}`);
    assert.equal(ambiguous.status, 400);
    assert.match(String(obj(ambiguous.json).message), /Several matching buckets/);
    const alias = obj((await h.call('GET', '/v2/GetBucketInfo?search=search-0')).json);
    assert.equal(alias.globalAliases instanceof Array && alias.globalAliases.includes('search-0'), true);
    const none = await h.call('GET', '/v2/GetBucketInfo?search=no-such-bucket');
    assert.equal(none.status, 404);
    assert.equal(obj(none.json).code, 'NoSuchBucket');
  });

  it('OPTIONS needs no token (a CORS preflight), whatever the Authorization header says; the call itself still does', async () => {
    const bearer = String(obj((await h.call('POST', '/v2/CreateAdminToken', { body: { scope: [] } })).json).secretToken);
    for (const auth of [`Bearer ${bearer}`, 'Bearer nope.nope', null]) assert.equal((await h.call('OPTIONS', '/v2/ListKeys', { auth })).status, 200);
    assert.equal((await h.call('GET', '/v2/ListKeys', { auth: `Bearer ${bearer}` })).status, 403);
  });
});
