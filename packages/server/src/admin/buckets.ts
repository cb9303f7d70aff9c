/**
 * Bucket endpoints of the admin API v1 (Garage src/api/admin/bucket.rs): list, get (by id or
 * global alias), create, update (website, quotas, and our `corsRules` extension), delete.
 * Checks that depend on metadata run inside the store's update, atomically with the change.
 */
import { randomBytes } from 'node:crypto';
import type { Bucket, BucketPermission, CorsRule, MetadataDraft } from '../store/metadata.js';
import { isValidBucketName, invalidBucketNameMessage } from './bucket-name.js';
import { noContent, ok, type AdminContext, type AdminResult } from './context.js';
import { adminError, badRequest, noSuchBucket } from './errors.js';
import { parseCorsRules } from './cors-rules.js';
import { asObject, flag, optObject, optString, optUint, reqBoolean, reqString } from './json-input.js';
import { k2vStats, NO_K2V_STATS } from './k2v-stats.js';
import { existingBucket, existingKey, globalAliasTarget, isBucketIdSyntax, localAliasTarget, parseBucketId } from './lookups.js';
import { draftView, storeView, toBucketInfo, toListBucketsItem, type BucketInfo } from './wire.js';

export function handleListBuckets(ctx: AdminContext): AdminResult {
  const buckets = ctx.store.meta.listBuckets().sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return ok(buckets.map(toListBucketsItem));
}

/** BucketInfo with its K2V totals, read after the metadata change has committed. */
export async function withK2vStats(ctx: AdminContext, info: BucketInfo): Promise<AdminResult> {
  return ok({ ...info, k2v: await k2vStats(ctx.store, info.id) });
}

/**
 * Runs `change` (checks and edits, returning the bucket it changed) in one metadata update and
 * answers that bucket's info, its K2V totals read after the commit.
 */
export async function changeBucket(ctx: AdminContext, change: (draft: MetadataDraft) => Bucket): Promise<AdminResult> {
  const info = await ctx.store.meta.update((draft) => toBucketInfo(change(draft), draftView(draft), NO_K2V_STATS));
  return withK2vStats(ctx, info);
}

/** As Garage, a `globalAlias` of 64 hex digits is taken as a bucket id. */
export function handleGetBucketInfo(ctx: AdminContext, id: string | undefined, globalAlias: string | undefined): Promise<AdminResult> {
  const meta = ctx.store.meta;
  let bucketId: string | undefined;
  if (id !== undefined && globalAlias === undefined) {
    bucketId = parseBucketId(id);
  } else if (id === undefined && globalAlias !== undefined) {
    bucketId = isBucketIdSyntax(globalAlias) ? globalAlias.toLowerCase() : meta.resolveGlobalAlias(globalAlias);
    if (bucketId === undefined) throw noSuchBucket(globalAlias);
  } else {
    throw badRequest('Either id or globalAlias must be provided (but not both)');
  }
  const bucket = meta.getBucket(bucketId);
  if (bucket === undefined) throw noSuchBucket(bucketId);
  return withK2vStats(ctx, toBucketInfo(bucket, storeView(meta), NO_K2V_STATS));
}

interface LocalAliasRequest {
  accessKeyId: string;
  alias: string;
  allow: BucketPermission;
}

function parseLocalAliasRequest(body: Readonly<Record<string, unknown>>): LocalAliasRequest | undefined {
  const la = optObject(body, 'localAlias');
  if (la === undefined) return undefined;
  const allow = optObject(la, 'allow');
  return {
    accessKeyId: reqString(la, 'accessKeyId'),
    alias: reqString(la, 'alias'),
    allow: {
      read: allow !== undefined && flag(allow, 'read'),
      write: allow !== undefined && flag(allow, 'write'),
      owner: allow !== undefined && flag(allow, 'owner'),
    },
  };
}

export async function handleCreateBucket(ctx: AdminContext, body: unknown): Promise<AdminResult> {
  const req = asObject(body, 'body');
  const globalAlias = optString(req, 'globalAlias');
  const localAlias = parseLocalAliasRequest(req);
  const info = await ctx.store.meta.update((draft) => {
    if (globalAlias !== undefined) {
      if (!isValidBucketName(globalAlias)) throw badRequest(invalidBucketNameMessage(globalAlias));
      if (globalAliasTarget(draft, globalAlias) !== undefined) {
        throw adminError('BucketAlreadyExists', 'Bucket already exists');
      }
    }
    if (localAlias !== undefined) {
      if (!isValidBucketName(localAlias.alias)) throw badRequest(invalidBucketNameMessage(localAlias.alias));
      existingKey(draft, localAlias.accessKeyId);
      if (localAliasTarget(draft, localAlias.accessKeyId, localAlias.alias) !== undefined) {
        throw badRequest('Local alias already exists');
      }
    }
    let id: string;
    do {
      id = randomBytes(32).toString('hex');
    } while (draft.buckets.has(id));
    const { read, write, owner } = localAlias?.allow ?? { read: false, write: false, owner: false };
    const bucket: Bucket = {
      id,
      created: Date.now(),
      globalAliases: globalAlias === undefined ? [] : [globalAlias],
      localAliases: localAlias === undefined ? [] : [{ accessKeyId: localAlias.accessKeyId, alias: localAlias.alias }],
      keys: localAlias !== undefined && (read || write || owner) ? { [localAlias.accessKeyId]: { read, write, owner } } : {},
      corsRules: [],
      websiteAccess: false,
      websiteConfig: null,
      quotas: { maxSize: null, maxObjects: null },
    };
    draft.buckets.set(id, bucket);
    return toBucketInfo(bucket, draftView(draft), NO_K2V_STATS);
  });
  return ok(info);
}

/** Refused with 409 BucketNotEmpty while any K2V item, tombstones included, remains. */
export async function handleDeleteBucket(ctx: AdminContext, id: string): Promise<AdminResult> {
  const bucketId = parseBucketId(id);
  await ctx.store.meta.update((draft) => {
    existingBucket(draft, bucketId);
    // Checked by the store in the transaction that deletes the bucket (metadata.ts).
    draft.mustBeEmpty.add(bucketId);
    draft.buckets.delete(bucketId);
  });
  return noContent;
}

interface WebsiteAccessRequest {
  enabled: boolean;
  indexDocument: string | undefined;
  errorDocument: string | undefined;
}

interface UpdateBucketRequest {
  websiteAccess: WebsiteAccessRequest | undefined;
  quotas: { maxSize: number | null; maxObjects: number | null } | undefined;
  corsRules: CorsRule[] | undefined;
}

function parseUpdateBucketRequest(body: unknown): UpdateBucketRequest {
  const req = asObject(body, 'body');
  const wa = optObject(req, 'websiteAccess');
  const quotas = optObject(req, 'quotas');
  return {
    websiteAccess:
      wa === undefined
        ? undefined
        : {
            enabled: reqBoolean(wa, 'enabled'),
            indexDocument: optString(wa, 'indexDocument'),
            errorDocument: optString(wa, 'errorDocument'),
          },
    quotas: quotas === undefined ? undefined : { maxSize: optUint(quotas, 'maxSize'), maxObjects: optUint(quotas, 'maxObjects') },
    corsRules: parseCorsRules(req.corsRules),
  };
}

export async function handleUpdateBucket(ctx: AdminContext, id: string, body: unknown): Promise<AdminResult> {
  const req = parseUpdateBucketRequest(body);
  const bucketId = parseBucketId(id);
  return changeBucket(ctx, (draft) => {
    const bucket = existingBucket(draft, bucketId);
    const wa = req.websiteAccess;
    if (wa !== undefined && wa.enabled) {
      if (wa.indexDocument === undefined) throw badRequest('indexDocument is required to enable website access');
      bucket.websiteConfig = { indexDocument: wa.indexDocument, errorDocument: wa.errorDocument ?? null };
      bucket.websiteAccess = true;
    } else if (wa !== undefined) {
      if (wa.indexDocument !== undefined || wa.errorDocument !== undefined) {
        throw badRequest('indexDocument and errorDocument cannot be given when disabling website access');
      }
      bucket.websiteConfig = null;
      bucket.websiteAccess = false;
    }
    if (req.quotas !== undefined) bucket.quotas = req.quotas;
    if (req.corsRules !== undefined) bucket.corsRules = req.corsRules;
    return bucket;
  });
}
