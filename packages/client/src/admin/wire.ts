/**
 * JSON shapes of the admin API v1 answers (Garage's admin API v1, plus this server's two
 * documented BucketInfo extensions `corsRules` and `k2v`). Types only.
 */

/** read / write / owner flags of a key on a bucket. */
export interface BucketPermission {
  read: boolean;
  write: boolean;
  owner: boolean;
}

export interface ListKeysItem {
  id: string;
  name: string;
}

export interface KeyInfoBucket {
  id: string;
  globalAliases: string[];
  localAliases: string[];
  permissions: BucketPermission;
}

export interface KeyInfo {
  name: string;
  accessKeyId: string;
  /** Present only when asked for (creation, `showSecretKey`). */
  secretAccessKey?: string;
  permissions: { createBucket: boolean };
  buckets: KeyInfoBucket[];
}

export interface ListBucketsItem {
  id: string;
  globalAliases: string[];
  localAliases: { accessKeyId: string; alias: string }[];
}

export interface BucketKeyInfo {
  accessKeyId: string;
  name: string;
  permissions: BucketPermission;
  bucketLocalAliases: string[];
}

/** This server's extension: totals of the bucket's K2V partition counters. */
export interface K2vStats {
  items: number;
  partitions: number;
  values: number;
  bytes: number;
}

export interface CorsRule {
  id: string | null;
  allowedOrigins: string[];
  allowedMethods: string[];
  allowedHeaders: string[];
  exposeHeaders: string[];
  maxAgeSeconds: number | null;
}

export interface BucketInfo {
  id: string;
  globalAliases: string[];
  websiteAccess: boolean;
  websiteConfig: { indexDocument: string; errorDocument: string | null } | null;
  keys: BucketKeyInfo[];
  objects: number;
  bytes: number;
  unfinishedUploads: number;
  quotas: { maxSize: number | null; maxObjects: number | null };
  corsRules?: CorsRule[];
  k2v?: K2vStats;
}

/** The admin API's error body. */
export interface AdminErrorBody {
  code: string;
  message: string;
  region?: string;
  path?: string;
}
