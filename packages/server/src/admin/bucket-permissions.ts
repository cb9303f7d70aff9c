/**
 * BucketAllowKey / BucketDenyKey (Garage admin API v1): each flag sent as `true` is set (allow)
 * or cleared (deny); flags sent as `false` or left out keep their value. The key's entry stays
 * on the bucket even when every flag is false, as in Garage.
 */
import { changeBucket } from './buckets.js';
import type { AdminContext, AdminResult } from './context.js';
import { asObject, flag, reqString } from './json-input.js';
import { existingBucket, existingKey, parseBucketId } from './lookups.js';

export async function handleBucketChangeKeyPerm(ctx: AdminContext, body: unknown, allow: boolean): Promise<AdminResult> {
  const req = asObject(body, 'body');
  const rawBucketId = reqString(req, 'bucketId');
  const accessKeyId = reqString(req, 'accessKeyId');
  const permissions = asObject(req.permissions, 'permissions');
  const change = { read: flag(permissions, 'read'), write: flag(permissions, 'write'), owner: flag(permissions, 'owner') };
  const bucketId = parseBucketId(rawBucketId);
  return changeBucket(ctx, (draft) => {
    const bucket = existingBucket(draft, bucketId);
    existingKey(draft, accessKeyId);
    const perm = { ...(bucket.keys[accessKeyId] ?? { read: false, write: false, owner: false }) };
    if (change.read) perm.read = allow;
    if (change.write) perm.write = allow;
    if (change.owner) perm.owner = allow;
    bucket.keys[accessKeyId] = perm;
    return bucket;
  });
}
