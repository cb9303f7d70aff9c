/**
 * Access key operations of the admin API v2 (Garage src/api/admin/key.rs), on the v1 handlers of
 * ../keys.ts: same checks and changes, v2 shapes. CreateKey takes UpdateKey's body (Garage v2),
 * so a key can be created with `allow: {createBucket: true}` in one step. Keys do not expire
 * here: an `expiration` is refused (400), `neverExpires` is accepted and changes nothing.
 */
import { badRequest } from '../errors.js';
import { asObject, flag, optObject, optString, type JsonObject } from '../json-input.js';
import { createKey, handleDeleteKey, handleGetKeyInfo, handleImportKey, handleListKeys, handleUpdateKey } from '../keys.js';
import type { KeyInfo, ListKeysItem } from '../wire.js';
import { toKeyInfoV2, toListKeysItemV2 } from './wire-v2.js';
import { jsonOf, lookup, type V2Context, type V2Result } from './context-v2.js';
import type { V2Endpoint } from './router-v2.js';

function refuseKeyExpiration(body: JsonObject): void {
  const expiration = body.expiration;
  if (expiration !== undefined && expiration !== null) {
    throw badRequest('access keys do not expire on this server: expiration is not supported');
  }
  flag(body, 'neverExpires');
}

function keyInfo(ctx: V2Context, info: unknown): V2Result {
  const v1 = info as KeyInfo;
  return toKeyInfoV2(v1, lookup(ctx).key(v1.accessKeyId));
}

export function listKeysV2(ctx: V2Context): V2Result {
  const items = jsonOf(handleListKeys(ctx)) as ListKeysItem[];
  const meta = lookup(ctx);
  return items.map((item) => toListKeysItemV2(item, meta.key(item.id)));
}

export function getKeyInfoV2(ctx: V2Context, ep: V2Endpoint): V2Result {
  const id = ep.query.opt('id');
  const search = ep.query.opt('search');
  if (id !== undefined && search !== undefined) throw badRequest('Either id or search must be provided (but not both)');
  return keyInfo(ctx, jsonOf(handleGetKeyInfo(ctx, id, search, ep.query.opt('showSecretKey') === 'true')));
}

export async function createKeyV2(ctx: V2Context, body: unknown): Promise<V2Result> {
  const req = asObject(body, 'body');
  refuseKeyExpiration(req);
  const allow = optObject(req, 'allow');
  const deny = optObject(req, 'deny');
  const allowCreate = allow !== undefined && flag(allow, 'createBucket');
  const denyCreate = deny !== undefined && flag(deny, 'createBucket');
  return keyInfo(ctx, await createKey(ctx, optString(req, 'name') ?? 'Unnamed key', allowCreate && !denyCreate));
}

export async function importKeyV2(ctx: V2Context, body: unknown): Promise<V2Result> {
  return keyInfo(ctx, jsonOf(await handleImportKey(ctx, body)));
}

export async function updateKeyV2(ctx: V2Context, ep: V2Endpoint, body: unknown): Promise<V2Result> {
  refuseKeyExpiration(asObject(body, 'body'));
  return keyInfo(ctx, jsonOf(await handleUpdateKey(ctx, ep.query.req('id'), body)));
}

export async function deleteKeyV2(ctx: V2Context, ep: V2Endpoint): Promise<V2Result> {
  return jsonOf(await handleDeleteKey(ctx, ep.query.req('id')));
}
