import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { itemKeysOf } from '../../../src/store/lmdb/item-keys.js';
import { itemKey, MAX_SORT_KEY_BYTES, partitionPrefix } from '../../../src/store/lmdb/keys.js';
import type { ItemWrite } from '../../../src/store/store.js';

const BUCKET = 'ab'.repeat(32);
const write = (pk: string, sk: string): ItemWrite => ({ pk, sk, ct: undefined, value: null });

describe('item keys built before the transaction', () => {
  it('are the keys applyWrites would build, write by write', () => {
    const name = fc.string({ unit: fc.constantFrom('a', 'b', 'é', '\u{1f600}'), maxLength: 4 });
    fc.assert(
      fc.property(fc.array(fc.tuple(name, name), { maxLength: 12 }), (pairs) => {
        const keys = itemKeysOf(BUCKET, pairs.map(([pk, sk]) => write(pk, sk)));
        assert.equal(keys.length, pairs.length);
        pairs.forEach(([pk, sk], i) => assert.deepEqual(keys[i], itemKey(partitionPrefix(BUCKET, pk), sk)));
      }),
    );
  });

  it('leave out only the keys that cannot be built, for applyWrites to refuse', () => {
    const long = 's'.repeat(MAX_SORT_KEY_BYTES + 1);
    const keys = itemKeysOf(BUCKET, [write('p', 'a'), write('p', long), write('p', 'b')]);
    assert.deepEqual(keys[0], itemKey(partitionPrefix(BUCKET, 'p'), 'a'));
    assert.equal(keys[1], undefined);
    assert.deepEqual(keys[2], itemKey(partitionPrefix(BUCKET, 'p'), 'b'));
    assert.deepEqual(itemKeysOf('not a bucket id', [write('p', 'a')]), [undefined]);
  });
});
