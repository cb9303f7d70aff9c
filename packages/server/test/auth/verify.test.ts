import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import {
  MAX_CLOCK_SKEW_MS,
  beginVerification,
  checkBodyDigest,
  needsBodyHash,
  verifyRequest,
  type SignedRequestInput,
} from '../../src/auth/verify.js';
import { K2vError, type ErrorCode } from '../../src/k2v/errors.js';
import { AMZ_DATE, HOST, KEY_ID, NOW, SECRET, depsAt, sha256Hex, signWithAws4 } from './aws4-sign.js';

const deps = depsAt();
const BODY = '[{"pk":"a","sk":"b","ct":null,"v":"aGVsbG8="}]';
const BODY_HEX = sha256Hex(BODY);

function fails(fn: () => unknown, code: ErrorCode, message?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof K2vError, `expected a K2vError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (message !== undefined) assert.ok(e.message.includes(message), e.message);
    return true;
  });
}

const withHeaders = (req: SignedRequestInput, headers: Record<string, string | undefined>): SignedRequestInput => ({
  ...req,
  headers: { ...req.headers, ...headers },
});

// ---- successful verification --------------------------------------------------------------------

test('x-amz-content-sha256: UNSIGNED-PAYLOAD', () => {
  const req = signWithAws4({ path: '/bucket/pk?sort_key=a', headers: { 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD' } });
  assert.deepEqual(verifyRequest(req, deps), { accessKeyId: KEY_ID, contentSha256: 'UNSIGNED-PAYLOAD' });
  assert.equal(needsBodyHash(req), false);
});

test('x-amz-content-sha256: hex; the body is checked against it -> InvalidDigest', () => {
  const req = signWithAws4({ method: 'POST', path: '/bucket', body: BODY, headers: { 'X-Amz-Content-Sha256': BODY_HEX } });
  assert.equal(needsBodyHash(req), false);
  const pending = beginVerification(req, deps);
  assert.equal(pending.needsBodyHash, false);
  const verified = pending.complete();
  assert.deepEqual(verified, { accessKeyId: KEY_ID, contentSha256: BODY_HEX });
  checkBodyDigest(verified, BODY_HEX);
  fails(() => checkBodyDigest(verified, sha256Hex('other')), 'InvalidDigest');
  fails(() => verifyRequest({ ...req, bodySha256Hex: sha256Hex('other') }, deps), 'InvalidDigest');
});

test('an upper-case hex x-amz-content-sha256 is signed as sent and compared in lower case', () => {
  const req = signWithAws4({ method: 'PUT', path: '/b/p?sort_key=s', body: BODY, headers: { 'X-Amz-Content-Sha256': BODY_HEX.toUpperCase() } });
  assert.equal(verifyRequest(req, deps).contentSha256, BODY_HEX);
});

test('no x-amz-content-sha256 (Deviation): the signature covers the SHA-256 of the body', () => {
  const req = signWithAws4({ method: 'POST', path: '/bucket?search', body: BODY });
  assert.equal(req.headers['x-amz-content-sha256'], undefined);
  assert.equal(needsBodyHash(req), true);
  const pending = beginVerification(req, deps);
  assert.equal(pending.needsBodyHash, true);
  assert.deepEqual(pending.complete(BODY_HEX), { accessKeyId: KEY_ID, contentSha256: undefined });
  fails(() => pending.complete(sha256Hex('tampered body')), 'AccessDenied');
  fails(() => pending.complete(), 'InternalError');
});

test('a GET without x-amz-content-sha256 signs the hash of the empty body', () => {
  const req = signWithAws4({ path: '/bucket?prefix=a&limit=10&reverse=true' });
  assert.deepEqual(verifyRequest(req, deps), { accessKeyId: KEY_ID, contentSha256: undefined });
});

test('repeated headers count by their first value (req.headersDistinct)', () => {
  const req = signWithAws4({ path: '/bucket/pk?sort_key=a', headers: { 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD', 'X-Amz-Meta-A': 'one' } });
  const distinct = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, [v as string]]));
  distinct['x-amz-meta-a'] = ['one', 'two'];
  assert.equal(verifyRequest({ ...req, headers: distinct }, deps).accessKeyId, KEY_ID);
});

// ---- AccessDenied (403) --------------------------------------------------------------------------

test('no Authorization header and no presigned query -> AccessDenied', () => {
  fails(() => verifyRequest({ method: 'GET', rawPath: '/b/p', rawQuery: 'sort_key=a', headers: { host: HOST } }, deps), 'AccessDenied');
  assert.equal(needsBodyHash({ rawQuery: 'sort_key=a', headers: { host: HOST } }), false);
});

test('unknown key -> AccessDenied, found before the body is read', () => {
  const req = signWithAws4({ method: 'POST', path: '/bucket', body: BODY, accessKeyId: 'GKunknown' });
  fails(() => beginVerification(req, deps), 'AccessDenied');
});

test('wrong secret or anything tampered with -> AccessDenied', () => {
  const req = signWithAws4({ path: '/bucket/pk?sort_key=a', headers: { 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD' } });
  verifyRequest(req, deps);
  fails(() => verifyRequest(req, depsAt(NOW, { [KEY_ID]: SECRET + 'x' })), 'AccessDenied', 'signature');
  fails(() => verifyRequest({ ...req, method: 'DELETE' }, deps), 'AccessDenied');
  fails(() => verifyRequest({ ...req, rawPath: '/bucket/pK' }, deps), 'AccessDenied');
  fails(() => verifyRequest({ ...req, rawPath: '/bucket//pk' }, deps), 'AccessDenied');
  fails(() => verifyRequest({ ...req, rawQuery: 'sort_key=b' }, deps), 'AccessDenied');
  fails(() => verifyRequest({ ...req, rawQuery: 'sort_key=a&x=1' }, deps), 'AccessDenied');
  fails(() => verifyRequest(withHeaders(req, { host: 'evil:3904' }), deps), 'AccessDenied');
  const auth = req.headers['authorization'] as string;
  const sig = auth.slice(-64);
  const other = sig.replace(/^./, (c) => (c === '0' ? '1' : '0'));
  fails(() => verifyRequest(withHeaders(req, { authorization: auth.slice(0, -64) + other }), deps), 'AccessDenied');
  fails(() => verifyRequest(withHeaders(req, { authorization: auth.slice(0, -64) + 'zz' }), deps), 'AccessDenied');
});

// ---- InvalidRequest (400) ------------------------------------------------------------------------

test('malformed Authorization header -> InvalidRequest', () => {
  const req = signWithAws4({ path: '/bucket/pk?sort_key=a' });
  const auth = req.headers['authorization'] as string;
  for (const bad of [
    'AWS4-HMAC-SHA256',
    'Basic Zm9vOmJhcg==',
    auth.replace(/Credential=[^,]*, /, ''),
    auth.replace(/SignedHeaders=[^,]*, /, ''),
    auth.replace(/, Signature=.*/, ''),
    auth + ', broken',
  ]) {
    fails(() => verifyRequest(withHeaders(req, { authorization: bad }), deps), 'InvalidRequest');
  }
});

test('missing or unparsable X-Amz-Date -> InvalidRequest', () => {
  const req = signWithAws4({ path: '/bucket/pk?sort_key=a' });
  fails(() => verifyRequest(withHeaders(req, { 'x-amz-date': undefined }), deps), 'InvalidRequest');
  fails(() => verifyRequest(withHeaders(req, { 'x-amz-date': 'Tue, 02 Jan 2024 03:04:05 GMT' }), deps), 'InvalidRequest');
});

test('SignedHeaders without host, or missing an x-amz-* header of the request -> InvalidRequest', () => {
  const req = signWithAws4({ path: '/bucket/pk?sort_key=a' });
  const auth = req.headers['authorization'] as string;
  fails(() => verifyRequest(withHeaders(req, { authorization: auth.replace('SignedHeaders=host;', 'SignedHeaders=') }), deps), 'InvalidRequest', 'host');
  fails(() => verifyRequest(withHeaders(req, { 'x-amz-meta-extra': '1' }), deps), 'InvalidRequest', 'x-amz-meta-extra');
  fails(() => verifyRequest(withHeaders(req, { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }), deps), 'InvalidRequest');
  // A signed header the request lacks.
  fails(() => verifyRequest(withHeaders(req, { host: undefined }), deps), 'InvalidRequest');
});

test('x-amz-content-sha256 neither hex nor UNSIGNED-PAYLOAD -> InvalidRequest; STREAMING-* "not supported"', () => {
  const bad = signWithAws4({ method: 'PUT', path: '/b/p?sort_key=s', body: 'v', headers: { 'X-Amz-Content-Sha256': 'abc' } });
  fails(() => verifyRequest(bad, deps), 'InvalidRequest');
  const streaming = signWithAws4({
    method: 'PUT',
    path: '/b/p?sort_key=s',
    body: 'v',
    headers: { 'X-Amz-Content-Sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' },
  });
  fails(() => verifyRequest(streaming, deps), 'InvalidRequest', 'not supported');
});

test('clock: up to 15 minutes either way is accepted, more is "request time too skewed"', () => {
  const req = signWithAws4({ path: '/bucket/pk?sort_key=a', headers: { 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD' } });
  verifyRequest(req, depsAt(NOW + MAX_CLOCK_SKEW_MS));
  verifyRequest(req, depsAt(NOW - MAX_CLOCK_SKEW_MS));
  fails(() => verifyRequest(req, depsAt(NOW + MAX_CLOCK_SKEW_MS + 1)), 'InvalidRequest', 'request time too skewed');
  fails(() => verifyRequest(req, depsAt(NOW - MAX_CLOCK_SKEW_MS - 1)), 'InvalidRequest', 'request time too skewed');
  fails(() => verifyRequest(req, depsAt(NOW + 23 * 3600 * 1000)), 'InvalidRequest', 'request time too skewed');
});

// ---- AuthorizationHeaderMalformed (400) ----------------------------------------------------------

test('wrong region, service or date in the scope -> AuthorizationHeaderMalformed, before the key lookup', () => {
  const lookups: string[] = [];
  const spying = { ...deps, lookupSecret: (id: string) => (lookups.push(id), undefined) };
  const cases = [
    signWithAws4({ path: '/b/p?sort_key=a', region: 'us-east-1' }),
    signWithAws4({ path: '/b/p?sort_key=a', service: 's3', headers: { 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD' } }),
    signWithAws4({ path: '/b/p?sort_key=a', accessKeyId: 'GKunknown', region: 'other' }),
  ];
  for (const req of cases) fails(() => verifyRequest(req, spying), 'AuthorizationHeaderMalformed');
  const req = signWithAws4({ path: '/b/p?sort_key=a' });
  const auth = req.headers['authorization'] as string;
  for (const scope of ['20240101/garage/k2v/aws4_request', '20240102/garage/k2v/aws4', '20240102/garage/k2v', '20240102/garage/k2v/aws4_request/x']) {
    const bad = auth.replace('20240102/garage/k2v/aws4_request', scope);
    fails(() => verifyRequest(withHeaders(req, { authorization: bad }), spying), 'AuthorizationHeaderMalformed');
  }
  assert.deepEqual(lookups, []);
});

// ---- presigned URLs ------------------------------------------------------------------------------

/** An independent presigner (node:crypto only) that signs UNSIGNED-PAYLOAD, as S3 presigners do. */
function presignUnsigned(path: string, params: Record<string, string>, expires: number, amzDate = AMZ_DATE): SignedRequestInput {
  const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  const all: Record<string, string> = {
    ...params,
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `${KEY_ID}/${amzDate.slice(0, 8)}/garage/k2v/aws4_request`,
    'X-Amz-Date': amzDate,
    'X-Amz-Expires': String(expires),
    'X-Amz-SignedHeaders': 'host',
  };
  const query = Object.keys(all).sort().map((k) => `${enc(k)}=${enc(all[k] as string)}`).join('&');
  const uri = path.split('/').map(enc).join('/');
  const creq = ['GET', uri, query, `host:${HOST}`, '', 'host', 'UNSIGNED-PAYLOAD'].join('\n');
  const hmac = (key: string | Buffer, s: string) => createHmac('sha256', key).update(s).digest();
  const scope = `${amzDate.slice(0, 8)}/garage/k2v/aws4_request`;
  const sts = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(creq).digest('hex')].join('\n');
  const kSigning = hmac(hmac(hmac(hmac('AWS4' + SECRET, amzDate.slice(0, 8)), 'garage'), 'k2v'), 'aws4_request');
  const signature = hmac(kSigning, sts).toString('hex');
  return { method: 'GET', rawPath: path, rawQuery: `${query}&X-Amz-Signature=${signature}`, headers: { host: HOST } };
}

test('presigned URL signing UNSIGNED-PAYLOAD', () => {
  const req = presignUnsigned('/bucket/pk%20x', { sort_key: 'a b' }, 3600);
  assert.equal(needsBodyHash(req), true);
  assert.deepEqual(verifyRequest(req, deps), { accessKeyId: KEY_ID, contentSha256: 'UNSIGNED-PAYLOAD' });
  fails(() => verifyRequest({ ...req, rawQuery: req.rawQuery.replace('sort_key=a%20b', 'sort_key=c') }, deps), 'AccessDenied');
});

test('presigned URL signing the body hash (Deviation, as aws4 presigns for non-S3 services)', () => {
  const req = signWithAws4({ path: '/bucket/pk?sort_key=a&X-Amz-Expires=300&X-Amz-Date=' + AMZ_DATE, signQuery: true });
  assert.ok(req.rawQuery.includes('X-Amz-Signature='));
  assert.deepEqual(verifyRequest(req, deps), { accessKeyId: KEY_ID, contentSha256: undefined });
  fails(() => verifyRequest({ ...req, bodySha256Hex: undefined }, deps), 'AccessDenied');
});

test('presigned URL: expiry is X-Amz-Date + X-Amz-Expires -> AccessDenied after it', () => {
  const req = presignUnsigned('/bucket/pk', { sort_key: 'a' }, 600);
  verifyRequest(req, depsAt(NOW + 600_000));
  fails(() => verifyRequest(req, depsAt(NOW + 600_001)), 'AccessDenied', 'expired');
  const week = presignUnsigned('/bucket/pk', { sort_key: 'a' }, 604800);
  verifyRequest(week, depsAt(NOW + 604800_000));
  fails(() => verifyRequest(week, depsAt(NOW + 604800_001)), 'AccessDenied');
});

test('presigned URL dated more than 15 minutes ahead -> InvalidRequest', () => {
  const req = presignUnsigned('/bucket/pk', { sort_key: 'a' }, 3600);
  verifyRequest(req, depsAt(NOW - MAX_CLOCK_SKEW_MS));
  fails(() => verifyRequest(req, depsAt(NOW - MAX_CLOCK_SKEW_MS - 1)), 'InvalidRequest', 'request time too skewed');
});

test('presigned URL: X-Amz-Expires over a week or not an integer -> InvalidRequest', () => {
  const tooLong = presignUnsigned('/bucket/pk', { sort_key: 'a' }, 604801);
  fails(() => verifyRequest(tooLong, deps), 'InvalidRequest');
  const req = presignUnsigned('/bucket/pk', { sort_key: 'a' }, 60);
  fails(() => verifyRequest({ ...req, rawQuery: req.rawQuery.replace('X-Amz-Expires=60', 'X-Amz-Expires=6e1') }, deps), 'InvalidRequest');
});

test('presigned URL: the scope is checked before the key', () => {
  const req = presignUnsigned('/bucket/pk', { sort_key: 'a' }, 60);
  const wrongRegion = { ...deps, region: 'elsewhere', lookupSecret: () => assert.fail('key looked up') };
  fails(() => verifyRequest(req, wrongRegion), 'AuthorizationHeaderMalformed');
});

test('presigned URL wins over an unrelated Authorization header', () => {
  const req = presignUnsigned('/bucket/pk', { sort_key: 'a' }, 60);
  const withJunk = withHeaders(req, { authorization: 'Bearer something-else' });
  assert.equal(verifyRequest(withJunk, deps).accessKeyId, KEY_ID);
});

test('presigned URL: an unsigned x-amz-* header -> InvalidRequest', () => {
  const req = presignUnsigned('/bucket/pk', { sort_key: 'a' }, 60);
  fails(() => verifyRequest(withHeaders(req, { 'x-amz-meta-x': '1' }), deps), 'InvalidRequest');
});
