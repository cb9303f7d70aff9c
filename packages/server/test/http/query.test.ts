import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBool, parseQuery, parseU64, percentDecode, splitTarget } from '../../src/http/query.js';
import { K2vError } from '../../src/k2v/errors.js';

const isBadRequest = (err: unknown) => err instanceof K2vError && err.code === 'InvalidRequest';

test('splitTarget separates path and query at the first ?', () => {
  assert.deepStrictEqual(splitTarget('/b/pk?a=1?b=2'), { path: '/b/pk', query: 'a=1?b=2' });
  assert.deepStrictEqual(splitTarget('/b/pk'), { path: '/b/pk', query: undefined });
  assert.deepStrictEqual(splitTarget('/b?'), { path: '/b', query: '' });
  assert.deepStrictEqual(splitTarget('*'), { path: '*', query: undefined });
});

test('splitTarget reduces an absolute-form target to its path', () => {
  assert.deepStrictEqual(splitTarget('http://h:1/b/pk?x=1'), { path: '/b/pk', query: 'x=1' });
  assert.deepStrictEqual(splitTarget('https://h'), { path: '/', query: undefined });
  assert.deepStrictEqual(splitTarget('http://h?x=/y'), { path: '/', query: 'x=/y' });
  // `://` inside an origin-form path is just path
  assert.deepStrictEqual(splitTarget('/b/http://x'), { path: '/b/http://x', query: undefined });
});

test('percentDecode: path mode keeps +, form mode makes it a space', () => {
  assert.equal(percentDecode('a+b%2Bc', false), 'a+b+c');
  assert.equal(percentDecode('a+b%2Bc', true), 'a b+c');
  assert.equal(percentDecode('plain', true), 'plain');
  assert.equal(percentDecode('', true), '');
});

test('percentDecode keeps malformed escapes literally and refuses invalid UTF-8', () => {
  assert.equal(percentDecode('%', false), '%');
  assert.equal(percentDecode('%4', false), '%4');
  assert.equal(percentDecode('%4g%41', false), '%4gA');
  assert.equal(percentDecode('%%41', false), '%A');
  assert.equal(percentDecode('%E2%82%AC', false), '€');
  assert.equal(percentDecode('%e2%82%ac', false), '€');
  assert.equal(percentDecode('%E2%82', false), undefined);
  assert.equal(percentDecode('%E2%82%zz', false), undefined);
  assert.equal(percentDecode('%80', false), undefined);
  assert.equal(percentDecode('%F4%90%80%80', false), undefined); // above U+10FFFF
  assert.equal(percentDecode('%ED%BF%BF', false), undefined); // a surrogate
  assert.equal(percentDecode('%F0%9F%98%80%zz', false), '😀%zz');
});

test('percentDecode keeps a leading byte order mark', () => {
  assert.equal(percentDecode('%EF%BB%BF', false), '\uFEFF');
  assert.equal(percentDecode('%EF%BB%BF%zz', false), '\uFEFF%zz');
});

test('percentDecode accepts raw non-ASCII text (not from Node, but pure callers)', () => {
  assert.equal(percentDecode('é😀%zz%41', false), 'é😀%zzA');
});

test('parseQuery: fields, keywords, empty values and unknown names', () => {
  const q = parseQuery('sort_key=a&causality_token=&search=x&whatever=1&limit=5');
  assert.equal(q.sort_key, 'a');
  assert.equal(q.causality_token, undefined);
  assert.equal(q.keyword, 'search');
  assert.equal(q.limit, '5');
  assert.equal(q.prefix, undefined);
  assert.equal(parseQuery(undefined).keyword, undefined);
  assert.equal(parseQuery('').sort_key, undefined);
  assert.equal(parseQuery('poll_range').keyword, 'poll_range');
  assert.equal(parseQuery('delete=').keyword, 'delete');
});

test('parseQuery decodes names and values', () => {
  const q = parseQuery('s%6Frt_key=a+b%20c%3D&prefix==x');
  assert.equal(q.sort_key, 'a b c=');
  assert.equal(q.prefix, '=x');
});

test('parseQuery refuses repeated names, keywords and invalid UTF-8', () => {
  assert.throws(() => parseQuery('prefix=a&prefix=b'), isBadRequest);
  assert.throws(() => parseQuery('prefix=&prefix='), isBadRequest);
  assert.throws(() => parseQuery('x=1&X=2'), isBadRequest);
  assert.throws(() => parseQuery('search&delete'), isBadRequest);
  assert.throws(() => parseQuery('prefix=%C3'), isBadRequest);
  assert.throws(() => parseQuery('%C3=1'), isBadRequest);
});

test('parseQuery finds a repeated name however many names come before it', () => {
  for (const n of [1, 15, 16, 17, 100]) {
    const names = Array.from({ length: n }, (_, i) => `p${i}=1`).join('&');
    assert.throws(() => parseQuery(`${names}&P0=2`), isBadRequest, String(n));
    assert.throws(() => parseQuery(`${names}&p${n - 1}=2`), isBadRequest, String(n));
    assert.equal(parseQuery(`${names}&sort_key=z`).sort_key, 'z');
  }
});

test('parseQuery is linear in the number of parameters', () => {
  const many = Array.from({ length: 20000 }, (_, i) => `p${i}=${i}`).join('&');
  const t0 = process.hrtime.bigint();
  assert.equal(parseQuery(`${many}&sort_key=z`).sort_key, 'z');
  // generous bound: quadratic behaviour would take seconds
  assert.ok(process.hrtime.bigint() - t0 < 2_000_000_000n);
});

test('parseU64 follows Rust u64::from_str and clamps to a safe integer', () => {
  assert.equal(parseU64('limit', '0'), 0);
  assert.equal(parseU64('limit', '000'), 0);
  assert.equal(parseU64('limit', '42'), 42);
  assert.equal(parseU64('limit', '+42'), 42);
  assert.equal(parseU64('limit', '9007199254740991'), 9007199254740991);
  assert.equal(parseU64('limit', '9007199254740993'), Number.MAX_SAFE_INTEGER);
  assert.equal(parseU64('limit', '18446744073709551615'), Number.MAX_SAFE_INTEGER);
  for (const bad of ['', '+', '-', '-0', '++1', ' 1', '1 ', '1_000', '١', '18446744073709551616', '99999999999999999999']) {
    assert.throws(() => parseU64('limit', bad), isBadRequest, JSON.stringify(bad));
  }
});

test('parseBool accepts exactly true and false', () => {
  assert.equal(parseBool('reverse', 'true'), true);
  assert.equal(parseBool('reverse', 'false'), false);
  for (const bad of ['True', '1', '0', '', 'yes']) assert.throws(() => parseBool('reverse', bad), isBadRequest);
});
