import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PERMISSIVE_PREFLIGHT_HEADERS,
  matchCorsRule,
  parseHeaderList,
  preflight,
  preflightHeaders,
  responseCorsHeaders,
} from '../../src/http/cors.js';
import { K2vError } from '../../src/k2v/errors.js';
import type { CorsRule } from '../../src/store/metadata.js';

const appRule: CorsRule = {
  id: 'app',
  allowedOrigins: ['https://app.example', 'https://other.example'],
  allowedMethods: ['GET', 'PUT'],
  allowedHeaders: ['Authorization', 'X-Amz-Date', 'x-garage-causality-token'],
  exposeHeaders: ['X-Garage-Causality-Token'],
  maxAgeSeconds: 600,
};
const anyRule: CorsRule = {
  allowedOrigins: ['*'],
  allowedMethods: ['*'],
  allowedHeaders: ['*'],
  exposeHeaders: [],
};
const isBadRequest = (err: unknown) => err instanceof K2vError && err.code === 'InvalidRequest';

test('matchCorsRule: origin and method exact or *', () => {
  assert.equal(matchCorsRule([appRule], 'https://app.example', 'GET', []), appRule);
  assert.equal(matchCorsRule([appRule], 'https://other.example', 'PUT', []), appRule);
  assert.equal(matchCorsRule([appRule], 'https://evil.example', 'GET', []), undefined);
  assert.equal(matchCorsRule([appRule], 'https://app.example.evil', 'GET', []), undefined);
  assert.equal(matchCorsRule([appRule], 'https://app.example', 'DELETE', []), undefined);
  assert.equal(matchCorsRule([appRule], 'https://app.example', 'get', []), undefined);
  assert.equal(matchCorsRule([appRule, anyRule], 'https://evil.example', 'DELETE', []), anyRule);
  assert.equal(matchCorsRule([], 'https://app.example', 'GET', []), undefined);
});

test('matchCorsRule: the first matching rule wins', () => {
  assert.equal(matchCorsRule([appRule, anyRule], 'https://app.example', 'GET', []), appRule);
  assert.equal(matchCorsRule([anyRule, appRule], 'https://app.example', 'GET', []), anyRule);
});

test('matchCorsRule: every requested header allowed, names case-insensitive', () => {
  const o = 'https://app.example';
  assert.equal(matchCorsRule([appRule], o, 'PUT', ['authorization', 'X-AMZ-DATE']), appRule);
  assert.equal(matchCorsRule([appRule], o, 'PUT', ['X-Garage-Causality-Token']), appRule);
  assert.equal(matchCorsRule([appRule], o, 'PUT', ['authorization', 'x-amz-content-sha256']), undefined);
  assert.equal(matchCorsRule([anyRule], o, 'PUT', ['anything', 'at-all']), anyRule);
});

test('parseHeaderList splits, trims and drops empty entries', () => {
  assert.deepStrictEqual(parseHeaderList(undefined), []);
  assert.deepStrictEqual(parseHeaderList(''), []);
  assert.deepStrictEqual(parseHeaderList(' authorization ,x-amz-date,, '), ['authorization', 'x-amz-date']);
});

test('preflightHeaders echo the origin, vary on it, and send the max age', () => {
  assert.deepStrictEqual(preflightHeaders(appRule, 'https://other.example'), {
    'Access-Control-Allow-Origin': 'https://other.example',
    Vary: 'Origin',
    'Access-Control-Allow-Methods': 'GET, PUT',
    'Access-Control-Allow-Headers': 'Authorization, X-Amz-Date, x-garage-causality-token',
    'Access-Control-Expose-Headers': 'X-Garage-Causality-Token',
    'Access-Control-Max-Age': '600',
  });
  const h = preflightHeaders(anyRule, 'https://x.example');
  assert.equal(h['Access-Control-Allow-Origin'], 'https://x.example');
  assert.equal(h['Access-Control-Allow-Methods'], '*');
  assert.equal('Access-Control-Max-Age' in h, false);
  assert.equal('Access-Control-Max-Age' in preflightHeaders({ ...anyRule, maxAgeSeconds: null }, 'o'), false);
  assert.equal(preflightHeaders({ ...anyRule, maxAgeSeconds: 0 }, 'o')['Access-Control-Max-Age'], '0');
});

test('preflight answers a matching request', () => {
  const h = preflight([appRule], {
    origin: 'https://app.example',
    requestMethod: 'PUT',
    requestHeaders: 'authorization, x-amz-date',
  });
  assert.equal(h['Access-Control-Allow-Origin'], 'https://app.example');
  assert.equal(h['Access-Control-Max-Age'], '600');
});

test('preflight: missing headers or no matching rule -> 400 InvalidRequest', () => {
  const ok = { origin: 'https://app.example', requestMethod: 'GET', requestHeaders: undefined };
  assert.ok(preflight([appRule], ok));
  assert.throws(() => preflight([appRule], { ...ok, origin: undefined }), isBadRequest);
  assert.throws(() => preflight([appRule], { ...ok, requestMethod: undefined }), isBadRequest);
  assert.throws(() => preflight([appRule], { ...ok, requestMethod: 'DELETE' }), isBadRequest);
  assert.throws(() => preflight([appRule], { ...ok, requestHeaders: 'x-unknown' }), isBadRequest);
  assert.throws(() => preflight([], ok), isBadRequest);
  assert.throws(() => preflight([anyRule], { ...ok, origin: 'https://\u00e9.example' }), isBadRequest);
  assert.throws(() => preflight([anyRule], { ...ok, requestHeaders: 'x\u0001' }), isBadRequest);
});

test('responseCorsHeaders: only with a matching Origin, for any method', () => {
  assert.equal(responseCorsHeaders([appRule], undefined, 'GET'), undefined);
  assert.equal(responseCorsHeaders([appRule], 'https://evil.example', 'GET'), undefined);
  assert.equal(responseCorsHeaders([appRule], 'https://app.example', 'POST'), undefined);
  assert.equal(responseCorsHeaders([anyRule], 'https://\u00e9.example', 'GET'), undefined);
  assert.deepStrictEqual(responseCorsHeaders([appRule], 'https://app.example', 'PUT'), {
    'Access-Control-Allow-Origin': 'https://app.example',
    Vary: 'Origin',
    'Access-Control-Allow-Methods': 'GET, PUT',
    'Access-Control-Allow-Headers': 'Authorization, X-Amz-Date, x-garage-causality-token',
    'Access-Control-Expose-Headers': 'X-Garage-Causality-Token',
  });
  assert.equal(responseCorsHeaders([anyRule], 'https://x.example', 'DELETE')?.['Access-Control-Allow-Origin'], 'https://x.example');
});

test('the permissive preflight of an unresolvable bucket name', () => {
  assert.deepStrictEqual({ ...PERMISSIVE_PREFLIGHT_HEADERS }, {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': '*',
  });
  assert.ok(Object.isFrozen(PERMISSIVE_PREFLIGHT_HEADERS));
});
