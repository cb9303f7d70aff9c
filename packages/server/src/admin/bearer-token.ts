/**
 * The admin API's bearer token check (Garage api_server.rs): `Authorization: Bearer <token>`,
 * both sides trimmed. Compared as SHA-256 digests with timingSafeEqual, so that neither the
 * content nor the length of the configured token leaks through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { adminError, forbidden } from './errors.js';

export type TokenDigest = Buffer;

const digest = (token: string): TokenDigest => createHash('sha256').update(token.trim(), 'utf8').digest();

/** undefined when no usable token is configured: then every protected route answers 403. */
export function tokenDigest(configured: string | undefined): TokenDigest | undefined {
  return configured === undefined || configured.trim() === '' ? undefined : digest(configured);
}

// Visible ASCII and tab, what an HTTP library accepts as a header string (Garage: to_str()).
const VISIBLE_ASCII = /^[\t\x20-\x7e]*$/;

export function checkBearerToken(header: string | undefined, expected: TokenDigest | undefined): void {
  if (expected === undefined) throw forbidden('no admin token is configured, the admin API is disabled');
  if (header === undefined) throw forbidden('Authorization token must be provided');
  if (!VISIBLE_ASCII.test(header)) throw adminError('InvalidHeaderValue', 'Invalid header value: Authorization');
  if (!header.startsWith('Bearer ') || !timingSafeEqual(digest(header.slice('Bearer '.length)), expected)) {
    throw forbidden('Invalid authorization token');
  }
}

/** The token of a `Bearer` header, trimmed (as Garage); undefined for a missing or other header. */
export function bearerOf(header: string | undefined): string | undefined {
  if (header === undefined || !VISIBLE_ASCII.test(header) || !header.startsWith('Bearer ')) return undefined;
  return header.slice('Bearer '.length).trim();
}

/** True when the header carries the configured token. */
export function bearerMatches(header: string | undefined, expected: TokenDigest | undefined): boolean {
  const bearer = bearerOf(header);
  return expected !== undefined && bearer !== undefined && timingSafeEqual(digest(bearer), expected);
}
