/**
 * JSON shapes of the admin API v2 (Garage src/api/admin/api.rs), made from the v1 shapes of
 * ../wire.ts: v2 adds the creation date of keys and buckets, and the expiry fields of keys
 * (always `expiration: null, expired: false` here: access keys do not expire). Dates are RFC 3339.
 */
import type { AccessKey, AdminToken, Bucket, MetadataStore } from '../../store/metadata.js';
import { isExpired } from '../admin-tokens.js';
import type { BucketInfo, KeyInfo, ListBucketsItem, ListKeysItem } from '../wire.js';

export const rfc3339 = (ms: number): string => new Date(ms).toISOString();

function created(record: { readonly created: number } | undefined): string | null {
  return record === undefined ? null : rfc3339(record.created);
}

export function toListKeysItemV2(item: ListKeysItem, key: AccessKey | undefined): unknown {
  return { id: item.id, name: item.name, created: created(key), expiration: null, expired: false };
}

export function toKeyInfoV2(info: KeyInfo, key: AccessKey | undefined): unknown {
  return {
    accessKeyId: info.accessKeyId,
    created: created(key),
    name: info.name,
    expiration: null,
    expired: false,
    ...(info.secretAccessKey === undefined ? {} : { secretAccessKey: info.secretAccessKey }),
    permissions: info.permissions,
    buckets: info.buckets,
  };
}

/** Garage's `created` is not optional on buckets: a bucket deleted meanwhile shows the epoch. */
export function toListBucketsItemV2(item: ListBucketsItem, bucket: Bucket | undefined): unknown {
  return { id: item.id, created: created(bucket) ?? rfc3339(0), globalAliases: item.globalAliases, localAliases: item.localAliases };
}

export function toBucketInfoV2(info: BucketInfo, bucket: Bucket | undefined): unknown {
  const { id, ...rest } = info;
  return { id, created: created(bucket) ?? rfc3339(0), ...rest };
}

export interface AdminTokenInfo {
  id: string | null;
  created: string | null;
  name: string;
  expiration: string | null;
  expired: boolean;
  scope: string[];
}

export function toAdminTokenInfo(token: AdminToken, now: number): AdminTokenInfo {
  return {
    id: token.id,
    created: rfc3339(token.created),
    name: token.name,
    expiration: token.expiration === null ? null : rfc3339(token.expiration),
    expired: isExpired(token, now),
    scope: [...token.scope],
  };
}

/** Reads the records the v2 shapes need beside the v1 info (a consistent copy of the metadata). */
export interface V2Lookup {
  key(id: string): AccessKey | undefined;
  bucket(id: string): Bucket | undefined;
}

export const lookupIn = (meta: MetadataStore): V2Lookup => ({ key: (id) => meta.getKey(id), bucket: (id) => meta.getBucket(id) });
