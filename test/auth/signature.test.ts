import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeSignature, signatureMatches } from '../../src/auth/signature.js';
import { deriveSigningKey } from '../../src/auth/signing-key.js';
import { AWS_SUITE, SUITE_CASES } from './sigv4-fixtures.js';

const key = deriveSigningKey(AWS_SUITE.secret, '20150830', AWS_SUITE.region, AWS_SUITE.service);

for (const c of SUITE_CASES) {
  test(`AWS suite ${c.name}: signature`, () => {
    assert.equal(computeSignature(key, c.stringToSign).toString('hex'), c.signature);
  });
}

test('signatures compare by value, hex in either case; malformed ones never match', () => {
  const c = SUITE_CASES[0]!;
  const expected = computeSignature(key, c.stringToSign);
  assert.equal(signatureMatches(expected, c.signature), true);
  assert.equal(signatureMatches(expected, c.signature.toUpperCase()), true);
  const flipped = (c.signature[0] === '0' ? '1' : '0') + c.signature.slice(1);
  assert.equal(signatureMatches(expected, flipped), false);
  assert.equal(signatureMatches(expected, c.signature.slice(0, 62)), false);
  assert.equal(signatureMatches(expected, c.signature + '00'), false);
  assert.equal(signatureMatches(expected, c.signature.slice(0, 63) + 'g'), false);
  assert.equal(signatureMatches(expected, ''), false);
});
