import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isValidBucketName } from '../../src/admin/bucket-name.js';

describe('isValidBucketName', () => {
  it('accepts S3-style names', () => {
    for (const name of ['abc', 'my-bucket', 'my.bucket.name', 'a'.repeat(63), '123', 'a-b.c-d', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', 'xn-abc', 'abc.xn-d', 'abc-s3alia']) {
      assert.equal(isValidBucketName(name), true, name);
    }
  });

  it('refuses names Garage refuses', () => {
    for (const name of [
      '',
      'ab',
      'a'.repeat(64),
      'ABC',
      'a_b',
      'a b',
      'abé',
      '-abc',
      '.abc',
      'abc-',
      'abc.',
      '192.168.0.1',
      '0.0.0.0',
      '255.255.255.255',
      'xn--abc',
      'abc.xn--def',
      'data-s3alias',
      'a/b',
      'a:b',
    ]) {
      assert.equal(isValidBucketName(name), false, name);
    }
  });
});
