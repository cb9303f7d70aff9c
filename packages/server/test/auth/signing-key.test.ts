import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SigningKeyCache, deriveSigningKey } from '../../src/auth/signing-key.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';

test('derived keys match the values AWS publishes', () => {
  // AWS documentation, "deriving the signing key" examples (IAM).
  assert.equal(
    deriveSigningKey(SECRET, '20120215', 'us-east-1', 'iam').toString('hex'),
    'f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d',
  );
  assert.equal(
    deriveSigningKey(SECRET, '20150830', 'us-east-1', 'iam').toString('hex'),
    'c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9',
  );
});

test('the cache returns the derived key and keys it by secret, date, region and service', () => {
  const cache = new SigningKeyCache(8);
  const a = cache.get(SECRET, '20150830', 'us-east-1', 'service');
  assert.deepEqual(a, deriveSigningKey(SECRET, '20150830', 'us-east-1', 'service'));
  assert.equal(cache.get(SECRET, '20150830', 'us-east-1', 'service'), a, 'second call is a cache hit');
  assert.notDeepEqual(cache.get(SECRET + 'x', '20150830', 'us-east-1', 'service'), a);
  assert.notDeepEqual(cache.get(SECRET, '20150831', 'us-east-1', 'service'), a);
  assert.notDeepEqual(cache.get(SECRET, '20150830', 'garage', 'service'), a);
  assert.notDeepEqual(cache.get(SECRET, '20150830', 'us-east-1', 'k2v'), a);
  assert.equal(cache.size, 5);
});

test('the cache is bounded and evicts the least recently used entry', () => {
  const cache = new SigningKeyCache(2);
  const a = cache.get('a', '20240101', 'garage', 'k2v');
  const b = cache.get('b', '20240101', 'garage', 'k2v');
  assert.equal(cache.get('a', '20240101', 'garage', 'k2v'), a); // a is now the most recent
  cache.get('c', '20240101', 'garage', 'k2v'); // evicts b
  assert.equal(cache.size, 2);
  assert.equal(cache.get('a', '20240101', 'garage', 'k2v'), a, 'a survived');
  const b2 = cache.get('b', '20240101', 'garage', 'k2v');
  assert.notEqual(b2, b, 'b was evicted and derived again');
  assert.deepEqual(b2, b);
  assert.throws(() => new SigningKeyCache(0), RangeError);
});
