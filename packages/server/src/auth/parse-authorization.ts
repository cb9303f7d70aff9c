/**
 * What a request claims about its signature, read from the `Authorization` header or from the
 * presigned-URL query parameters (contract section 4). Only syntax is checked here; dates, scope,
 * key and signature are judged by `verify.ts`.
 */
import { K2vError, badRequest } from '../k2v/errors.js';
import { parseAmzDate } from './amz-date.js';
import { firstValue, type RequestHeaders } from './headers.js';
import type { QueryPair } from './query-string.js';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
/** AWS caps presigned URLs at one week. */
export const MAX_PRESIGNED_EXPIRES_SECONDS = 7 * 24 * 3600;

export interface SignatureClaim {
  readonly form: 'header' | 'presigned';
  readonly accessKeyId: string;
  /** The credential after the key id: `YYYYMMDD/<region>/<service>/aws4_request` when well formed. */
  readonly scope: string;
  /** Lower-case, sorted, as they enter the canonical request. */
  readonly signedHeaders: readonly string[];
  /** As sent; judged when compared. */
  readonly signature: string;
  /** `X-Amz-Date` as sent (it enters the string to sign verbatim). */
  readonly amzDate: string;
  readonly dateMs: number;
  /** Presigned form only. */
  readonly expiresSeconds: number | undefined;
}

/** The presigned parameters, by lower-case name: Garage looks them up case-insensitively. */
export const PRESIGNED = {
  algorithm: 'x-amz-algorithm',
  credential: 'x-amz-credential',
  date: 'x-amz-date',
  expires: 'x-amz-expires',
  signedHeaders: 'x-amz-signedheaders',
  signature: 'x-amz-signature',
} as const;

export function isPresigned(query: readonly QueryPair[]): boolean {
  return query.some(([name]) => name.toLowerCase() === PRESIGNED.algorithm);
}

/**
 * Presigned parameters win over the header: a browser or proxy may add an unrelated
 * `Authorization` header to a presigned URL (Garage's reasoning, kept).
 */
export function parseSignatureClaim(headers: RequestHeaders, query: readonly QueryPair[]): SignatureClaim {
  if (isPresigned(query)) return parsePresigned(query);
  const authorization = firstValue(headers['authorization']);
  if (authorization === undefined) throw new K2vError('AccessDenied', 'No authentication provided');
  return parseAuthorizationHeader(authorization, firstValue(headers['x-amz-date']));
}

export function parseAuthorizationHeader(authorization: string, amzDate: string | undefined): SignatureClaim {
  const space = authorization.indexOf(' ');
  if (space < 0) throw badRequest('Malformed Authorization header');
  if (authorization.slice(0, space) !== ALGORITHM) throw badRequest('Unsupported authorization method');

  const parts = new Map<string, string>();
  for (const rawPart of authorization.slice(space + 1).split(',')) {
    const part = rawPart.trim();
    const eq = part.indexOf('=');
    if (eq < 0) throw badRequest('Malformed Authorization header: a field has no value');
    parts.set(part.slice(0, eq), part.slice(eq + 1));
  }
  const credential = required(parts.get('Credential'), 'Credential in Authorization header');
  const signedHeaders = required(parts.get('SignedHeaders'), 'SignedHeaders in Authorization header');
  const signature = required(parts.get('Signature'), 'Signature in Authorization header');
  const date = required(amzDate, 'X-Amz-Date header');

  return {
    form: 'header',
    ...splitCredential(credential),
    signedHeaders: parseSignedHeaders(signedHeaders),
    signature,
    amzDate: date,
    dateMs: dateOf(date),
    expiresSeconds: undefined,
  };
}

export function parsePresigned(query: readonly QueryPair[]): SignatureClaim {
  const params = new Map<string, string>();
  for (const [name, value] of query) {
    const lower = name.toLowerCase();
    if (!isPresignedName(lower)) continue;
    if (params.has(lower)) throw badRequest(`Duplicate query parameter ${name}`);
    params.set(lower, value);
  }
  if (params.get(PRESIGNED.algorithm) !== ALGORITHM) throw badRequest('Unsupported authorization method');
  const credential = required(params.get(PRESIGNED.credential), 'X-Amz-Credential');
  const signedHeaders = required(params.get(PRESIGNED.signedHeaders), 'X-Amz-SignedHeaders');
  const signature = required(params.get(PRESIGNED.signature), 'X-Amz-Signature');
  const expires = required(params.get(PRESIGNED.expires), 'X-Amz-Expires');
  const date = required(params.get(PRESIGNED.date), 'X-Amz-Date');

  return {
    form: 'presigned',
    ...splitCredential(credential),
    signedHeaders: parseSignedHeaders(signedHeaders),
    signature,
    amzDate: date,
    dateMs: dateOf(date),
    expiresSeconds: parseExpires(expires),
  };
}

const PRESIGNED_NAMES: ReadonlySet<string> = new Set(Object.values(PRESIGNED));

function isPresignedName(lowerName: string): boolean {
  return PRESIGNED_NAMES.has(lowerName);
}

function required(value: string | undefined, what: string): string {
  if (value === undefined) throw badRequest(`Missing ${what}`);
  return value;
}

function splitCredential(credential: string): { accessKeyId: string; scope: string } {
  const slash = credential.indexOf('/');
  if (slash < 0) throw badRequest('Malformed credential: no scope');
  return { accessKeyId: credential.slice(0, slash), scope: credential.slice(slash + 1) };
}

// RFC 9110 token characters, lower-cased.
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;

// A client signs the same header set on every request: parse each distinct list once.
const parsedSignedHeaders = new Map<string, readonly string[]>();
const MAX_PARSED_SIGNED_HEADERS = 256;

function parseSignedHeaders(list: string): readonly string[] {
  const hit = parsedSignedHeaders.get(list);
  if (hit !== undefined) return hit;
  const names = list.split(';').map((name) => name.toLowerCase());
  for (const name of names) {
    if (!HEADER_NAME.test(name)) throw badRequest('Malformed SignedHeaders');
  }
  const sorted = Object.freeze(names.sort());
  if (parsedSignedHeaders.size >= MAX_PARSED_SIGNED_HEADERS) parsedSignedHeaders.clear();
  parsedSignedHeaders.set(list, sorted);
  return sorted;
}

function dateOf(amzDate: string): number {
  const ms = parseAmzDate(amzDate);
  if (ms === undefined) throw badRequest('Invalid X-Amz-Date');
  return ms;
}

function parseExpires(text: string): number {
  if (!/^\d{1,10}$/.test(text)) throw badRequest('X-Amz-Expires is not an integer');
  const seconds = Number(text);
  if (seconds > MAX_PRESIGNED_EXPIRES_SECONDS) throw badRequest('X-Amz-Expires may not exceed a week');
  return seconds;
}
