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
 * Other canonical queries a well-meaning signer may have used, tried only after the contract's
 * form failed to verify (Deviation, more permissive; costs one HMAC per form, on failure only):
 * - sorted by parameter name, then value, as AWS specifies and aws4, aws4fetch and botocore sign
 *   (differs from sorting whole `k=v` strings only when a name is a prefix of another followed by
 *   a character below `=`, e.g. `a` and `a.b`);
 * - a bare name (`?search`) left bare instead of `search=`, as curl before 8.5 signs it.
 * Returns only forms that differ from `standard`.
 */
export function alternativeCanonicalQueries(rawQuery: string, standard: string, omitName?: string): string[] {
  const byName: [string, string][] = [];
  const bare: string[] = [];
  let hasBare = false;
  for (const piece of rawQuery.split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    const name = formDecode(eq < 0 ? piece : piece.slice(0, eq));
    if (name === '' || (omitName !== undefined && name.toLowerCase() === omitName)) continue;
    const n = uriEncode(name, true);
    const v = eq < 0 ? '' : uriEncode(formDecode(piece.slice(eq + 1)), true);
    byName.push([n, v]);
    if (eq < 0) hasBare = true;
    bare.push(eq < 0 ? n : n + '=' + v);
  }
  const out: string[] = [];
  const add = (q: string) => {
    if (q !== standard && !out.includes(q)) out.push(q);
  };
  add(
    byName
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
      .map(([n, v]) => n + '=' + v)
      .join('&'),
  );
  if (hasBare) add(bare.sort().join('&'));
  return out;
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
  const text = asUnicode(value);
  // Most values have nothing to trim or collapse: skip the two regex passes for them.
  const first = text.charCodeAt(0);
  const last = text.charCodeAt(text.length - 1);
  if (first !== 0x20 && first !== 0x09 && last !== 0x20 && last !== 0x09 && text.indexOf('  ') < 0) return text;
  return text.replace(/^[ \t]+|[ \t]+$/g, '').replace(/ {2,}/g, ' ');
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
