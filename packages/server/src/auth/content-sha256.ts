/**
 * The `x-amz-content-sha256` header (contract section 4): a hex SHA-256 of the body, or
 * `UNSIGNED-PAYLOAD`; streaming payloads are refused because no K2V client sends them.
 */
import { badRequest } from '../k2v/errors.js';

export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

export type ContentSha256Header =
  | { readonly kind: 'absent' }
  | { readonly kind: 'unsigned' }
  /** `text` as sent (it enters the canonical request verbatim), `hex` lower-cased for comparisons. */
  | { readonly kind: 'sha256'; readonly text: string; readonly hex: string };

const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

export function parseContentSha256(value: string | undefined): ContentSha256Header {
  if (value === undefined) return { kind: 'absent' };
  if (value === UNSIGNED_PAYLOAD) return { kind: 'unsigned' };
  if (SHA256_HEX.test(value)) return { kind: 'sha256', text: value, hex: value.toLowerCase() };
  if (value.startsWith('STREAMING-')) throw badRequest(`x-amz-content-sha256 ${value} is not supported`);
  throw badRequest('Invalid x-amz-content-sha256');
}
