import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STATUS, errorBody, toK2vError } from '../../src/http/errors.js';
import { K2vError } from '../../src/k2v/errors.js';
import { StoreError } from '../../src/store/errors.js';

test('STATUS follows contract section 5 and the admin codes', () => {
  const expected: Array<[keyof typeof STATUS, number]> = [
    ['InvalidRequest', 400],
    ['CausalityToken', 400],
    ['InvalidUtf8String', 400],
    ['InvalidHeaderValue', 400],
    ['AuthorizationHeaderMalformed', 400],
    ['InvalidDigest', 400],
    ['AccessDenied', 403],
    ['NoSuchBucket', 404],
    ['NoSuchKey', 404],
    ['NotAcceptable', 406],
    ['PayloadTooLarge', 413],
    ['InternalError', 500],
    ['ServiceUnavailable', 503],
    ['NoSuchAccessKey', 404],
    ['KeyAlreadyExists', 409],
    ['BucketAlreadyExists', 409],
    ['BucketNotEmpty', 409],
    ['NoSuchAdminToken', 404],
  ];
  for (const [code, status] of expected) assert.equal(STATUS[code], status, code);
  assert.equal(Object.keys(STATUS).length, expected.length);
});

test('errorBody has exactly the four fields, in order, compact', () => {
  const body = errorBody(new K2vError('NoSuchKey', 'Key not found'), 'garage', '/b/pk');
  assert.equal(body, '{"code":"NoSuchKey","message":"Key not found","region":"garage","path":"/b/pk"}');
});

test('errorBody writes non-ASCII raw, never as \\u escapes', () => {
  const body = errorBody(new K2vError('InvalidRequest', 'clé « été » 😀'), 'région', '/b/%C3%A9');
  assert.equal(body, '{"code":"InvalidRequest","message":"clé « été » 😀","region":"région","path":"/b/%C3%A9"}');
  assert.ok(!body.includes('\\u'));
});

test('errorBody replaces lone surrogates instead of escaping them', () => {
  const body = errorBody(new K2vError('InvalidRequest', 'a\uD800b\uDC00c\uD83D'), 'r', '\uDE00/p');
  assert.ok(!body.includes('\\u'), body);
  const parsed = JSON.parse(body) as Record<string, string>;
  assert.equal(parsed.message, 'a\uFFFDb\uFFFDc\uFFFD');
  assert.equal(parsed.path, '\uFFFD/p');
  // a proper pair is kept
  assert.equal((JSON.parse(errorBody(new K2vError('InvalidRequest', '😀'), 'r', '/')) as { message: string }).message, '😀');
});

test('errorBody escapes what JSON requires', () => {
  const body = errorBody(new K2vError('InvalidRequest', 'say "hi"\n\\'), 'r', '/');
  assert.deepStrictEqual(JSON.parse(body), { code: 'InvalidRequest', message: 'say "hi"\n\\', region: 'r', path: '/' });
});

test('toK2vError keeps K2vError as is', () => {
  const err = new K2vError('NoSuchBucket', 'Bucket not found: x');
  assert.equal(toK2vError(err), err);
});

test('toK2vError maps store errors with fixed messages', () => {
  const cases: Array<[StoreError, string, number]> = [
    [new StoreError('Unavailable', 'MDB_MAP_FULL at /secret/path'), 'ServiceUnavailable', 503],
    [new StoreError('FutureToken', 'node 42 t=99'), 'CausalityToken', 400],
    [new StoreError('TooManyValues', 'limit 100'), 'InvalidRequest', 400],
    [new StoreError('BucketNotEmpty', 'x'), 'InternalError', 500],
    [new StoreError('Conflict', 'x'), 'InternalError', 500],
  ];
  for (const [storeErr, code, status] of cases) {
    const err = toK2vError(storeErr);
    assert.equal(err.code, code);
    assert.equal(STATUS[err.code], status);
    assert.ok(!err.message.includes(storeErr.message), err.message);
  }
});

test('toK2vError hides anything else behind a generic InternalError', () => {
  for (const thrown of [new Error('ENOENT /etc/secret'), new TypeError('x is undefined'), 'a string', undefined, null, 42]) {
    const err = toK2vError(thrown);
    assert.equal(err.code, 'InternalError');
    assert.equal(err.message, 'internal error');
  }
});
