import { test } from 'node:test';
import assert from 'node:assert/strict';
import { route } from '../../src/http/router.js';
import type { Endpoint } from '../../src/http/endpoint.js';
import { K2vError, type ErrorCode } from '../../src/k2v/errors.js';

// Transcribed from contract section 3 (and Garage's router.rs for the cases it leaves open):
// [method, target, expected endpoint].
const OK: Array<[string, string, Endpoint]> = [
  // ReadItem / PollItem
  ['GET', '/b/pk?sort_key=sk', { kind: 'ReadItem', bucket: 'b', pk: 'pk', sk: 'sk' }],
  ['GET', 'b/pk?sort_key=sk', { kind: 'ReadItem', bucket: 'b', pk: 'pk', sk: 'sk' }],
  ['GET', '///b///pk?sort_key=sk', { kind: 'ReadItem', bucket: 'b', pk: 'pk', sk: 'sk' }],
  ['GET', '/b/pk/with/slashes/?sort_key=sk', { kind: 'ReadItem', bucket: 'b', pk: 'pk/with/slashes/', sk: 'sk' }],
  ['GET', '/b/a%2Fb%20c+d?sort_key=x+y%2Bz', { kind: 'ReadItem', bucket: 'b', pk: 'a/b c+d', sk: 'x y+z' }],
  ['GET', '/b/%C3%A9t%C3%A9?sort_key=%F0%9F%98%80', { kind: 'ReadItem', bucket: 'b', pk: 'été', sk: '😀' }],
  ['GET', '/b/%EF%BB%BFbom?sort_key=%EF%BB%BF', { kind: 'ReadItem', bucket: 'b', pk: '\uFEFFbom', sk: '\uFEFF' }],
  ['GET', '/b/100%?sort_key=5%zz', { kind: 'ReadItem', bucket: 'b', pk: '100%', sk: '5%zz' }],
  ['GET', '/b/%zz%C3%A9?sort_key=s', { kind: 'ReadItem', bucket: 'b', pk: '%zzé', sk: 's' }],
  ['GET', '/my%20bucket/pk?sort_key=s', { kind: 'ReadItem', bucket: 'my%20bucket', pk: 'pk', sk: 's' }],
  ['GET', '/b/pk?sort_key=sk&causality_token=', { kind: 'ReadItem', bucket: 'b', pk: 'pk', sk: 'sk' }],
  ['GET', '/b/pk?sort_key=sk&limit=abc&reverse=maybe&unknown=1', { kind: 'ReadItem', bucket: 'b', pk: 'pk', sk: 'sk' }],
  ['GET', '/b/pk?sort_key=sk&sort_keyx=1&Sort_Keys=2', { kind: 'ReadItem', bucket: 'b', pk: 'pk', sk: 'sk' }],
  ['GET', '/b/pk?&&sort_key=sk&&', { kind: 'ReadItem', bucket: 'b', pk: 'pk', sk: 'sk' }],
  ['GET', '/b/pk?sort_key=a=b', { kind: 'ReadItem', bucket: 'b', pk: 'pk', sk: 'a=b' }],
  ['GET', '/b/pk?sort_key=sk&timeout=abc', { kind: 'ReadItem', bucket: 'b', pk: 'pk', sk: 'sk' }],
  ['GET', 'http://host:3904/b/pk?sort_key=sk', { kind: 'ReadItem', bucket: 'b', pk: 'pk', sk: 'sk' }],
  [
    'GET',
    '/b/pk?sort_key=sk&causality_token=ct',
    { kind: 'PollItem', bucket: 'b', pk: 'pk', sk: 'sk', causalityToken: 'ct', timeout: undefined },
  ],
  [
    'GET',
    '/b/pk?causality_token=ct&timeout=30&sort_key=sk',
    { kind: 'PollItem', bucket: 'b', pk: 'pk', sk: 'sk', causalityToken: 'ct', timeout: 30 },
  ],
  [
    'GET',
    '/b/pk?sort_key=sk&causality_token=ct&timeout=',
    { kind: 'PollItem', bucket: 'b', pk: 'pk', sk: 'sk', causalityToken: 'ct', timeout: undefined },
  ],
  [
    'GET',
    '/b/pk?sort_key=sk&causality_token=ct&timeout=0007',
    { kind: 'PollItem', bucket: 'b', pk: 'pk', sk: 'sk', causalityToken: 'ct', timeout: 7 },
  ],
  [
    'GET',
    '/b/pk?sort_key=sk&causality_token=ct&timeout=18446744073709551615',
    { kind: 'PollItem', bucket: 'b', pk: 'pk', sk: 'sk', causalityToken: 'ct', timeout: Number.MAX_SAFE_INTEGER },
  ],
  // ReadIndex
  ['GET', '/b', readIndex({})],
  ['GET', '/b/', readIndex({})],
  ['GET', '/b//', readIndex({})],
  ['GET', '/b?', readIndex({})],
  ['GET', '/b/?sort_key=x', readIndex({})],
  // leading slashes are trimmed before the bucket is taken, as Garage
  ['GET', '//b?sort_key=x', readIndex({})],
  ['GET', '/b?prefix=p&start=ps&end=q&limit=10&reverse=true', readIndex({ prefix: 'p', start: 'ps', end: 'q', limit: 10, reverse: true })],
  ['GET', '/b?prefix=&start=&end=&limit=&reverse=', readIndex({})],
  ['GET', '/b?reverse=false&limit=0', readIndex({ limit: 0, reverse: false })],
  ['GET', '/b?limit=%2B5', readIndex({ limit: 5 })],
  ['GET', '/b?limit=9999999999999999999', readIndex({ limit: Number.MAX_SAFE_INTEGER })],
  ['GET', '/b?prefix=a+b%26c', readIndex({ prefix: 'a b&c' })],
  ['GET', '/b?causality_token=ct&timeout=x', readIndex({})],
  // InsertItem / DeleteItem
  ['PUT', '/b/pk?sort_key=sk', { kind: 'InsertItem', bucket: 'b', pk: 'pk', sk: 'sk' }],
  ['PUT', '/b/pk?sort_key=sk&causality_token=ct', { kind: 'InsertItem', bucket: 'b', pk: 'pk', sk: 'sk' }],
  ['DELETE', '/b/pk?sort_key=sk', { kind: 'DeleteItem', bucket: 'b', pk: 'pk', sk: 'sk' }],
  // Batches
  ['POST', '/b', { kind: 'InsertBatch', bucket: 'b' }],
  ['POST', '/b/', { kind: 'InsertBatch', bucket: 'b' }],
  ['POST', '/b?sort_key=x&prefix=y', { kind: 'InsertBatch', bucket: 'b' }],
  ['POST', '/b?search', { kind: 'ReadBatch', bucket: 'b' }],
  ['POST', '/b?search=', { kind: 'ReadBatch', bucket: 'b' }],
  ['POST', '/b?search=anything', { kind: 'ReadBatch', bucket: 'b' }],
  ['POST', '/b?sea%72ch', { kind: 'ReadBatch', bucket: 'b' }],
  ['SEARCH', '/b', { kind: 'ReadBatch', bucket: 'b' }],
  ['POST', '/b?delete', { kind: 'DeleteBatch', bucket: 'b' }],
  ['POST', '/b?delete=', { kind: 'DeleteBatch', bucket: 'b' }],
  ['POST', '/b?Delete', { kind: 'InsertBatch', bucket: 'b' }],
  // PollRange
  ['POST', '/b/pk?poll_range', { kind: 'PollRange', bucket: 'b', pk: 'pk' }],
  ['POST', '/b/pk?poll_range=', { kind: 'PollRange', bucket: 'b', pk: 'pk' }],
  ['SEARCH', '/b/pk?poll_range', { kind: 'PollRange', bucket: 'b', pk: 'pk' }],
  // OPTIONS: any path, any query, nothing decoded or validated
  ['OPTIONS', '/b', { kind: 'Options', bucket: 'b' }],
  ['OPTIONS', '/b/pk?sort_key=sk', { kind: 'Options', bucket: 'b' }],
  ['OPTIONS', '/b/%FF?search&search&limit=x', { kind: 'Options', bucket: 'b' }],
  ['OPTIONS', '*', { kind: 'Options', bucket: '*' }],
];

function readIndex(p: { prefix?: string; start?: string; end?: string; limit?: number; reverse?: boolean }): Endpoint {
  return {
    kind: 'ReadIndex',
    bucket: 'b',
    prefix: p.prefix,
    start: p.start,
    end: p.end,
    limit: p.limit,
    reverse: p.reverse,
  };
}

const FAIL: Array<[string, string, ErrorCode]> = [
  // empty bucket, for every method, OPTIONS included (Garage checks it first)
  ['GET', '/', 'InvalidRequest'],
  ['GET', '', 'InvalidRequest'],
  ['OPTIONS', '/', 'InvalidRequest'],
  ['POST', '/?search', 'InvalidRequest'],
  // partition key not UTF-8
  ['GET', '/b/%FF?sort_key=sk', 'InvalidUtf8String'],
  ['GET', '/b/%C3?sort_key=sk', 'InvalidUtf8String'],
  ['GET', '/b/%C0%AF?sort_key=sk', 'InvalidUtf8String'],
  ['GET', '/b/%ED%A0%80?sort_key=sk', 'InvalidUtf8String'],
  ['HEAD', '/b/%FF?sort_key=sk', 'InvalidUtf8String'],
  ['POST', '/b/%FF', 'InvalidUtf8String'],
  // query not UTF-8
  ['GET', '/b/pk?sort_key=%FF', 'InvalidRequest'],
  ['GET', '/b/pk?sort_key=sk&unknown=%FF', 'InvalidRequest'],
  ['GET', '/b/pk?%FF=1&sort_key=sk', 'InvalidRequest'],
  // methods without K2V endpoints
  ['HEAD', '/b/pk?sort_key=sk', 'InvalidRequest'],
  ['HEAD', '/b', 'InvalidRequest'],
  ['PATCH', '/b/pk?sort_key=sk', 'InvalidRequest'],
  ['get', '/b/pk?sort_key=sk', 'InvalidRequest'],
  ['TRACE', '/b', 'InvalidRequest'],
  ['CONNECT', '/b', 'InvalidRequest'],
  // missing sort_key
  ['GET', '/b/pk', 'InvalidRequest'],
  ['GET', '/b/pk?sort_key=', 'InvalidRequest'],
  ['GET', '/b/pk?causality_token=ct', 'InvalidRequest'],
  ['GET', '/b/pk?Sort_Key=sk', 'InvalidRequest'],
  ['PUT', '/b/pk', 'InvalidRequest'],
  ['DELETE', '/b/pk?sort_key', 'InvalidRequest'],
  // wrong partition key presence
  ['PUT', '/b?sort_key=sk', 'InvalidRequest'],
  ['PUT', '/b/?sort_key=sk', 'InvalidRequest'],
  ['DELETE', '/b?sort_key=sk', 'InvalidRequest'],
  ['POST', '/b/pk', 'InvalidRequest'],
  ['POST', '/b/pk?search', 'InvalidRequest'],
  ['POST', '/b/pk?delete', 'InvalidRequest'],
  ['POST', '/b?poll_range', 'InvalidRequest'],
  ['POST', '/b//?poll_range', 'InvalidRequest'],
  ['SEARCH', '/b/pk', 'InvalidRequest'],
  ['SEARCH', '/b?poll_range', 'InvalidRequest'],
  ['SEARCH', '/b?search', 'InvalidRequest'],
  ['SEARCH', '/b?delete', 'InvalidRequest'],
  // keywords where none is allowed
  ['GET', '/b/pk?sort_key=sk&search', 'InvalidRequest'],
  ['GET', '/b?delete', 'InvalidRequest'],
  ['GET', '/b/pk?sort_key=sk&poll_range', 'InvalidRequest'],
  ['PUT', '/b/pk?sort_key=sk&delete', 'InvalidRequest'],
  ['DELETE', '/b/pk?sort_key=sk&delete', 'InvalidRequest'],
  ['SEARCH', '/b/pk?poll_range&search', 'InvalidRequest'],
  // two keywords, one twice
  ['POST', '/b?search&delete', 'InvalidRequest'],
  ['POST', '/b?search&search', 'InvalidRequest'],
  ['POST', '/b?delete=1&delete=2', 'InvalidRequest'],
  ['POST', '/b/pk?poll_range&poll_range', 'InvalidRequest'],
  // repeated names, case-insensitively, empty values and unknown names included
  ['GET', '/b/pk?sort_key=a&sort_key=b', 'InvalidRequest'],
  ['GET', '/b/pk?sort_key=a&sort_key=a', 'InvalidRequest'],
  ['GET', '/b/pk?sort_key=&sort_key=b', 'InvalidRequest'],
  ['GET', '/b/pk?sort_key=a&Sort_Key=b', 'InvalidRequest'],
  ['GET', '/b/pk?SORT_KEY=a&sort_key=b', 'InvalidRequest'],
  ['GET', '/b/pk?sort_key=a&foo=1&FOO=2', 'InvalidRequest'],
  ['GET', '/b/pk?sort_key=a&sort%5Fkey=b', 'InvalidRequest'],
  ['POST', '/b?search&Search', 'InvalidRequest'],
  ['GET', '/b?limit=1&limit=1', 'InvalidRequest'],
  // limit / timeout: unsigned integers (u64)
  ['GET', '/b?limit=-1', 'InvalidRequest'],
  ['GET', '/b?limit=1.5', 'InvalidRequest'],
  ['GET', '/b?limit=abc', 'InvalidRequest'],
  ['GET', '/b?limit=+5', 'InvalidRequest'],
  ['GET', '/b?limit=%2B', 'InvalidRequest'],
  ['GET', '/b?limit=1e3', 'InvalidRequest'],
  ['GET', '/b?limit=0x10', 'InvalidRequest'],
  ['GET', '/b?limit=%205', 'InvalidRequest'],
  ['GET', '/b?limit=18446744073709551616', 'InvalidRequest'],
  ['GET', '/b?limit=99999999999999999999999', 'InvalidRequest'],
  ['GET', '/b/pk?sort_key=sk&causality_token=ct&timeout=-5', 'InvalidRequest'],
  ['GET', '/b/pk?sort_key=sk&causality_token=ct&timeout=10s', 'InvalidRequest'],
  // reverse: true / false only
  ['GET', '/b?reverse=1', 'InvalidRequest'],
  ['GET', '/b?reverse=TRUE', 'InvalidRequest'],
  ['GET', '/b?reverse=yes', 'InvalidRequest'],
];

for (const [method, target, expected] of OK) {
  test(`${method} ${target} -> ${expected.kind}`, () => {
    assert.deepStrictEqual(route(method, target), expected);
  });
}

for (const [method, target, code] of FAIL) {
  test(`${method} ${target} -> ${code}`, () => {
    assert.throws(
      () => route(method, target),
      (err: unknown) => err instanceof K2vError && err.code === code,
    );
  });
}

test('leading zeros and the exact u64 bound are accepted', () => {
  const ep = route('GET', '/b?limit=000000000000000000000000018446744073709551615');
  assert.equal(ep.kind === 'ReadIndex' && ep.limit, Number.MAX_SAFE_INTEGER);
});

test('a long partition key with many escapes round-trips', () => {
  const pk = 'é/ %+?&#'.repeat(1000);
  const ep = route('GET', `/b/${encodeURIComponent(pk)}?sort_key=${encodeURIComponent(pk)}`);
  assert.deepStrictEqual(ep, { kind: 'ReadItem', bucket: 'b', pk, sk: pk });
});
