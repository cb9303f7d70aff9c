/**
 * JSON shapes of the admin API responses, exactly Garage's admin API v1 (KeyInfo, BucketInfo,
 * list items; src/api/admin/{key,bucket}.rs), plus two documented extensions on BucketInfo:
 * `corsRules` (settable through UpdateBucket) and `k2v`, the bucket's K2V totals. S3-only
 * counters are present and 0. Field order is Garage's; lists are sorted (Garage: by key or
 * alias name, or in no particular order) so that responses are deterministic.
 */
import type { BucketKeyInfo, K2vStats, KeyInfo, KeyInfoBucket, ListBucketsItem, ListKeysItem } from 'k2v-client/admin';
import type { AccessKey, Bucket, BucketPermission, CorsRule, MetadataDraft, MetadataStore } from '../store/metadata.js';

// The shapes the client library reads are its own types (k2v-client/admin): built here from them,
// a field one side renames fails this package's build instead of a client at run time. BucketInfo
// stays here: the client reads a subset of it (Garage's S3 counters are left out there).
export type { BucketKeyInfo, K2vStats, KeyInfo, KeyInfoBucket, ListBucketsItem, ListKeysItem };

export interface BucketInfo {
  id: string;
  globalAliases: string[];
  websiteAccess: boolean;
  websiteConfig: { indexDocument: string; errorDocument: string | null } | null;
  keys: BucketKeyInfo[];
  objects: number;
  bytes: number;
  unfinishedUploads: number;
  unfinishedMultipartUploads: number;
  unfinishedMultipartUploadParts: number;
  unfinishedMultipartUploadBytes: number;
  quotas: { maxSize: number | null; maxObjects: number | null };
  corsRules: CorsRule[];
  k2v: K2vStats;
}

/** Read access to a consistent metadata state: the store's, or a draft inside an update. */
export interface MetaView {
  key(id: string): AccessKey | undefined;
  buckets(): Iterable<Bucket>;
}

export const draftView = (d: MetadataDraft): MetaView => ({ key: (id) => d.keys.get(id), buckets: () => d.buckets.values() });
export const storeView = (m: MetadataStore): MetaView => ({ key: (id) => m.getKey(id), buckets: () => m.listBuckets() });

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const NO_PERMISSION: BucketPermission = { read: false, write: false, owner: false };

const copyPermission = (p: BucketPermission | undefined): BucketPermission => {
  const { read, write, owner } = p ?? NO_PERMISSION;
  return { read, write, owner };
};

export function toListKeysItem(key: AccessKey): ListKeysItem {
  return { id: key.id, name: key.name };
}

export function toListBucketsItem(bucket: Bucket): ListBucketsItem {
  return {
    id: bucket.id,
    globalAliases: [...bucket.globalAliases].sort(byString),
    localAliases: [...bucket.localAliases]
      .sort((a, b) => byString(a.accessKeyId, b.accessKeyId) || byString(a.alias, b.alias))
      .map(({ accessKeyId, alias }) => ({ accessKeyId, alias })),
  };
}

/** The buckets a key can use or names: those it has a permission entry on or a local alias to. */
export function toKeyInfo(key: AccessKey, view: MetaView, showSecret: boolean): KeyInfo {
  const buckets: KeyInfoBucket[] = [];
  for (const b of view.buckets()) {
    const permission = b.keys[key.id];
    const localAliases = b.localAliases.filter((a) => a.accessKeyId === key.id).map((a) => a.alias);
    if (permission === undefined && localAliases.length === 0) continue;
    buckets.push({
      id: b.id,
      globalAliases: [...b.globalAliases].sort(byString),
      localAliases: localAliases.sort(byString),
      permissions: copyPermission(permission),
    });
  }
  buckets.sort((a, b) => byString(a.id, b.id));
  return {
    name: key.name,
    accessKeyId: key.id,
    ...(showSecret ? { secretAccessKey: key.secret } : {}),
    permissions: { createBucket: key.allowCreateBucket },
    buckets,
  };
}

/** The keys listed are those with a permission entry on the bucket or a local alias to it. */
export function toBucketInfo(bucket: Bucket, view: MetaView, k2v: K2vStats): BucketInfo {
  const keyIds = new Set([...Object.keys(bucket.keys), ...bucket.localAliases.map((a) => a.accessKeyId)]);
  const keys: BucketKeyInfo[] = [];
  for (const id of [...keyIds].sort(byString)) {
    const key = view.key(id);
    if (key === undefined) continue;
    keys.push({
      accessKeyId: id,
      name: key.name,
      permissions: copyPermission(bucket.keys[id]),
      bucketLocalAliases: bucket.localAliases
        .filter((a) => a.accessKeyId === id)
        .map((a) => a.alias)
        .sort(byString),
    });
  }
  const website = bucket.websiteConfig;
  return {
    id: bucket.id,
    globalAliases: [...bucket.globalAliases].sort(byString),
    websiteAccess: website !== null,
    websiteConfig: website === null ? null : { indexDocument: website.indexDocument, errorDocument: website.errorDocument },
    keys,
    objects: 0,
    bytes: 0,
    unfinishedUploads: 0,
    unfinishedMultipartUploads: 0,
    unfinishedMultipartUploadParts: 0,
    unfinishedMultipartUploadBytes: 0,
    quotas: { maxSize: bucket.quotas.maxSize, maxObjects: bucket.quotas.maxObjects },
    corsRules: bucket.corsRules.map(toWireCorsRule),
    k2v,
  };
}

function toWireCorsRule(r: CorsRule): CorsRule {
  return {
    id: r.id ?? null,
    allowedOrigins: [...r.allowedOrigins],
    allowedMethods: [...r.allowedMethods],
    allowedHeaders: [...r.allowedHeaders],
    exposeHeaders: [...r.exposeHeaders],
    maxAgeSeconds: r.maxAgeSeconds ?? null,
  };
}
