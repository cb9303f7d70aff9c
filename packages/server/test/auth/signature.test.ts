import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { computeSignature, signatureMatches } from '../../src/auth/signature.js';
import { deriveSigningKey } from '../../src/auth/signing-key.js';
import { AWS_SUITE, SUITE_CASES } from './sigv4-fixtures.js';

const key = deriveSigningKey(AWS_SUITE.secret, '20150830', AWS_SUITE.region, AWS_SUITE.service);

for (const c of SUITE_CASES) {
  test(`AWS suite ${c.name}: signature`, () => {
    assert.equal(computeSignature(key, c.stringToSign), c.signature);
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

test('signatureMatches agrees with "64 hex digits, equal ignoring case" on any near-miss', () => {
  const expected = computeSignature(key, SUITE_CASES[0]!.stringToSign);
  const reference = (s: string) => /^[0-9a-fA-F]{64}$/.test(s) && s.toLowerCase() === expected;
  // Characters around the hex ranges, where a case fold by bit could confuse them ('@'/'`', 'G'/'g').
  const chars = fc.constantFrom(...'0123456789abcdefABCDEFgG@`/:[{ \u00e9'.split(''));
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(63), chars), { maxLength: 3 }),
      fc.boolean(),
      (edits, upper) => {
        const cs = (upper ? expected.toUpperCase() : expected).split('');
        for (const [i, ch] of edits) cs[i] = ch;
        const claimed = cs.join('');
        assert.equal(signatureMatches(expected, claimed), reference(claimed), claimed);
      },
    ),
    { numRuns: 2000 },
  );
});
