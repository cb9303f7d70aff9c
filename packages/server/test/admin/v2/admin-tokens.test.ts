import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { authorizeAdmin } from '../../../src/admin/admin-auth.js';
import { hashAdminToken } from '../../../src/admin/admin-tokens.js';
import { tokenDigest } from '../../../src/admin/bearer-token.js';
import { K2vError } from '../../../src/k2v/errors.js';
import { obj, startAdmin, TOKEN, type AdminHarness } from '../harness.js';

function refusedWith(fn: () => void, message: string): void {
  assert.throws(fn, (err: unknown) => err instanceof K2vError && err.code === 'AccessDenied' && err.message === message);
}

describe('admin tokens', () => {
  let h: AdminHarness;
  before(async () => {
    h = await startAdmin();
  });
  after(() => h.close());

  it('stores only a digest of the bearer token, and shows the secret only at creation', async () => {
    const res = await h.call('POST', '/v2/CreateAdminToken', { body: { name: 'n', scope: ['ListKeys'] } });
    assert.equal(res.status, 200);
    const created = obj(res.json);
    const bearer = String(created.secretToken);
    const id = String(created.id);
    assert.match(id, /^[0-9a-f]{24}$/);
    assert.match(bearer, /^[0-9a-f]{24}\.[A-Za-z0-9_-]{43}$/);
    const stored = h.store.meta.getAdminToken(id);
    assert.equal(stored?.tokenHash, hashAdminToken(bearer));
    assert.equal(JSON.stringify(stored).includes(bearer.split('.')[1]!), false);
    const info = await h.call('GET', `/v2/GetAdminTokenInfo?id=${id}`);
    assert.equal(obj(info.json).secretToken, undefined);
    assert.equal(info.text.includes(bearer), false);
  });

  it('authorizes by scope and expiry; the configured token keeps full power', async () => {
    const res = await h.call('POST', '/v2/CreateAdminToken', { body: { scope: ['ListBuckets'], expiration: '2030-01-01T00:00:00Z' } });
    const bearer = String(obj(res.json).secretToken);
    const meta = h.store.meta;
    const configured = tokenDigest(TOKEN);
    const at = (header: string | undefined, operation: string | undefined, now: number) => () =>
      authorizeAdmin({ header, operation }, configured, meta, now);
    const before2030 = Date.parse('2029-12-31T23:59:59.999Z');
    const at2030 = Date.parse('2030-01-01T00:00:00Z');
    at(`Bearer ${bearer}`, 'ListBuckets', before2030)();
    at(`Bearer  ${bearer} `, 'ListBuckets', before2030)();
    at(`Bearer ${bearer}`, undefined, before2030)();
    refusedWith(at(`Bearer ${bearer}`, 'ListBuckets', at2030), 'Forbidden: Invalid bearer token');
    refusedWith(at(`Bearer ${bearer}`, 'ListKeys', before2030), 'Forbidden: Invalid bearer token');
    refusedWith(at(`Bearer ${bearer}x`, 'ListBuckets', before2030), 'Forbidden: Invalid bearer token');
    at(`Bearer ${TOKEN}`, 'DeleteAdminToken', at2030)();
    // Headers that are not a created token keep the v1 refusals.
    refusedWith(at(undefined, 'ListKeys', 0), 'Forbidden: Authorization token must be provided');
    refusedWith(at('Bearer nope', 'ListKeys', 0), 'Forbidden: Invalid authorization token');
    refusedWith(() => authorizeAdmin({ header: 'Bearer nope', operation: 'ListKeys' }, undefined, meta, 0), 'Forbidden: no admin token is configured, the admin API is disabled');
    // A created token works even with no configured admin token.
    authorizeAdmin({ header: `Bearer ${bearer}`, operation: 'ListBuckets' }, undefined, meta, before2030);
  });

  it('lists the configured tokens before the created ones, and validates updates', async () => {
    const list = await h.call('GET', '/v2/ListAdminTokens');
    const names = (list.json as { name: string }[]).map((t) => t.name);
    assert.equal(names[0], 'admin_token (from daemon configuration)');
    assert.equal(names.includes('metrics_token (from daemon configuration)'), false);
    const bad = await h.call('POST', '/v2/CreateAdminToken', { body: { scope: 'ListKeys' } });
    assert.equal(bad.status, 400);
    const badDate = await h.call('POST', '/v2/CreateAdminToken', { body: { expiration: '2030-13-45T00:00:00Z' } });
    assert.equal(badDate.status, 400);
    const missing = await h.call('POST', '/v2/UpdateAdminToken?id=nope', { body: {} });
    assert.equal(missing.status, 404);
    assert.equal(obj(missing.json).code, 'NoSuchAdminToken');
  });
});
