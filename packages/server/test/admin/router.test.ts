import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { routeAdmin, type AdminEndpoint } from '../../src/admin/router.js';
import { K2vError } from '../../src/k2v/errors.js';

const ID = 'f'.repeat(64);
const KEY = 'GK' + '1'.repeat(24);

// (method, target, expected endpoint), transcribed from Garage's router_v1.rs.
const CASES: [string, string, AdminEndpoint][] = [
  ['GET', '/health', { kind: 'Health' }],
  ['GET', '/health?x=1', { kind: 'Health' }],
  ['OPTIONS', '/anything', { kind: 'Options' }],
  ['GET', '/v1/key', { kind: 'ListKeys' }],
  ['GET', '/v1/key?list', { kind: 'ListKeys' }],
  ['GET', '/v1/key?id=', { kind: 'ListKeys' }],
  ['GET', `/v1/key?id=${KEY}`, { kind: 'GetKeyInfo', id: KEY, search: undefined, showSecretKey: false }],
  ['GET', `/v1/key?id=${KEY}&showSecretKey=true`, { kind: 'GetKeyInfo', id: KEY, search: undefined, showSecretKey: true }],
  ['GET', '/v1/key?search=a+b&showSecretKey=TRUE', { kind: 'GetKeyInfo', id: undefined, search: 'a b', showSecretKey: false }],
  ['GET', '/v1/key?search=%C3%A9', { kind: 'GetKeyInfo', id: undefined, search: 'é', showSecretKey: false }],
  ['POST', '/v1/key', { kind: 'CreateKey' }],
  ['POST', `/v1/key?id=${KEY}`, { kind: 'UpdateKey', id: KEY }],
  ['POST', '/v1/key/import', { kind: 'ImportKey' }],
  ['DELETE', `/v1/key?id=${KEY}`, { kind: 'DeleteKey', id: KEY }],
  ['GET', '/v1/bucket', { kind: 'ListBuckets' }],
  ['GET', `/v1/bucket?id=${ID}`, { kind: 'GetBucketInfo', id: ID, globalAlias: undefined }],
  ['GET', '/v1/bucket?globalAlias=abc', { kind: 'GetBucketInfo', id: undefined, globalAlias: 'abc' }],
  ['POST', '/v1/bucket', { kind: 'CreateBucket' }],
  ['PUT', `/v1/bucket?id=${ID}`, { kind: 'UpdateBucket', id: ID }],
  ['DELETE', `/v1/bucket?id=${ID}`, { kind: 'DeleteBucket', id: ID }],
  ['POST', '/v1/bucket/allow', { kind: 'BucketAllowKey' }],
  ['POST', '/v1/bucket/deny', { kind: 'BucketDenyKey' }],
  ['PUT', `/v1/bucket/alias/global?id=${ID}&alias=abc`, { kind: 'GlobalAliasBucket', id: ID, alias: 'abc' }],
  ['DELETE', `/v1/bucket/alias/global?alias=abc&id=${ID}`, { kind: 'GlobalUnaliasBucket', id: ID, alias: 'abc' }],
  ['PUT', `/v1/bucket/alias/local?id=${ID}&accessKeyId=${KEY}&alias=abc`, { kind: 'LocalAliasBucket', id: ID, accessKeyId: KEY, alias: 'abc' }],
  ['DELETE', `/v1/bucket/alias/local?id=${ID}&accessKeyId=${KEY}&alias=abc`, { kind: 'LocalUnaliasBucket', id: ID, accessKeyId: KEY, alias: 'abc' }],
  ['POST', '/v1/k2v/restore', { kind: 'K2vRestore', bucket: undefined, firstLine: 2 }],
  ['POST', `/v1/k2v/restore?bucket=${ID}&firstLine=20011`, { kind: 'K2vRestore', bucket: ID, firstLine: 20011 }],
];

const BAD: [string, string][] = [
  ['GET', '/'],
  ['GET', '/v1/key/'],
  ['GET', '/v1//key'],
  ['GET', '/v1/%6Bey'],
  ['HEAD', '/health'],
  ['POST', '/health'],
  ['DELETE', '/v1/key'],
  ['PUT', '/v1/key'],
  ['PUT', '/v1/bucket'],
  ['DELETE', '/v1/bucket'],
  ['GET', '/v1/bucket/allow'],
  ['GET', '/v1/status'],
  ['GET', '/v0/key'],
  ['PUT', `/v1/bucket/alias/global?id=${ID}`],
  ['PUT', '/v1/bucket/alias/global?alias=abc'],
  ['PUT', `/v1/bucket/alias/local?id=${ID}&alias=abc`],
  ['GET', '/v1/key?id=a&id=b'],
  ['GET', '/v1/key?search=a&search=b'],
  ['POST', '/v1/k2v/restore?firstLine=1'],
  ['POST', '/v1/k2v/restore?firstLine=02'],
  ['POST', '/v1/k2v/restore?firstLine=x'],
  ['POST', '/v1/k2v/restore?firstLine=99999999999999999999'],
];

function split(target: string): [string, string] {
  const q = target.indexOf('?');
  return q < 0 ? [target, ''] : [target.slice(0, q), target.slice(q + 1)];
}

describe('routeAdmin', () => {
  for (const [method, target, expected] of CASES) {
    it(`${method} ${target}`, () => {
      const [path, query] = split(target);
      assert.deepEqual(routeAdmin(method, path, query), expected);
    });
  }

  for (const [method, target] of BAD) {
    it(`${method} ${target} -> 400`, () => {
      const [path, query] = split(target);
      assert.throws(
        () => routeAdmin(method, path, query),
        (err: unknown) => err instanceof K2vError && err.code === 'InvalidRequest',
      );
    });
  }
});
