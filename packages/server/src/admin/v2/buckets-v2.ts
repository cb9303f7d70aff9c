/**
 * Bucket, permission and alias operations of the admin API v2 (Garage src/api/admin/bucket.rs),
 * on the v1 handlers of ../buckets.ts, ../bucket-permissions.ts and ../bucket-aliases.ts: same
 * checks and changes, v2 shapes. GetBucketInfo's v2 `search` takes a global alias, else a unique
 * prefix of a bucket id. Add/RemoveBucketAlias take `globalAlias`, or `localAlias` with
 * `accessKeyId`, in the body.
 */
import {
  handleGlobalAliasBucket,
  handleGlobalUnaliasBucket,
  handleLocalAliasBucket,
  handleLocalUnaliasBucket,
} from '../bucket-aliases.js';
import { handleBucketChangeKeyPerm } from '../bucket-permissions.js';
import { handleCreateBucket, handleDeleteBucket, handleGetBucketInfo, handleListBuckets, handleUpdateBucket } from '../buckets.js';
import type { AdminResult } from '../context.js';
import { badRequest, noSuchBucket } from '../errors.js';
import { asObject, optString, reqString } from '../json-input.js';
import type { BucketInfo, ListBucketsItem } from '../wire.js';
import { jsonOf, lookup, type V2Context, type V2Result } from './context-v2.js';
import type { V2Endpoint } from './router-v2.js';
import { toBucketInfoV2, toListBucketsItemV2 } from './wire-v2.js';

function bucketInfo(ctx: V2Context, result: AdminResult): V2Result {
  const v1 = jsonOf(result) as BucketInfo;
  return toBucketInfoV2(v1, lookup(ctx).bucket(v1.id));
}

export function listBucketsV2(ctx: V2Context): V2Result {
  const items = jsonOf(handleListBuckets(ctx)) as ListBucketsItem[];
  const meta = lookup(ctx);
  return items.map((item) => toListBucketsItemV2(item, meta.bucket(item.id)));
}

/** The bucket `search` names: a global alias, else the one bucket whose id starts with it. */
function searchBucket(ctx: V2Context, search: string): string {
  const meta = ctx.store.meta;
  const aliased = meta.resolveGlobalAlias(search);
  if (aliased !== undefined) return aliased;
  const prefix = search.toLowerCase();
  const matches = prefix.length < 2 ? [] : meta.listBuckets().filter((b) => b.id.startsWith(prefix));
  if (matches.length === 0) throw noSuchBucket(search);
  if (matches.length > 1) throw badRequest(`Several matching buckets: ${search}`);
  return matches[0]!.id;
}

export async function getBucketInfoV2(ctx: V2Context, ep: V2Endpoint): Promise<V2Result> {
  const id = ep.query.opt('id');
  const globalAlias = ep.query.opt('globalAlias');
  const search = ep.query.opt('search');
  const given = [id, globalAlias, search].filter((x) => x !== undefined).length;
  if (given !== 1) throw badRequest('Either id, globalAlias or search must be provided (but not several of them)');
  const result = search !== undefined ? await handleGetBucketInfo(ctx, searchBucket(ctx, search), undefined) : await handleGetBucketInfo(ctx, id, globalAlias);
  return bucketInfo(ctx, result);
}

export async function createBucketV2(ctx: V2Context, body: unknown): Promise<V2Result> {
  return bucketInfo(ctx, await handleCreateBucket(ctx, body));
}

export async function updateBucketV2(ctx: V2Context, ep: V2Endpoint, body: unknown): Promise<V2Result> {
  return bucketInfo(ctx, await handleUpdateBucket(ctx, ep.query.req('id'), body));
}

export async function deleteBucketV2(ctx: V2Context, ep: V2Endpoint): Promise<V2Result> {
  return jsonOf(await handleDeleteBucket(ctx, ep.query.req('id')));
}

export async function changeBucketKeyV2(ctx: V2Context, body: unknown, allow: boolean): Promise<V2Result> {
  return bucketInfo(ctx, await handleBucketChangeKeyPerm(ctx, body, allow));
}

/** The body of Add/RemoveBucketAlias: Garage's untagged enum, the global form tried first. */
type AliasRequest =
  | { kind: 'global'; bucketId: string; globalAlias: string }
  | { kind: 'local'; bucketId: string; localAlias: string; accessKeyId: string };

function parseAliasRequest(body: unknown): AliasRequest {
  const req = asObject(body, 'body');
  const bucketId = reqString(req, 'bucketId');
  const globalAlias = optString(req, 'globalAlias');
  if (globalAlias !== undefined) return { kind: 'global', bucketId, globalAlias };
  const localAlias = optString(req, 'localAlias');
  const accessKeyId = optString(req, 'accessKeyId');
  if (localAlias === undefined || accessKeyId === undefined) {
    throw badRequest('Invalid JSON: expected globalAlias, or localAlias and accessKeyId');
  }
  return { kind: 'local', bucketId, localAlias, accessKeyId };
}

type GlobalAliasChange = (ctx: V2Context, bucketId: string, alias: string) => Promise<AdminResult>;
type LocalAliasChange = (ctx: V2Context, bucketId: string, accessKeyId: string, alias: string) => Promise<AdminResult>;

async function changeAlias(ctx: V2Context, body: unknown, global: GlobalAliasChange, local: LocalAliasChange): Promise<V2Result> {
  const req = parseAliasRequest(body);
  const result = req.kind === 'global' ? await global(ctx, req.bucketId, req.globalAlias) : await local(ctx, req.bucketId, req.accessKeyId, req.localAlias);
  return bucketInfo(ctx, result);
}

export const addBucketAliasV2 = (ctx: V2Context, body: unknown): Promise<V2Result> =>
  changeAlias(ctx, body, handleGlobalAliasBucket, handleLocalAliasBucket);

export const removeBucketAliasV2 = (ctx: V2Context, body: unknown): Promise<V2Result> =>
  changeAlias(ctx, body, handleGlobalUnaliasBucket, handleLocalUnaliasBucket);
