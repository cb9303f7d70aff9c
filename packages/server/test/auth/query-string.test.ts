import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formDecode, parseQuery } from '../../src/auth/query-string.js';

test('pairs are split on & and the first =, in request order; bare names get an empty value', () => {
  assert.deepEqual(parseQuery('sort_key=a=b&search&x='), [
    ['sort_key', 'a=b'],
    ['search', ''],
    ['x', ''],
  ]);
  assert.deepEqual(parseQuery(''), []);
  assert.deepEqual(parseQuery('&&a=1&'), [['a', '1']]);
});

test('form decoding: + is a space, %XX a byte, bytes read as UTF-8', () => {
  assert.equal(formDecode('a+b%2Bc'), 'a b+c');
  assert.equal(formDecode('caf%C3%A9'), 'café');
  assert.equal(formDecode('%e1%88%b4'), '\u1234');
  assert.equal(formDecode('%2F%2f'), '//');
});

test('a % without two hex digits stays literal; invalid UTF-8 becomes U+FFFD', () => {
  assert.equal(formDecode('100%'), '100%');
  assert.equal(formDecode('%zz%4'), '%zz%4');
  assert.equal(formDecode('%C3'), '\uFFFD');
});
