import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StoreError } from '../../../src/store/errors.js';
import { lmdbErrorCode, toStoreError } from '../../../src/store/lmdb/lmdb-errors.js';

/** What lmdb-js rejects a batch with when its commit fails (write.js rejectCommit). */
function commitFailure(code: number): Error {
  const native = Object.assign(new Error('native'), { code });
  const commitError = Promise.reject(native);
  commitError.catch(() => undefined);
  return Object.assign(new Error('Commit failed (see commitError for details)'), { commitError });
}

describe('lmdb error mapping', () => {
  it('finds the code on a native error or behind commitError', async () => {
    assert.equal(await lmdbErrorCode(Object.assign(new Error('x'), { code: -30792 })), -30792);
    assert.equal(await lmdbErrorCode(commitFailure(28)), 28);
    assert.equal(await lmdbErrorCode(new Error('plain')), undefined);
    assert.equal(await lmdbErrorCode('not an error'), undefined);
  });

  for (const [name, code] of [
    ['MDB_MAP_FULL', -30792],
    ['ENOSPC', 28],
    ['EDQUOT', 122],
  ] as const) {
    it(`maps ${name} to Unavailable`, async () => {
      const mapped = await toStoreError(commitFailure(code));
      assert.ok(mapped.error instanceof StoreError);
      assert.equal(mapped.error.code, 'Unavailable');
      assert.equal(mapped.space, true);
      assert.equal(mapped.code, code);
    });
  }

  it('passes store errors and other failures through', async () => {
    const own = new StoreError('FutureToken', 'x');
    assert.equal((await toStoreError(own)).error, own);
    const io = commitFailure(5); // EIO: a 500, not a 503
    const mapped = await toStoreError(io);
    assert.equal(mapped.error, io);
    assert.equal(mapped.space, false);
    assert.equal(mapped.code, 5);
  });
});
