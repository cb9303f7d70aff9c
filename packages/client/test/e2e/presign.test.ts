/** presignReadItem: a URL that plain fetch can GET without credentials, until it expires. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { K2vError } from 'k2v-client';
import { uniquePk, useServer } from '../support/server.js';

const ts = useServer();

describe('presignReadItem', () => {
  it('plain fetch reads the raw value and the token; siblings come as JSON', async () => {
    const k2v = ts.client();
    const pk = uniquePk('presign é/ü');
    const sk = 'photo 1+2.jpg';
    await k2v.insertItem(pk, sk, '{"tags":["sea"]}');
    const url = await k2v.presignReadItem(pk, sk, { expiresIn: 60 });
    assert.ok(url.startsWith(ts.endpoint + '/'));
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/octet-stream');
    assert.equal(await res.text(), '{"tags":["sea"]}');
    assert.equal(res.headers.get('x-garage-causality-token'), (await k2v.readItem(pk, sk))!.token);

    await ts.client().insertItem(pk, sk, 'sibling');
    const both = await fetch(url, { headers: { accept: 'application/json' } });
    assert.equal(both.status, 200);
    assert.equal(((await both.json()) as unknown[]).length, 2);
  });

  it('is refused once expired, or changed, with AccessDenied', async () => {
    const k2v = ts.client();
    const pk = uniquePk('presign-expired');
    await k2v.insertItem(pk, 'k', 'v');
    const expired = await k2v.presignReadItem(pk, 'k', { expiresIn: 5, date: new Date(Date.now() - 60_000) });
    const res = await fetch(expired);
    assert.equal(res.status, 403);
    assert.equal(((await res.json()) as { code: string }).code, 'AccessDenied');

    const good = await k2v.presignReadItem(pk, 'k');
    const otherItem = good.replace('sort_key=k', 'sort_key=j');
    const tampered = await fetch(otherItem);
    assert.equal(tampered.status, 403);
    await tampered.arrayBuffer();
    assert.equal((await fetch(good)).status, 200);
  });

  it('refuses a lifetime outside 1..604800 s and keys a URL cannot carry', async () => {
    const k2v = ts.client();
    for (const expiresIn of [0, 604_801, 1.5]) {
      await assert.rejects(k2v.presignReadItem('p', 'k', { expiresIn }), (e: unknown) => e instanceof K2vError && e.code === 'InvalidArgument');
    }
    await assert.rejects(k2v.presignReadItem('..', 'k'), (e: unknown) => e instanceof K2vError && e.code === 'InvalidArgument');
    assert.ok(await k2v.presignReadItem('p', 'k', { expiresIn: 604_800 }));
  });
});
