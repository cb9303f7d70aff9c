/**
 * Access keys, buckets, aliases, permissions and CORS rules: the metadata the K2V API and the
 * admin API share. Reads are synchronous from an in-memory copy (the auth hot path); every
 * mutation is durable (same LMDB environment as the items) before its promise resolves.
 */

export interface BucketPermission {
  read: boolean;
  write: boolean;
  owner: boolean;
}

export interface AccessKey {
  /** `GK` + 24 hex for generated keys; imported keys keep their id. */
  readonly id: string;
  secret: string;
  name: string;
  /** ms since epoch */
  readonly created: number;
  allowCreateBucket: boolean;
}

export interface CorsRule {
  id?: string | null;
  allowedOrigins: string[];
  allowedMethods: string[];
  allowedHeaders: string[];
  exposeHeaders: string[];
  maxAgeSeconds?: number | null;
}

export interface LocalAlias {
  accessKeyId: string;
  alias: string;
}

export interface Bucket {
  /** 64 hex characters */
  readonly id: string;
  /** ms since epoch */
  readonly created: number;
  globalAliases: string[];
  localAliases: LocalAlias[];
  /** access key id -> permissions on this bucket */
  keys: Record<string, BucketPermission>;
  corsRules: CorsRule[];
  websiteAccess: boolean;
  websiteConfig: { indexDocument: string; errorDocument: string | null } | null;
  quotas: { maxSize: number | null; maxObjects: number | null };
}

/** A consistent, mutable copy of all metadata, handed to `MetadataStore.update`. */
export interface MetadataDraft {
  keys: Map<string, AccessKey>;
  buckets: Map<string, Bucket>;
  /** Every access key id ever created or imported (a deleted id cannot be imported again). */
  usedKeyIds: Set<string>;
}

export interface MetadataStore {
  getKey(id: string): AccessKey | undefined;
  listKeys(): AccessKey[];
  getBucket(id: string): Bucket | undefined;
  listBuckets(): Bucket[];
  /** Bucket id of a global alias. */
  resolveGlobalAlias(alias: string): string | undefined;
  /** Bucket id of a key's local alias. */
  resolveLocalAlias(accessKeyId: string, alias: string): string | undefined;
  keyIdEverUsed(id: string): boolean;
  /**
   * Runs `fn` on a copy of all metadata and durably commits whatever it changed in one
   * transaction; if `fn` throws, nothing changes and the error propagates. Returns fn's result.
   */
  update<T>(fn: (draft: MetadataDraft) => T): Promise<T>;
}
