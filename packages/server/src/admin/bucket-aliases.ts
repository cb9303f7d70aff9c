/**
 * Global and local bucket aliases (Garage admin API v1, helper/locked.rs semantics): adding an
 * alias the bucket already has is a no-op; an alias naming another bucket is 400; removing the
 * last alias of a bucket is 400 (delete the bucket instead). **Deviation**: removing an alias
 * the bucket does not have is 400 InvalidRequest (Garage answers 500 InternalError).
 */
import { isValidBucketName, invalidBucketNameMessage } from './bucket-name.js';
import { changeBucket } from './buckets.js';
import type { AdminContext, AdminResult } from './context.js';
import { badRequest } from './errors.js';
import { existingBucket, existingKey, globalAliasTarget, localAliasTarget, parseBucketId } from './lookups.js';
import type { Bucket } from '../store/metadata.js';

function lastAliasError(alias: string): Error {
  return badRequest(`${alias} is the bucket's last alias: delete the bucket instead of removing it`);
}

export async function handleGlobalAliasBucket(ctx: AdminContext, id: string, alias: string): Promise<AdminResult> {
  const bucketId = parseBucketId(id);
  return changeBucket(ctx, (draft) => {
    if (!isValidBucketName(alias)) throw badRequest(invalidBucketNameMessage(alias));
    const bucket = existingBucket(draft, bucketId);
    const current = globalAliasTarget(draft, alias);
    if (current !== undefined && current.id !== bucketId) {
      throw badRequest(`Alias ${alias} already exists and names another bucket: ${current.id}`);
    }
    if (current === undefined) bucket.globalAliases.push(alias);
    return bucket;
  });
}

export async function handleGlobalUnaliasBucket(ctx: AdminContext, id: string, alias: string): Promise<AdminResult> {
  const bucketId = parseBucketId(id);
  return changeBucket(ctx, (draft) => {
    const bucket = existingBucket(draft, bucketId);
    if (!bucket.globalAliases.includes(alias)) throw badRequest(`Bucket ${bucketId} has no global alias ${alias}`);
    const others = bucket.globalAliases.some((a) => a !== alias) || bucket.localAliases.length > 0;
    if (!others) throw lastAliasError(alias);
    bucket.globalAliases = bucket.globalAliases.filter((a) => a !== alias);
    return bucket;
  });
}

export async function handleLocalAliasBucket(
  ctx: AdminContext,
  id: string,
  accessKeyId: string,
  alias: string,
): Promise<AdminResult> {
  const bucketId = parseBucketId(id);
  return changeBucket(ctx, (draft) => {
    if (!isValidBucketName(alias)) throw badRequest(invalidBucketNameMessage(alias));
    const bucket = existingBucket(draft, bucketId);
    existingKey(draft, accessKeyId);
    const current = localAliasTarget(draft, accessKeyId, alias);
    if (current !== undefined && current.id !== bucketId) {
      throw badRequest(`Alias ${alias} of key ${accessKeyId} already names another bucket: ${current.id}`);
    }
    if (current === undefined) bucket.localAliases.push({ accessKeyId, alias });
    return bucket;
  });
}

function isAlias(a: Bucket['localAliases'][number], accessKeyId: string, alias: string): boolean {
  return a.accessKeyId === accessKeyId && a.alias === alias;
}

export async function handleLocalUnaliasBucket(
  ctx: AdminContext,
  id: string,
  accessKeyId: string,
  alias: string,
): Promise<AdminResult> {
  const bucketId = parseBucketId(id);
  return changeBucket(ctx, (draft) => {
    const bucket = existingBucket(draft, bucketId);
    existingKey(draft, accessKeyId);
    if (!bucket.localAliases.some((a) => isAlias(a, accessKeyId, alias))) {
      throw badRequest(`Bucket ${bucketId} has no alias ${alias} for key ${accessKeyId}`);
    }
    const others = bucket.globalAliases.length > 0 || bucket.localAliases.some((a) => !isAlias(a, accessKeyId, alias));
    if (!others) throw lastAliasError(alias);
    bucket.localAliases = bucket.localAliases.filter((a) => !isAlias(a, accessKeyId, alias));
    return bucket;
  });
}
