/**
 * Access key endpoints of the admin API v1 (Garage src/api/admin/key.rs): list, get (by id or
 * search), create, import, update, delete. Every check that depends on the metadata runs inside
 * the store's update, so it cannot race with another admin request.
 */
import { randomBytes } from 'node:crypto';
import type { AccessKey } from '../store/metadata.js';
import { noContent, ok, type AdminContext, type AdminResult } from './context.js';
import { adminError, badRequest, noSuchAccessKey } from './errors.js';
import { asObject, flag, optObject, optString, reqString } from './json-input.js';
import { existingKey } from './lookups.js';
import { draftView, storeView, toKeyInfo, toListKeysItem, type KeyInfo } from './wire.js';

const KEY_ID = /^GK[0-9a-fA-F]{24}$/;
const SECRET = /^[0-9a-fA-F]{64}$/;

export function handleListKeys(ctx: AdminContext): AdminResult {
  const keys = ctx.store.meta.listKeys().sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return ok(keys.map(toListKeysItem));
}

/**
 * `search` matches, case-insensitively, a prefix of the key id or the whole name, and must
 * match exactly one key (400 otherwise, as Garage).
 */
export function handleGetKeyInfo(
  ctx: AdminContext,
  id: string | undefined,
  search: string | undefined,
  showSecretKey: boolean,
): AdminResult {
  const meta = ctx.store.meta;
  let key: AccessKey | undefined;
  if (id !== undefined) {
    key = meta.getKey(id);
    if (key === undefined) throw noSuchAccessKey(id);
  } else if (search !== undefined) {
    const pattern = search.toLowerCase();
    const matches = meta
      .listKeys()
      .filter((k) => k.id.toLowerCase().startsWith(pattern) || k.name.toLowerCase() === pattern);
    if (matches.length !== 1) throw badRequest(`${matches.length} matching keys`);
    key = matches[0];
  }
  if (key === undefined) throw badRequest('Either id or search must be provided');
  return ok(toKeyInfo(key, storeView(meta), showSecretKey));
}

export async function handleCreateKey(ctx: AdminContext, body: unknown): Promise<AdminResult> {
  const name = optString(asObject(body, 'body'), 'name') ?? 'Unnamed key';
  return ok(await createKey(ctx, name, false));
}

/** A new key with a fresh id and secret; its info includes the secret (shown at creation). */
export function createKey(ctx: AdminContext, name: string, allowCreateBucket: boolean): Promise<KeyInfo> {
  return ctx.store.meta.update((draft) => {
    let id: string;
    do {
      id = `GK${randomBytes(12).toString('hex')}`;
    } while (draft.usedKeyIds.has(id));
    const key: AccessKey = { id, secret: randomBytes(32).toString('hex'), name, created: Date.now(), allowCreateBucket };
    draft.keys.set(id, key);
    draft.usedKeyIds.add(id);
    return toKeyInfo(key, draftView(draft), true);
  });
}

/** An id that was ever used, even by a deleted key, cannot be imported again (409). */
export async function handleImportKey(ctx: AdminContext, body: unknown): Promise<AdminResult> {
  const req = asObject(body, 'body');
  const id = reqString(req, 'accessKeyId');
  const secret = reqString(req, 'secretAccessKey');
  const name = optString(req, 'name') ?? 'Imported key';
  const info = await ctx.store.meta.update((draft) => {
    if (draft.usedKeyIds.has(id) || draft.keys.has(id)) {
      throw adminError('KeyAlreadyExists', `Key ${id} already exists or existed; a key id can never be reused`);
    }
    if (!KEY_ID.test(id)) {
      throw badRequest('Invalid key format: the key id must be GK followed by 24 hexadecimal digits');
    }
    if (!SECRET.test(secret)) {
      throw badRequest('Invalid key format: the secret key must be 64 hexadecimal digits');
    }
    const key: AccessKey = { id, secret, name, created: Date.now(), allowCreateBucket: false };
    draft.keys.set(id, key);
    draft.usedKeyIds.add(id);
    return toKeyInfo(key, draftView(draft), false);
  });
  return ok(info);
}

/** `allow`/`deny` `{createBucket: true}` set or clear the flag; `false` leaves it unchanged. */
export async function handleUpdateKey(ctx: AdminContext, id: string, body: unknown): Promise<AdminResult> {
  const req = asObject(body, 'body');
  const name = optString(req, 'name');
  const allow = optObject(req, 'allow');
  const deny = optObject(req, 'deny');
  const allowCreate = allow !== undefined && flag(allow, 'createBucket');
  const denyCreate = deny !== undefined && flag(deny, 'createBucket');
  const info = await ctx.store.meta.update((draft) => {
    const key = existingKey(draft, id);
    if (name !== undefined) key.name = name;
    if (allowCreate) key.allowCreateBucket = true;
    if (denyCreate) key.allowCreateBucket = false;
    return toKeyInfo(key, draftView(draft), false);
  });
  return ok(info);
}

/** Deleting a key removes its permissions and local aliases on every bucket. */
export async function handleDeleteKey(ctx: AdminContext, id: string): Promise<AdminResult> {
  await ctx.store.meta.update((draft) => {
    existingKey(draft, id);
    draft.keys.delete(id);
    for (const bucket of draft.buckets.values()) {
      delete bucket.keys[id];
      bucket.localAliases = bucket.localAliases.filter((a) => a.accessKeyId !== id);
    }
  });
  return noContent;
}
