/**
 * Access keys, buckets, aliases, permissions and CORS rules: the metadata the K2V API and the
 * admin API share. Reads are synchronous from an in-memory copy (the auth hot path); every
 * mutation is durable (same LMDB environment as the items) before its promise resolves.
 *
 * Freshness rule, which every backend must keep (architecture.md "Several servers"): a change is
 * in force on every server once its `update` has resolved: a revoked key, a removed permission or
 * a deleted bucket is never accepted after the revoking request returned. One process keeps it
 * trivially (its copy is replaced before `update` resolves). A backend with several servers, each
 * with its own cached copy, must not resolve `update` before every live server has applied the
 * change (e.g. a metadata epoch bumped in the change's transaction, notified, and acknowledged by
 * each server), and a server that cannot know it is current (its notification connection lost,
 * an acknowledgement missing) must refuse requests (503) until it has re-read the metadata,
 * rather than answer from a copy that may be stale.
 *
 * Not done yet (design review, recommendation 3): `update` still hands `fn` a clone of all the
 * metadata; a shared database wants per-entity changes (read and lock only the rows touched).
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

/**
 * An admin API token created through the API (Garage v2 admin tokens). The bearer token is
 * `<id>.<secret>`; only its hash is stored, the secret is shown once at creation.
 */
export interface AdminToken {
  /** 24 hex digits, the public prefix of the bearer token */
  readonly id: string;
  /** `sha256:` + hex digest of the whole bearer token */
  tokenHash: string;
  name: string;
  /** ms since epoch */
  readonly created: number;
  /** ms since epoch; null: never expires */
  expiration: number | null;
  /** admin operation names (`ListKeys`, …) or `*` */
  scope: string[];
}

/** A consistent, mutable copy of all metadata, handed to `MetadataStore.update`. */
export interface MetadataDraft {
  keys: Map<string, AccessKey>;
  buckets: Map<string, Bucket>;
  adminTokens: Map<string, AdminToken>;
  /** Every access key id ever created or imported (a deleted id cannot be imported again). */
  usedKeyIds: Set<string>;
  /**
   * Every admin token id ever stored (only grows; the store adds the ids of the draft's tokens):
   * a restore does not bring back a token the store has deleted.
   */
  usedAdminTokenIds: Set<string>;
  /**
   * Buckets that must hold no K2V item (tombstones included) when the update commits: checked by
   * the store inside the transaction that commits it, so no item write can land between the check
   * and the change; a bucket with items fails the update with StoreError 'BucketNotEmpty'.
   */
  mustBeEmpty: Set<string>;
}

/** Keys, buckets and admin tokens as one read snapshot holds them (a whole-store dump). */
export interface MetadataRecords {
  readonly keys: readonly AccessKey[];
  readonly buckets: readonly Bucket[];
  readonly adminTokens: readonly AdminToken[];
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
  getAdminToken(id: string): AdminToken | undefined;
  listAdminTokens(): AdminToken[];
  adminTokenIdEverUsed(id: string): boolean;
  /**
   * Runs `fn` on a copy of all metadata and durably commits whatever it changed in one
   * transaction; if `fn` throws (or rejects), nothing changes and the error propagates. Updates
   * run one at a time, in call order. Returns fn's result.
   */
  update<T>(fn: (draft: MetadataDraft) => T | Promise<T>): Promise<T>;
}
