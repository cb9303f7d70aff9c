import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { ITEM_PREFIX_BYTES, partitionPrefix } from '../../../src/store/lmdb/keys.js';

/** The layout, computed independently: tag 0x01 then the first 16 bytes of SHA-256(bucket | 0 | pk). */
function reference(bucketId: string, pk: string): Buffer {
  const h = createHash('sha256')
    .update(Buffer.concat([Buffer.from(bucketId, 'hex'), Buffer.from([0]), Buffer.from(pk, 'utf8')]))
    .digest();
  return Buffer.concat([Buffer.from([0x01]), h.subarray(0, ITEM_PREFIX_BYTES - 1)]);
}

const buckets = ['a'.repeat(64), 'b'.repeat(64), '0123456789abcdef'.repeat(4)];

test('partitionPrefix: the stored layout, whether cached, evicted or too long to cache', () => {
  // More distinct partitions than the cache holds, each asked for several times in a random order,
  // with partition keys short (cached) and long (never cached), ASCII and not.
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(fc.constantFrom(...buckets), fc.oneof(fc.nat(6000).map((n) => `p${n}`), fc.string({ unit: 'grapheme', maxLength: 300 }))),
        { minLength: 1, maxLength: 400 },
      ),
      (calls) => {
        for (const [b, pk] of calls) assert.deepEqual(partitionPrefix(b, pk), reference(b, pk), `${b} ${pk}`);
      },
    ),
    { numRuns: 60 },
  );
});

test('partitionPrefix: an invalid bucket id is refused, also after a valid one with the same partition key', () => {
  partitionPrefix('c'.repeat(64), 'pk');
  assert.throws(() => partitionPrefix('C'.repeat(64), 'pk'), TypeError);
  assert.throws(() => partitionPrefix('c'.repeat(63), 'pk'), TypeError);
  // Same concatenation as the cached ('c' x 64, 'pk'), but a 65-character bucket id.
  assert.throws(() => partitionPrefix('c'.repeat(64) + 'p', 'k'), TypeError);
});
