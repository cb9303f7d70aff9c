import { test } from 'node:test';
import assert from 'node:assert/strict';
import { credentialScope, stringToSign } from '../../src/auth/string-to-sign.js';
import { AWS_SUITE, SUITE_CASES } from './sigv4-fixtures.js';

test('credential scope', () => {
  assert.equal(credentialScope('20150830', 'us-east-1', 'service'), AWS_SUITE.scope);
  assert.equal(credentialScope('20240102', 'garage', 'k2v'), '20240102/garage/k2v/aws4_request');
});

for (const c of SUITE_CASES) {
  test(`AWS suite ${c.name}: string to sign`, () => {
    assert.equal(stringToSign(AWS_SUITE.amzDate, AWS_SUITE.scope, c.canonicalRequest), c.stringToSign);
  });
}
