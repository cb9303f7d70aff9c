import { test } from 'node:test';
import assert from 'node:assert/strict';
import { uriEncode } from '../../src/auth/uri-encode.js';

test('unreserved characters are kept, / only in paths', () => {
  const unreserved = 'AZaz09-_.~';
  assert.equal(uriEncode(unreserved, true), unreserved);
  assert.equal(uriEncode('/a/b/', false), '/a/b/');
  assert.equal(uriEncode('/a/b/', true), '%2Fa%2Fb%2F');
});

test('everything else becomes %XX in upper case, % included (so encoded text is encoded again)', () => {
  assert.equal(uriEncode(' +%!\'()*=&?#:@,;$', true), '%20%2B%25%21%27%28%29%2A%3D%26%3F%23%3A%40%2C%3B%24');
  assert.equal(uriEncode('pk%20with%2Fslash', false), 'pk%2520with%252Fslash');
  assert.equal(uriEncode('%c3%a9', false), '%25c3%25a9');
});

test('non-ASCII text is encoded as its UTF-8 bytes', () => {
  assert.equal(uriEncode('é', true), '%C3%A9');
  assert.equal(uriEncode('\u1234', false), '%E1%88%B4');
  assert.equal(uriEncode('😀/x', false), '%F0%9F%98%80/x');
});
