/**
 * Lookups shared by the key and bucket handlers, on a draft inside `MetadataStore.update` (so
 * that checks and changes are one atomic step), with Garage's errors for what is missing.
 */
import type { AccessKey, Bucket, MetadataDraft } from '../store/metadata.js';
import { badRequest, noSuchAccessKey, noSuchBucket } from './errors.js';

const BUCKET_ID = /^[0-9a-fA-F]{64}$/;

export function isBucketIdSyntax(text: string): boolean {
  return BUCKET_ID.test(text);
}

/** A bucket id as the API accepts it: 64 hex digits, either case; returned lower-case. */
export function parseBucketId(text: string): string {
  if (!isBucketIdSyntax(text)) throw badRequest('Invalid bucket id');
  return text.toLowerCase();
}

export function existingBucket(draft: MetadataDraft, id: string): Bucket {
  const bucket = draft.buckets.get(id);
  if (bucket === undefined) throw noSuchBucket(id);
  return bucket;
}

export function existingKey(draft: MetadataDraft, id: string): AccessKey {
  const key = draft.keys.get(id);
  if (key === undefined) throw noSuchAccessKey(id);
  return key;
}

/** The bucket a global alias names, if any. */
export function globalAliasTarget(draft: MetadataDraft, alias: string): Bucket | undefined {
  for (const b of draft.buckets.values()) if (b.globalAliases.includes(alias)) return b;
  return undefined;
}

/** The bucket a key's local alias names, if any. */
export function localAliasTarget(draft: MetadataDraft, accessKeyId: string, alias: string): Bucket | undefined {
  for (const b of draft.buckets.values()) {
    if (b.localAliases.some((a) => a.accessKeyId === accessKeyId && a.alias === alias)) return b;
  }
  return undefined;
}
