/**
 * Admin token operations of the admin API v2 (Garage src/api/admin/admin_token.rs): list (the
 * tokens of the configuration first, without id), get by id or search, create (the secret is in
 * this answer only), update (name, expiration or neverExpires, scope), delete.
 */
import type { AdminToken, MetadataDraft } from '../../store/metadata.js';
import { newAdminTokenSecret } from '../admin-tokens.js';
import { adminError, badRequest } from '../errors.js';
import { asObject, flag, optString, stringList, type JsonObject } from '../json-input.js';
import type { V2Context, V2Result } from './context-v2.js';
import type { V2Endpoint } from './router-v2.js';
import { toAdminTokenInfo, type AdminTokenInfo } from './wire-v2.js';

const noSuchAdminToken = (id: string): Error => adminError('NoSuchAdminToken', `Admin token not found: ${id}`);

// RFC 3339 date-time (as chrono parses it): a date, T, a time, a zone.
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

interface TokenUpdate {
  name: string | undefined;
  /** undefined: unchanged; null: never expires */
  expiration: number | null | undefined;
  scope: string[] | undefined;
}

function parseTokenUpdate(body: unknown): TokenUpdate {
  const req = asObject(body, 'body');
  const neverExpires = flag(req, 'neverExpires');
  const rawExpiration = optString(req, 'expiration');
  if (neverExpires && rawExpiration !== undefined) throw badRequest('cannot specify `expiration` and `never_expires`');
  let expiration: number | null | undefined = neverExpires ? null : undefined;
  if (rawExpiration !== undefined) {
    const ms = RFC3339.test(rawExpiration) ? Date.parse(rawExpiration) : NaN;
    if (!Number.isFinite(ms)) throw badRequest('Invalid JSON: field expiration: expected an RFC 3339 date and time');
    expiration = ms;
  }
  const scope = req.scope === undefined || req.scope === null ? undefined : stringList(req as JsonObject, 'scope', true);
  return { name: optString(req, 'name'), expiration, scope };
}

function applyTokenUpdate(token: AdminToken, u: TokenUpdate): void {
  if (u.name !== undefined) token.name = u.name;
  if (u.expiration !== undefined) token.expiration = u.expiration;
  if (u.scope !== undefined) token.scope = u.scope;
}

function existingToken(draft: MetadataDraft, id: string): AdminToken {
  const token = draft.adminTokens.get(id);
  if (token === undefined) throw noSuchAdminToken(id);
  return token;
}

const byId = (a: AdminToken, b: AdminToken): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function configToken(name: string, scope: string): AdminTokenInfo {
  return { id: null, created: null, name, expiration: null, expired: false, scope: [scope] };
}

export function listAdminTokensV2(ctx: V2Context): V2Result {
  const now = ctx.now();
  const listed: AdminTokenInfo[] = [];
  if (ctx.hasAdminToken) listed.push(configToken('admin_token (from daemon configuration)', '*'));
  if (ctx.hasMetricsToken) listed.push(configToken('metrics_token (from daemon configuration)', 'Metrics'));
  for (const t of ctx.store.meta.listAdminTokens().sort(byId)) listed.push(toAdminTokenInfo(t, now));
  return listed;
}

/** `search`: a case-insensitive prefix of the id or the whole name, matching exactly one token. */
export function getAdminTokenInfoV2(ctx: V2Context, ep: V2Endpoint): V2Result {
  const id = ep.query.opt('id');
  const search = ep.query.opt('search');
  const meta = ctx.store.meta;
  let token: AdminToken | undefined;
  if (id !== undefined && search === undefined) {
    token = meta.getAdminToken(id);
    if (token === undefined) throw noSuchAdminToken(id);
  } else if (id === undefined && search !== undefined) {
    const pattern = search.toLowerCase();
    const matches = meta.listAdminTokens().filter((t) => t.id.toLowerCase().startsWith(pattern) || t.name.toLowerCase() === pattern);
    if (matches.length !== 1) throw badRequest(`${matches.length} matching admin tokens`);
    token = matches[0];
  }
  if (token === undefined) throw badRequest('Either id or search must be provided (but not both)');
  return toAdminTokenInfo(token, ctx.now());
}

function defaultTokenName(now: number): string {
  const iso = new Date(now).toISOString();
  return `token_${iso.slice(0, 10).replaceAll('-', '')}_${iso.slice(11, 16).replace(':', '')}`;
}

export async function createAdminTokenV2(ctx: V2Context, body: unknown): Promise<V2Result> {
  const update = parseTokenUpdate(body);
  const now = ctx.now();
  const { bearer, token } = await ctx.store.meta.update((draft) => {
    const secret = newAdminTokenSecret(draft.adminTokens);
    const created: AdminToken = { id: secret.id, tokenHash: secret.tokenHash, name: defaultTokenName(now), created: now, expiration: null, scope: ['*'] };
    applyTokenUpdate(created, update);
    draft.adminTokens.set(created.id, created);
    return { bearer: secret.bearer, token: structuredClone(created) };
  });
  return { secretToken: bearer, ...toAdminTokenInfo(token, now) };
}

export async function updateAdminTokenV2(ctx: V2Context, ep: V2Endpoint, body: unknown): Promise<V2Result> {
  const id = ep.query.req('id');
  const update = parseTokenUpdate(body);
  const token = await ctx.store.meta.update((draft) => {
    const t = existingToken(draft, id);
    applyTokenUpdate(t, update);
    return structuredClone(t);
  });
  return toAdminTokenInfo(token, ctx.now());
}

export async function deleteAdminTokenV2(ctx: V2Context, ep: V2Endpoint): Promise<V2Result> {
  const id = ep.query.req('id');
  await ctx.store.meta.update((draft) => {
    existingToken(draft, id);
    draft.adminTokens.delete(id);
  });
  return null;
}
