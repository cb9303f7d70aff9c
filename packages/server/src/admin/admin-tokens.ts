/**
 * Admin API tokens created through the API (Garage v2 admin tokens): a bearer token
 * `<id>.<secret>`, its id (24 hex digits) public, its secret (32 random bytes, base64url) shown
 * once. Only a SHA-256 digest of the whole token is stored: the secret carries 256 bits of
 * entropy, so a slow password hash (Garage: Argon2) would add cost to every request and no
 * protection. A token is valid until its expiration and only for the operations of its scope
 * (`*`: all of them).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AdminToken, MetadataStore } from '../store/metadata.js';

const HASH_PREFIX = 'sha256:';

export function hashAdminToken(bearer: string): string {
  return HASH_PREFIX + createHash('sha256').update(bearer, 'utf8').digest('hex');
}

export interface NewAdminTokenSecret {
  readonly id: string;
  readonly bearer: string;
  readonly tokenHash: string;
}

export function newAdminTokenSecret(usedIds: ReadonlyMap<string, unknown>): NewAdminTokenSecret {
  let id: string;
  do {
    id = randomBytes(12).toString('hex');
  } while (usedIds.has(id));
  const bearer = `${id}.${randomBytes(32).toString('base64url')}`;
  return { id, bearer, tokenHash: hashAdminToken(bearer) };
}

export function isExpired(token: AdminToken, now: number): boolean {
  return token.expiration !== null && now >= token.expiration;
}

export function hasScope(token: AdminToken, operation: string): boolean {
  return token.scope.some((s) => s === '*' || s === operation);
}

/** The stored token a bearer string names (by its id prefix), if its digest matches. */
export function findAdminToken(meta: MetadataStore, bearer: string): AdminToken | undefined {
  const dot = bearer.indexOf('.');
  if (dot < 0) return undefined;
  const token = meta.getAdminToken(bearer.slice(0, dot));
  if (token === undefined) return undefined;
  const given = Buffer.from(hashAdminToken(bearer), 'utf8');
  const stored = Buffer.from(token.tokenHash, 'utf8');
  return given.length === stored.length && timingSafeEqual(given, stored) ? token : undefined;
}
