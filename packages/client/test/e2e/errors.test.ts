/** Every contract error a client can meet surfaces as a K2vError with its code, status and path. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { K2vError, causalityToken, type K2vErrorCode } from 'k2v-client';
import { uniquePk, useServer } from '../support/server.js';

const ts = useServer();

function refusal(code: K2vErrorCode, status: number, path?: string) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof K2vError, `a K2vError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.equal(e.status, status);
    assert.equal(e.name, 'K2vError');
    assert.ok(e.message.length > 0);
    if (path !== undefined) assert.equal(e.path, path);
    return true;
  };
}

describe('contract errors', () => {
  it('NoSuchBucket (404) on every kind of call, with the path as sent', async () => {
    const k2v = ts.client({ bucket: 'no-such-bucket' });
    await assert.rejects(k2v.readItem('p k', 's'), refusal('NoSuchBucket', 404, '/no-such-bucket/p%20k'));
    await assert.rejects(k2v.insertItem('p', 's', 'v'), refusal('NoSuchBucket', 404, '/no-such-bucket/p'));
    await assert.rejects(k2v.readIndex(), refusal('NoSuchBucket', 404, '/no-such-bucket'));
    await assert.rejects(k2v.readBatch([{ partitionKey: 'p' }]), refusal('NoSuchBucket', 404));
  });

  it('AccessDenied (403): a wrong secret, an unknown key, a key without the permission', async () => {
    await assert.rejects(ts.client({ secretAccessKey: 'wrong' }).readItem('p', 's'), refusal('AccessDenied', 403));
    await assert.rejects(ts.client({ accessKeyId: 'GK000000000000000000000000' }).insertItem('p', 's', 'v'), refusal('AccessDenied', 403));

    const reader = await ts.admin<{ accessKeyId: string; secretAccessKey: string }>('POST', '/v1/key', { name: 'reader' });
    await ts.admin('POST', '/v1/bucket/allow', { bucketId: ts.bucketId, accessKeyId: reader.accessKeyId, permissions: { read: true } });
    const k2v = ts.client({ accessKeyId: reader.accessKeyId, secretAccessKey: reader.secretAccessKey });
    assert.equal(await k2v.readItem(uniquePk('ro'), 's'), undefined, 'reading is allowed');
    await assert.rejects(k2v.insertItem('p', 's', 'v'), refusal('AccessDenied', 403));
    await assert.rejects(k2v.deleteBatch([{ partitionKey: 'p' }]), refusal('AccessDenied', 403));
  });

  it('AuthorizationHeaderMalformed (400): signed for another region', async () => {
    await assert.rejects(ts.client({ region: 'elsewhere' }).readItem('p', 's'), refusal('AuthorizationHeaderMalformed', 400));
  });

  it('CausalityToken (400): a malformed token on a write, item or batch; nothing written', async () => {
    const k2v = ts.client();
    const pk = uniquePk('bad-token');
    await assert.rejects(k2v.insertItem(pk, 's', 'v', causalityToken('not-a-token')), refusal('CausalityToken', 400));
    await assert.rejects(k2v.deleteItem(pk, 's', causalityToken('AAAA')), refusal('CausalityToken', 400));
    await assert.rejects(
      k2v.insertBatch([{ pk, sk: 'ok', value: 'v' }, { pk, sk: 's', value: 'v', token: causalityToken('!!') }]),
      refusal('CausalityToken', 400),
    );
    assert.equal(await k2v.readItem(pk, 'ok'), undefined);
  });

  it('InvalidRequest (400): a bad token on a poll, bad range queries, a bad seen marker', async () => {
    const k2v = ts.client();
    const pk = uniquePk('invalid');
    await assert.rejects(k2v.pollItem(pk, 's', causalityToken('bad'), { timeoutSeconds: 1 }), refusal('InvalidRequest', 400));
    await assert.rejects(k2v.readBatch([{ partitionKey: pk, singleItem: true }]), refusal('InvalidRequest', 400));
    await assert.rejects(k2v.readIndex({ prefix: 'a', start: 'b' }), refusal('InvalidRequest', 400));
    await assert.rejects(k2v.pollRange(pk, { seenMarker: 'garbage' }, { timeoutSeconds: 1 }), refusal('InvalidRequest', 400));
    await assert.rejects(k2v.insertItem('k'.repeat(1025), 's', 'v'), refusal('InvalidRequest', 400));
  });

  it('PayloadTooLarge (413): a value over the 1 MiB limit; not retried, not written', async () => {
    const k2v = ts.client();
    const pk = uniquePk('big');
    await assert.rejects(k2v.insertItem(pk, 's', new Uint8Array(1024 * 1024 + 1)), refusal('PayloadTooLarge', 413));
    assert.equal(await k2v.readItem(pk, 's'), undefined);
    await k2v.insertItem(pk, 's', new Uint8Array(1024 * 1024));
    assert.equal((await k2v.readItem(pk, 's'))?.values[0]?.length, 1024 * 1024);
  });

  it('a refusal is not retried: one request reaches the server', async () => {
    // Were a 403 retried, with a minute between attempts the call would end in Timeout (its 30 s
    // deadline) instead of AccessDenied.
    const k2v = ts.client({ secretAccessKey: 'wrong', retry: { retries: 5, minDelayMs: 60_000 } });
    await assert.rejects(k2v.readItem('p', 's'), refusal('AccessDenied', 403));
  });
});
