/** One handler per admin API v2 operation. */
import { createAdminTokenV2, deleteAdminTokenV2, getAdminTokenInfoV2, listAdminTokensV2, updateAdminTokenV2 } from './admin-tokens-v2.js';
import {
  addBucketAliasV2,
  changeBucketKeyV2,
  createBucketV2,
  deleteBucketV2,
  getBucketInfoV2,
  listBucketsV2,
  removeBucketAliasV2,
  updateBucketV2,
} from './buckets-v2.js';
import { getClusterHealthV2, getClusterStatusV2 } from './cluster-v2.js';
import type { V2Context, V2Result } from './context-v2.js';
import { createKeyV2, deleteKeyV2, getKeyInfoV2, importKeyV2, listKeysV2, updateKeyV2 } from './keys-v2.js';
import type { V2Endpoint } from './router-v2.js';

export function dispatchV2(ctx: V2Context, ep: V2Endpoint, body: unknown): V2Result | Promise<V2Result> {
  switch (ep.operation) {
    case 'GetClusterHealth':
      return getClusterHealthV2(ctx);
    case 'GetClusterStatus':
      return getClusterStatusV2(ctx);
    case 'ListKeys':
      return listKeysV2(ctx);
    case 'GetKeyInfo':
      return getKeyInfoV2(ctx, ep);
    case 'CreateKey':
      return createKeyV2(ctx, body);
    case 'ImportKey':
      return importKeyV2(ctx, body);
    case 'UpdateKey':
      return updateKeyV2(ctx, ep, body);
    case 'DeleteKey':
      return deleteKeyV2(ctx, ep);
    case 'ListBuckets':
      return listBucketsV2(ctx);
    case 'GetBucketInfo':
      return getBucketInfoV2(ctx, ep);
    case 'CreateBucket':
      return createBucketV2(ctx, body);
    case 'UpdateBucket':
      return updateBucketV2(ctx, ep, body);
    case 'DeleteBucket':
      return deleteBucketV2(ctx, ep);
    case 'AllowBucketKey':
      return changeBucketKeyV2(ctx, body, true);
    case 'DenyBucketKey':
      return changeBucketKeyV2(ctx, body, false);
    case 'AddBucketAlias':
      return addBucketAliasV2(ctx, body);
    case 'RemoveBucketAlias':
      return removeBucketAliasV2(ctx, body);
    case 'ListAdminTokens':
      return listAdminTokensV2(ctx);
    case 'CreateAdminToken':
      return createAdminTokenV2(ctx, body);
    case 'GetAdminTokenInfo':
      return getAdminTokenInfoV2(ctx, ep);
    case 'UpdateAdminToken':
      return updateAdminTokenV2(ctx, ep, body);
    case 'DeleteAdminToken':
      return deleteAdminTokenV2(ctx, ep);
    default: {
      const unreachable: never = ep.operation;
      throw new Error(`unhandled admin v2 operation ${String(unreachable)}`);
    }
  }
}
