/**
 * The operation name a v1 endpoint is checked against in a created token's scope: its v2 name,
 * as Garage converts v1 calls to v2 requests (router_v2.rs from_v1). `Options` is in no scope:
 * it needs no token at all (a CORS preflight).
 */
import type { AdminEndpointKind } from '../router.js';
import type { V2Operation } from './router-v2.js';

type Scoped = Exclude<AdminEndpointKind, 'Options' | 'Health' | 'Metrics'>;

/**
 * The whole-store operations of backups (dump, restore, snapshot) have no v2 name in Garage: a
 * created token may call them only with `K2vBackup` (or `*`) in its scope.
 */
const WHOLE_STORE = 'K2vBackup';

const V1_TO_V2: Readonly<Record<Scoped, V2Operation | typeof WHOLE_STORE>> = {
  ListKeys: 'ListKeys',
  GetKeyInfo: 'GetKeyInfo',
  CreateKey: 'CreateKey',
  ImportKey: 'ImportKey',
  UpdateKey: 'UpdateKey',
  DeleteKey: 'DeleteKey',
  ListBuckets: 'ListBuckets',
  GetBucketInfo: 'GetBucketInfo',
  CreateBucket: 'CreateBucket',
  UpdateBucket: 'UpdateBucket',
  DeleteBucket: 'DeleteBucket',
  BucketAllowKey: 'AllowBucketKey',
  BucketDenyKey: 'DenyBucketKey',
  GlobalAliasBucket: 'AddBucketAlias',
  GlobalUnaliasBucket: 'RemoveBucketAlias',
  LocalAliasBucket: 'AddBucketAlias',
  LocalUnaliasBucket: 'RemoveBucketAlias',
  K2vDump: WHOLE_STORE,
  K2vRestore: WHOLE_STORE,
  K2vSnapshot: WHOLE_STORE,
};

export function scopeNameOfV1(kind: Scoped): V2Operation | typeof WHOLE_STORE {
  return V1_TO_V2[kind];
}
