import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isPresigned,
  parseAuthorizationHeader,
  parsePresigned,
  parseSignatureClaim,
} from '../../src/auth/parse-authorization.js';
import { parseQuery } from '../../src/auth/query-string.js';
import { K2vError, type ErrorCode } from '../../src/k2v/errors.js';

const SIG = 'a'.repeat(64);
const DATE = '20240102T030405Z';
const HEADER = `AWS4-HMAC-SHA256 Credential=GKabc/20240102/garage/k2v/aws4_request, SignedHeaders=host;x-amz-date, Signature=${SIG}`;

const throwsCode = (fn: () => unknown, code: ErrorCode) =>
  assert.throws(fn, (e: unknown) => e instanceof K2vError && e.code === code);

test('header form: key id, scope, signed headers, signature, date', () => {
  const claim = parseAuthorizationHeader(HEADER, DATE);
  assert.deepEqual(claim, {
    form: 'header',
    accessKeyId: 'GKabc',
    scope: '20240102/garage/k2v/aws4_request',
    signedHeaders: ['host', 'x-amz-date'],
    signature: SIG,
    amzDate: DATE,
    dateMs: Date.UTC(2024, 0, 2, 3, 4, 5),
    expiresSeconds: undefined,
  });
});

test('header form: parts separated by bare commas or padded ones, in any order; names lower-cased and sorted', () => {
  const claim = parseAuthorizationHeader(
    `AWS4-HMAC-SHA256 Signature=${SIG} ,SignedHeaders=X-Amz-Date;Host,   Credential=K/scope`,
    DATE,
  );
  assert.equal(claim.accessKeyId, 'K');
  assert.equal(claim.scope, 'scope');
  assert.deepEqual(claim.signedHeaders, ['host', 'x-amz-date']);
  assert.equal(claim.signature, SIG);
});

test('header form: malformed header, missing part or date -> InvalidRequest', () => {
  for (const bad of [
    'AWS4-HMAC-SHA256',
    'Bearer token',
    'AWS AKID:signature',
    `AWS4-HMAC-SHA256 SignedHeaders=host, Signature=${SIG}`,
    `AWS4-HMAC-SHA256 Credential=K/s, Signature=${SIG}`,
    'AWS4-HMAC-SHA256 Credential=K/s, SignedHeaders=host',
    `AWS4-HMAC-SHA256 Credential=K/s, SignedHeaders=host, Signature=${SIG}, junk`,
    `AWS4-HMAC-SHA256 Credential=nokeyscope, SignedHeaders=host, Signature=${SIG}`,
    `AWS4-HMAC-SHA256 Credential=K/s, SignedHeaders=host;;x-amz-date, Signature=${SIG}`,
    `AWS4-HMAC-SHA256 Credential=K/s, SignedHeaders=, Signature=${SIG}`,
    `AWS4-HMAC-SHA256 Credential=K/s, SignedHeaders=ho st, Signature=${SIG}`,
  ]) {
    throwsCode(() => parseAuthorizationHeader(bad, DATE), 'InvalidRequest');
  }
  throwsCode(() => parseAuthorizationHeader(HEADER, undefined), 'InvalidRequest');
  throwsCode(() => parseAuthorizationHeader(HEADER, '2024-01-02T03:04:05Z'), 'InvalidRequest');
});

const PRESIGNED_QUERY =
  'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=GKabc%2F20240102%2Fgarage%2Fk2v%2Faws4_request' +
  `&X-Amz-Date=${DATE}&X-Amz-Expires=300&X-Amz-SignedHeaders=host&X-Amz-Signature=${SIG}&sort_key=x`;

test('presigned form: parameters form-decoded, names matched case-insensitively', () => {
  const claim = parsePresigned(parseQuery(PRESIGNED_QUERY));
  assert.equal(claim.form, 'presigned');
  assert.equal(claim.accessKeyId, 'GKabc');
  assert.equal(claim.scope, '20240102/garage/k2v/aws4_request');
  assert.deepEqual(claim.signedHeaders, ['host']);
  assert.equal(claim.expiresSeconds, 300);
  assert.equal(claim.amzDate, DATE);
  const lower = parsePresigned(parseQuery(PRESIGNED_QUERY.replace(/X-Amz-/g, 'x-amz-')));
  assert.deepEqual(lower, claim);
});

test('presigned form is detected first, even next to an Authorization header', () => {
  const query = parseQuery(PRESIGNED_QUERY);
  assert.equal(isPresigned(query), true);
  assert.equal(parseSignatureClaim({ authorization: HEADER, 'x-amz-date': DATE }, query).form, 'presigned');
  assert.equal(parseSignatureClaim({ authorization: HEADER, 'x-amz-date': DATE }, parseQuery('a=1')).form, 'header');
});

test('no Authorization header and no presigned query -> AccessDenied', () => {
  throwsCode(() => parseSignatureClaim({ host: 'h' }, parseQuery('sort_key=a')), 'AccessDenied');
});

test('presigned form: bad algorithm, missing or duplicate parameter, bad X-Amz-Expires -> InvalidRequest', () => {
  const without = (name: string) => PRESIGNED_QUERY.split('&').filter((p) => !p.startsWith(name + '=')).join('&');
  const bad = [
    PRESIGNED_QUERY.replace('AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA1'),
    without('X-Amz-Credential'),
    without('X-Amz-Date'),
    without('X-Amz-Expires'),
    without('X-Amz-SignedHeaders'),
    without('X-Amz-Signature'),
    PRESIGNED_QUERY + '&x-amz-expires=300',
    PRESIGNED_QUERY.replace('X-Amz-Expires=300', 'X-Amz-Expires=604801'),
    PRESIGNED_QUERY.replace('X-Amz-Expires=300', 'X-Amz-Expires=abc'),
    PRESIGNED_QUERY.replace('X-Amz-Expires=300', 'X-Amz-Expires=-1'),
    PRESIGNED_QUERY.replace('X-Amz-Expires=300', 'X-Amz-Expires=1.5'),
    PRESIGNED_QUERY.replace('X-Amz-Expires=300', 'X-Amz-Expires='),
    PRESIGNED_QUERY.replace(`X-Amz-Date=${DATE}`, 'X-Amz-Date=yesterday'),
  ];
  for (const q of bad) throwsCode(() => parseSignatureClaim({}, parseQuery(q)), 'InvalidRequest');
  assert.equal(parsePresigned(parseQuery(PRESIGNED_QUERY.replace('X-Amz-Expires=300', 'X-Amz-Expires=604800'))).expiresSeconds, 604800);
});
