import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isV2Request, routeAdminV2, V2_OPERATIONS, v2EndpointName } from '../../../src/admin/v2/router-v2.js';
import { scopeNameOfV1 } from '../../../src/admin/v2/operation-names.js';
import { K2vError } from '../../../src/k2v/errors.js';

const GETS = new Set(['GetClusterHealth', 'GetClusterStatus', 'ListKeys', 'GetKeyInfo', 'ListBuckets', 'GetBucketInfo', 'ListAdminTokens', 'GetAdminTokenInfo']);
const NO_BODY = new Set([...GETS, 'DeleteKey', 'DeleteBucket', 'DeleteAdminToken']);

function refused(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof K2vError && err.code === 'InvalidRequest' && message.test(err.message));
}

describe('admin API v2 router', () => {
  it('knows the 22 operations that apply to K2V, each with its Garage method', () => {
    assert.equal(V2_OPERATIONS.length, 22);
    for (const op of V2_OPERATIONS) {
      const method = GETS.has(op) ? 'GET' : 'POST';
      const ep = routeAdminV2(method, `/v2/${op}`, '');
      assert.equal(ep.operation, op);
      assert.equal(ep.takesBody, !NO_BODY.has(op), `${op} body`);
      refused(() => routeAdminV2(method === 'GET' ? 'POST' : 'GET', `/v2/${op}`, ''), /Unknown API endpoint/);
    }
  });

  it('reads the query arguments (form-decoded, empty = absent) and refuses a repeated one', () => {
    const ep = routeAdminV2('GET', '/v2/GetKeyInfo', 'search=a+b&showSecretKey=true&id=');
    assert.equal(ep.query.opt('search'), 'a b');
    assert.equal(ep.query.opt('showSecretKey'), 'true');
    assert.equal(ep.query.opt('id'), undefined);
    refused(() => routeAdminV2('POST', '/v2/DeleteKey', 'id=a&id=b'), /repeated/);
    refused(() => routeAdminV2('POST', '/v2/DeleteKey', '').query.req('id'), /Missing argument/);
  });

  it('refuses operations of Garage that do not apply, and near misses', () => {
    for (const [method, path] of [
      ['GET', '/v2/GetClusterLayout'],
      ['POST', '/v2/ConnectClusterNodes'],
      ['GET', '/v2/listkeys'],
      ['GET', '/v2/ListKeys/'],
      ['GET', '/v2/'],
      ['GET', '/v2/toString'],
      ['GET', '/v2/__proto__'],
    ] as const) {
      refused(() => routeAdminV2(method, path, ''), /Unknown API endpoint/);
    }
  });

  it('takes /v2/ paths except OPTIONS, which the v1 router answers for any path', () => {
    assert.equal(isV2Request('GET', '/v2/ListKeys'), true);
    assert.equal(isV2Request('OPTIONS', '/v2/ListKeys'), false);
    assert.equal(isV2Request('GET', '/v1/key'), false);
    assert.equal(isV2Request('GET', '/v2'), false);
  });

  it('checks v1 endpoints against the scope names of their v2 operations', () => {
    assert.equal(scopeNameOfV1('BucketAllowKey'), 'AllowBucketKey');
    assert.equal(scopeNameOfV1('LocalUnaliasBucket'), 'RemoveBucketAlias');
    assert.equal(scopeNameOfV1('ListKeys'), 'ListKeys');
    assert.equal(v2EndpointName('ListKeys'), '/v2/ListKeys', 'a metric label of its own, apart from v1 ListKeys');
  });
});
