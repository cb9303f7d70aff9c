import { test } from 'node:test';
import assert from 'node:assert/strict';
import aws4 from 'aws4';
import {
  alternativeCanonicalQueries,
  canonicalHeaderValue,
  canonicalHeaders,
  canonicalQuery,
  canonicalRequest,
  canonicalUri,
} from '../../src/auth/canonical-request.js';
import { parseQuery } from '../../src/auth/query-string.js';
import { K2vError } from '../../src/k2v/errors.js';
import { SUITE_CASES, signedHeadersOf, type SuiteCase } from './sigv4-fixtures.js';
import { AMZ_DATE, HOST, KEY_ID, REGION, SECRET } from './aws4-sign.js';

function canonicalOf(c: SuiteCase): string {
  const signedHeaders = signedHeadersOf(c);
  return canonicalRequest(
    {
      method: c.method,
      canonicalUri: canonicalUri(c.rawPath),
      canonicalQuery: canonicalQuery(parseQuery(c.rawQuery)),
      canonicalHeaders: canonicalHeaders(c.headers, signedHeaders),
      signedHeaders,
    },
    c.payloadHash,
  );
}

for (const c of SUITE_CASES) {
  test(`AWS suite ${c.name}: canonical request`, () => {
    assert.equal(canonicalOf(c), c.canonicalRequest);
  });
}

test('K2V path: the path as sent is encoded once more (%20 -> %2520, %2F -> %252F), / kept', () => {
  assert.equal(canonicalUri('/bucket/pk%20with%2Fslash'), '/bucket/pk%2520with%252Fslash');
  assert.equal(canonicalUri('/bucket/a+b'), '/bucket/a%2Bb');
  assert.equal(canonicalUri('/bucket/caf%C3%A9'), '/bucket/caf%25C3%25A9');
  assert.equal(canonicalUri('/bucket/100%25'), '/bucket/100%2525');
});

test('K2V path: no normalisation of //, . or ..; an empty path is /', () => {
  assert.equal(canonicalUri('/bucket//pk'), '/bucket//pk');
  assert.equal(canonicalUri('/bucket/./../pk/'), '/bucket/./../pk/');
  assert.equal(canonicalUri(''), '/');
});

test('query: a bare keyword is signed as `search=`', () => {
  assert.equal(canonicalQuery(parseQuery('search')), 'search=');
  assert.equal(canonicalQuery(parseQuery('delete=')), 'delete=');
  assert.equal(canonicalQuery(parseQuery('poll_range')), 'poll_range=');
});

test('query: form-decoded then re-encoded with / encoded; + means a space', () => {
  assert.equal(
    canonicalQuery(parseQuery('sort_key=a+b%2Fc%2bd&prefix=%C3%A9/x')),
    'prefix=%C3%A9%2Fx&sort_key=a%20b%2Fc%2Bd',
  );
  assert.equal(canonicalQuery(parseQuery('causality_token=ESIyz5qDH4kRIjNEVWZ3iAAAAYvP5WgB')), 'causality_token=ESIyz5qDH4kRIjNEVWZ3iAAAAYvP5WgB');
});

test('query: sorted as whole k=v strings, duplicates kept; empty names left out', () => {
  assert.equal(canonicalQuery(parseQuery('b=2&a=2&a=1&=x')), 'a=1&a=2&b=2');
});

test('query: the presigned signature parameter is left out, whatever its case', () => {
  assert.equal(canonicalQuery(parseQuery('X-Amz-Signature=abc&a=1'), 'x-amz-signature'), 'a=1');
  assert.equal(canonicalQuery(parseQuery('x-amz-signature=abc&a=1'), 'x-amz-signature'), 'a=1');
});

// The contract sorts whole `k=v` strings, as Garage does. AWS sorts by name, then value: the two
// differ only when one name is a prefix of another followed by a byte below `=` (`-`, `.`, a digit).
// The suite's get-vanilla-query-order-encoded case is such a request; its AWS canonical query is
// `%E1%88%B4=Value1&Param=Value2&Param-3=Value3`. No K2V parameter name is such a prefix.
test('query: whole-string order differs from AWS name order for a name that prefixes another', () => {
  assert.equal(
    canonicalQuery(parseQuery('Param-3=Value3&Param=Value2&%E1%88%B4=Value1')),
    '%E1%88%B4=Value1&Param-3=Value3&Param=Value2',
  );
});

test('headers: first value of a repeated header, trimmed, runs of spaces collapsed', () => {
  const headers = { host: 'h', 'x-amz-meta': ['  a   b  ', 'second'], 'x-amz-date': AMZ_DATE };
  assert.equal(
    canonicalHeaders(headers, ['host', 'x-amz-date', 'x-amz-meta']),
    `host:h\nx-amz-date:${AMZ_DATE}\nx-amz-meta:a b\n`,
  );
  assert.equal(canonicalHeaderValue('\t a  \t  b \t'), 'a \t b');
});

test('headers: bytes that node:http decoded as latin1 are read back as UTF-8', () => {
  const latin1 = Buffer.from('café', 'utf8').toString('latin1');
  assert.equal(canonicalHeaderValue(latin1), 'café');
  assert.throws(() => canonicalHeaderValue('caf\u00e9'), (e: unknown) => e instanceof K2vError && e.code === 'InvalidRequest');
});

test('headers: a signed header missing from the request -> InvalidRequest', () => {
  assert.throws(
    () => canonicalHeaders({ host: 'h' }, ['host', 'x-amz-date']),
    (e: unknown) => e instanceof K2vError && e.code === 'InvalidRequest',
  );
});

test('K2V request: canonical request as written by hand and as the independent aws4 builds it', () => {
  const path = '/bucket/pk%20with%2Fslash';
  const query = 'sort_key=a%2Fb%20c&causality_token=ESIyz5qDH4kRIjNEVWZ3iAAAAYvP5WgB';
  const headers = { host: HOST, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'x-amz-date': AMZ_DATE };
  const signedHeaders = ['host', 'x-amz-content-sha256', 'x-amz-date'];
  const ours = canonicalRequest(
    {
      method: 'GET',
      canonicalUri: canonicalUri(path),
      canonicalQuery: canonicalQuery(parseQuery(query)),
      canonicalHeaders: canonicalHeaders(headers, signedHeaders),
      signedHeaders,
    },
    'UNSIGNED-PAYLOAD',
  );
  assert.equal(
    ours,
    [
      'GET',
      '/bucket/pk%2520with%252Fslash',
      'causality_token=ESIyz5qDH4kRIjNEVWZ3iAAAAYvP5WgB&sort_key=a%2Fb%20c',
      `host:${HOST}`,
      'x-amz-content-sha256:UNSIGNED-PAYLOAD',
      `x-amz-date:${AMZ_DATE}`,
      '',
      'host;x-amz-content-sha256;x-amz-date',
      'UNSIGNED-PAYLOAD',
    ].join('\n'),
  );
  const signer = new aws4.RequestSigner(
    {
      host: HOST,
      path: `${path}?${query}`,
      headers: { 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD', 'X-Amz-Date': AMZ_DATE },
      service: 'k2v',
      region: REGION,
    },
    { accessKeyId: KEY_ID, secretAccessKey: SECRET },
  );
  assert.equal(signer.canonicalString(), ours);
});

test('alternative canonical queries: by-name order (AWS) and bare names (curl 7.x)', () => {
  const std = (raw: string, omit?: string) => canonicalQuery(parseQuery(raw), omit);
  // Whole-string order puts `a.b=2` before `a=1`; AWS's by-name order puts `a` first.
  assert.equal(std('a=1&a.b=2'), 'a.b=2&a=1');
  assert.deepEqual(alternativeCanonicalQueries('a=1&a.b=2', std('a=1&a.b=2')), ['a=1&a.b=2']);
  // A bare keyword: the curl form keeps it bare.
  assert.deepEqual(alternativeCanonicalQueries('search', std('search')), ['search']);
  assert.deepEqual(alternativeCanonicalQueries('sort_key=a+b&delete', std('sort_key=a+b&delete')), ['delete&sort_key=a%20b']);
  assert.deepEqual(
    alternativeCanonicalQueries('X-Amz-Signature=abc&search', std('X-Amz-Signature=abc&search', 'x-amz-signature'), 'x-amz-signature'),
    ['search'],
  );
  // Nothing differs: nothing else to try.
  assert.deepEqual(alternativeCanonicalQueries('search=&sort_key=a', std('search=&sort_key=a')), []);
  assert.deepEqual(alternativeCanonicalQueries('', std('')), []);
});
