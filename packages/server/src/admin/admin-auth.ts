/**
 * Who may call an admin operation: the configured admin token, for everything (as before admin
 * tokens existed); else a created token `<id>.<secret>` (admin-tokens.ts) that is known, not
 * expired and has the operation in its scope, refused otherwise with Garage's 403 "Invalid
 * bearer token" (which does not tell an expired token from an unknown one). Any other header
 * gets the v1 refusals of bearer-token.ts.
 */
import type { MetadataStore } from '../store/metadata.js';
import { findAdminToken, hasScope, isExpired } from './admin-tokens.js';
import { bearerMatches, bearerOf, checkBearerToken, type TokenDigest } from './bearer-token.js';
import { forbidden } from './errors.js';

export interface AdminAuthRequest {
  readonly header: string | undefined;
  /** The operation's name in a token's scope; undefined: any valid token may call it. */
  readonly operation: string | undefined;
}

export function authorizeAdmin(req: AdminAuthRequest, configured: TokenDigest | undefined, meta: MetadataStore, now: number): void {
  if (bearerMatches(req.header, configured)) return;
  const bearer = bearerOf(req.header);
  if (bearer !== undefined && bearer.includes('.')) {
    const token = findAdminToken(meta, bearer);
    if (token === undefined || isExpired(token, now) || (req.operation !== undefined && !hasScope(token, req.operation))) {
      throw forbidden('Invalid bearer token');
    }
    return;
  }
  checkBearerToken(req.header, configured);
}
