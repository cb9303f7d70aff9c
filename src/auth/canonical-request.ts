/**
 * The SigV4 canonical request (contract section 4), with K2V's rules:
 * - URI: the path as sent, already percent-encoded, URI-encoded once more (`/` kept), never
 *   normalised, as AWS does for every service but S3 (so `%20` becomes `%2520`);
 * - query: pairs form-decoded, then re-encoded with `/` encoded, sorted as whole `k=v` strings;
 * - headers: lower-case names, first value, trimmed, runs of spaces collapsed to one.
 */
import { Buffer } from 'node:buffer';
import { badRequest } from '../k2v/errors.js';
import { firstValue, type RequestHeaders } from './headers.js';
import { formDecode, type QueryPair } from './query-string.js';
import { uriEncode } from './uri-encode.js';

export interface CanonicalParts {
  readonly method: string;
  readonly canonicalUri: string;
  readonly canonicalQuery: string;
  /** One `name:value\n` line per signed header. */
  readonly canonicalHeaders: string;
  readonly signedHeaders: readonly string[];
}

export function canonicalUri(rawPath: string): string {
  return rawPath === '' ? '/' : uriEncode(rawPath, false);
}

/**
 * `omitName` (lower-case) leaves a parameter out, for the presigned `X-Amz-Signature`. Pairs with
 * an empty name are left out too, as every SigV4 signer does (they are not sent as parameters).
 */
export function canonicalQuery(pairs: readonly QueryPair[], omitName?: string): string {
  const items: string[] = [];
  for (const [name, value] of pairs) {
    if (name === '' || (omitName !== undefined && name.toLowerCase() === omitName)) continue;
    items.push(uriEncode(name, true) + '=' + uriEncode(value, true));
  }
  // Code-unit order equals byte order here: the items are ASCII after encoding.
  return items.sort().join('&');
}

/**
 * The canonical query as curl (7.x, `--aws-sigv4`) computes it: a bare name (`?search`) stays
 * bare instead of becoming `search=`. Tried only after the standard form failed to verify
 * (Deviation, more permissive: lets curl sign ReadBatch, DeleteBatch and PollRange).
 * Undefined when the request has no bare name, so there is nothing else to try.
 */
export function bareNameCanonicalQuery(rawQuery: string, omitName?: string): string | undefined {
  let bare = false;
  const items: string[] = [];
  for (const piece of rawQuery.split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    const name = formDecode(eq < 0 ? piece : piece.slice(0, eq));
    if (name === '' || (omitName !== undefined && name.toLowerCase() === omitName)) continue;
    if (eq < 0) {
      bare = true;
      items.push(uriEncode(name, true));
    } else {
      items.push(uriEncode(name, true) + '=' + uriEncode(formDecode(piece.slice(eq + 1)), true));
    }
  }
  return bare ? items.sort().join('&') : undefined;
}

export function canonicalHeaders(headers: RequestHeaders, signedHeaders: readonly string[]): string {
  let out = '';
  for (const name of signedHeaders) {
    const value = firstValue(headers[name]);
    if (value === undefined) throw badRequest(`Signed header ${name} is not present`);
    out += name + ':' + canonicalHeaderValue(value) + '\n';
  }
  return out;
}

export function canonicalHeaderValue(value: string): string {
  return asUnicode(value).replace(/^[ \t]+|[ \t]+$/g, '').replace(/ {2,}/g, ' ');
}

/** Everything but the payload hash line, which may depend on the body. */
export function canonicalRequestPrefix(parts: CanonicalParts): string {
  return (
    parts.method + '\n' +
    parts.canonicalUri + '\n' +
    parts.canonicalQuery + '\n' +
    parts.canonicalHeaders + '\n' +
    parts.signedHeaders.join(';') + '\n'
  );
}

export function canonicalRequest(parts: CanonicalParts, payloadHash: string): string {
  return canonicalRequestPrefix(parts) + payloadHash;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * node:http decodes header bytes as latin1; the signer hashed the UTF-8 text, so bytes above 0x7F
 * are read back as UTF-8 (invalid UTF-8 -> 400, as Garage). Characters above 0xFF mean the
 * caller already holds real text.
 */
function asUnicode(value: string): string {
  let high = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c > 0xff) return value;
    if (c > 0x7f) high = true;
  }
  if (!high) return value;
  try {
    return UTF8.decode(Buffer.from(value, 'latin1'));
  } catch {
    throw badRequest('Header value is not valid UTF-8');
  }
}
