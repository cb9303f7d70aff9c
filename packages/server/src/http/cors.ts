/**
 * CORS rule matching and headers (contract section 11), as Garage's `src/api/common/cors.rs` with
 * the contract's deviations: `Access-Control-Allow-Origin` echoes the request's origin with
 * `Vary: Origin`, the rule's max age is sent on preflights, every response to a request with a
 * matching origin gets the headers, and requested header names compare case-insensitively.
 */
import { badRequest } from '../k2v/errors.js';
import type { CorsRule } from '../store/metadata.js';

export type CorsHeaders = Record<string, string>;

/**
 * The preflight answer for a bucket name that is not a global alias: unknown, or a key's local
 * alias that cannot be resolved before authentication. Permissive, as Garage.
 */
export const PERMISSIVE_PREFLIGHT_HEADERS: Readonly<CorsHeaders> = Object.freeze({
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': '*',
});

/**
 * The first rule allowing `origin` (exact or `*`), `method` (exact or `*`) and every requested
 * header (case-insensitive, or `*`).
 */
export function matchCorsRule(
  rules: readonly CorsRule[],
  origin: string,
  method: string,
  requestHeaders: readonly string[],
): CorsRule | undefined {
  return rules.find(
    (rule) =>
      rule.allowedOrigins.some((o) => o === '*' || o === origin) &&
      rule.allowedMethods.some((m) => m === '*' || m === method) &&
      requestHeaders.every((h) => headerAllowed(rule.allowedHeaders, h)),
  );
}

function headerAllowed(allowed: readonly string[], header: string): boolean {
  const lower = header.toLowerCase();
  return allowed.some((a) => a === '*' || a.toLowerCase() === lower);
}

/** `Access-Control-Request-Headers` split on `,`, trimmed, empty entries dropped. */
export function parseHeaderList(value: string | undefined): string[] {
  if (value === undefined) return [];
  const out: string[] = [];
  for (const part of value.split(',')) {
    const name = part.trim();
    if (name.length > 0) out.push(name);
  }
  return out;
}

/** The headers Garage adds for a rule (lists joined by `, `), with the origin echoed. */
function ruleHeaders(rule: CorsRule, origin: string): CorsHeaders {
  return {
    'Access-Control-Allow-Origin': origin,
    Vary: 'Origin',
    'Access-Control-Allow-Methods': rule.allowedMethods.join(', '),
    'Access-Control-Allow-Headers': rule.allowedHeaders.join(', '),
    'Access-Control-Expose-Headers': rule.exposeHeaders.join(', '),
  };
}

/** Headers of a 200 preflight answer for a matching rule, `Access-Control-Max-Age` when set. */
export function preflightHeaders(rule: CorsRule, origin: string): CorsHeaders {
  const headers = ruleHeaders(rule, origin);
  if (rule.maxAgeSeconds !== undefined && rule.maxAgeSeconds !== null) {
    headers['Access-Control-Max-Age'] = String(rule.maxAgeSeconds);
  }
  return headers;
}

/** The request headers a preflight reads, as Node gives them (undefined when absent). */
export interface PreflightRequest {
  origin: string | undefined;
  requestMethod: string | undefined;
  requestHeaders: string | undefined;
}

/**
 * A whole preflight for a bucket with known rules: the headers of a 200, or 400 InvalidRequest
 * when `Origin` or `Access-Control-Request-Method` is missing or not visible ASCII, or no rule
 * matches (as Garage, whose OPTIONS errors are all answered 400).
 */
export function preflight(rules: readonly CorsRule[], req: PreflightRequest): CorsHeaders {
  const origin = req.origin;
  const method = req.requestMethod;
  if (origin === undefined || !isVisibleAscii(origin)) throw badRequest('missing or invalid Origin header');
  if (method === undefined || !isVisibleAscii(method)) {
    throw badRequest('missing or invalid Access-Control-Request-Method header');
  }
  if (req.requestHeaders !== undefined && !isVisibleAscii(req.requestHeaders)) {
    throw badRequest('invalid Access-Control-Request-Headers header');
  }
  const rule = matchCorsRule(rules, origin, method, parseHeaderList(req.requestHeaders));
  if (rule === undefined) throw badRequest('this CORS request is not allowed');
  return preflightHeaders(rule, origin);
}

/**
 * CORS headers for an actual (non-preflight) response, errors included (contract section 11):
 * undefined without an `Origin`, with an unusable one, or when no rule matches. The caller merges
 * `Vary` with any `Vary` of its own.
 */
export function responseCorsHeaders(
  rules: readonly CorsRule[],
  origin: string | undefined,
  method: string,
): CorsHeaders | undefined {
  if (origin === undefined || rules.length === 0 || !isVisibleAscii(origin)) return undefined;
  const rule = matchCorsRule(rules, origin, method, []);
  return rule === undefined ? undefined : ruleHeaders(rule, origin);
}

/** Visible ASCII, space and tab: what Garage's `HeaderValue::to_str` accepts. */
function isVisibleAscii(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c >= 0x7f) return false;
  }
  return true;
}
