/**
 * What a hostile request may get back (contract section 5): never a 5xx; an error is exactly
 * `Content-Type: application/json` with the four fields; and each generated case says which
 * statuses and codes it allows.
 */
import type { RawExchange, RawResponse } from './raw-http.js';

export interface Expect {
  /** Allowed statuses. */
  readonly statuses: readonly number[];
  /** Allowed error codes (for error statuses); undefined: any contract code. */
  readonly codes?: readonly string[];
  /** The server may also close without answering (a truncated request). */
  readonly mayNotAnswer?: boolean;
  /** Several responses may come back (pipelined requests); each is checked. */
  readonly responses?: number;
  /** The status of the first response, when several may come back. */
  readonly firstStatus?: number;
}

const CODES = new Set([
  'InvalidRequest',
  'CausalityToken',
  'InvalidUtf8String',
  'InvalidHeaderValue',
  'AuthorizationHeaderMalformed',
  'InvalidDigest',
  'AccessDenied',
  'NoSuchBucket',
  'NoSuchKey',
  'NotAcceptable',
  'PayloadTooLarge',
]);

/** Problems with one contract error response (empty when it is one). */
export function errorShapeProblems(res: RawResponse, path: string | undefined, region: string, head = false): string[] {
  const problems: string[] = [];
  const ct = res.headers['content-type'];
  if (ct === undefined || ct.length !== 1 || ct[0] !== 'application/json') problems.push(`content-type ${JSON.stringify(ct)}`);
  if (head) return problems;
  let body: unknown;
  try {
    body = JSON.parse(res.body.toString('utf8'));
  } catch {
    return [...problems, `body is not JSON: ${JSON.stringify(res.body.toString('latin1').slice(0, 200))}`];
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return [...problems, 'body is not an object'];
  const o = body as Record<string, unknown>;
  if (Object.keys(o).join(',') !== 'code,message,region,path') problems.push(`fields ${Object.keys(o).join(',')}`);
  if (typeof o['code'] !== 'string' || !CODES.has(o['code'])) problems.push(`code ${JSON.stringify(o['code'])}`);
  if (typeof o['message'] !== 'string') problems.push('message not a string');
  if (o['region'] !== region) problems.push(`region ${JSON.stringify(o['region'])}`);
  if (typeof o['path'] !== 'string') problems.push('path not a string');
  else if (path !== undefined && o['path'] !== path) problems.push(`path ${JSON.stringify(o['path'])}, expected ${JSON.stringify(path)}`);
  // JSON must escape control characters; anything else is sent as raw UTF-8 (contract section 5).
  if (/\\u(?!00[01][0-9a-fA-F])/.test(res.body.toString('utf8'))) problems.push('\\u escape in an error body');
  return problems;
}

export function errorCode(res: RawResponse): string | undefined {
  try {
    const o = JSON.parse(res.body.toString('utf8')) as { code?: unknown };
    return typeof o.code === 'string' ? o.code : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Checks an exchange against its expectation; returns a description of every deviation.
 * `path` is the path the error bodies must echo (undefined: not checked).
 */
export function judge(ex: RawExchange, expect: Expect, opts: { path?: string | undefined; region: string; head?: boolean }): string[] {
  const problems: string[] = [];
  const wanted = expect.responses ?? 1;
  if (ex.responses.length === 0) {
    if (!expect.mayNotAnswer) problems.push(`no response (${ex.error ?? 'closed'}, ${ex.trailing.length} stray bytes)`);
    return problems;
  }
  if (ex.responses.length > wanted) problems.push(`${ex.responses.length} responses, expected ${wanted}`);
  if (expect.firstStatus !== undefined && ex.responses[0]!.status !== expect.firstStatus) {
    problems.push(`first response ${ex.responses[0]!.status}, expected ${expect.firstStatus} (an answer given in place of another)`);
  }
  if (ex.trailing.length > 0) problems.push(`unparsable bytes after the response: ${JSON.stringify(ex.trailing.toString('latin1').slice(0, 120))}`);
  ex.responses.forEach((res, i) => {
    const last = i === ex.responses.length - 1;
    if (res.status >= 500) problems.push(`status ${res.status}: ${res.body.toString('utf8').slice(0, 300)}`);
    if (last && !expect.statuses.includes(res.status)) {
      problems.push(`status ${res.status} not in [${expect.statuses.join(',')}]: ${res.body.toString('utf8').slice(0, 300)}`);
    }
    if (res.status >= 400) {
      problems.push(...errorShapeProblems(res, i === 0 ? opts.path : undefined, opts.region, opts.head ?? false));
      const code = errorCode(res);
      if (last && !opts.head && expect.codes !== undefined && (code === undefined || !expect.codes.includes(code))) {
        problems.push(`code ${code} not in [${expect.codes.join(',')}] (status ${res.status})`);
      }
    }
  });
  return problems;
}
