/**
 * Errors on the wire (contract section 5): the one table from error code to HTTP status, the
 * JSON error body, and the mapping of anything thrown to a contract error.
 */
import { K2vError, type ErrorCode } from '../k2v/errors.js';
import { StoreError, type StoreErrorCode } from '../store/errors.js';

export const STATUS: Record<ErrorCode, number> = {
  InvalidRequest: 400,
  CausalityToken: 400,
  InvalidUtf8String: 400,
  InvalidHeaderValue: 400,
  AuthorizationHeaderMalformed: 400,
  InvalidDigest: 400,
  AccessDenied: 403,
  NoSuchBucket: 404,
  NoSuchKey: 404,
  NotAcceptable: 406,
  PayloadTooLarge: 413,
  InternalError: 500,
  ServiceUnavailable: 503,
  NoSuchAccessKey: 404,
  KeyAlreadyExists: 409,
  BucketAlreadyExists: 409,
  BucketNotEmpty: 409,
  NoSuchAdminToken: 404,
};

/**
 * The error body `{"code","message","region","path"}`, fields in that order (the Rust client
 * needs all four). `path` is the request path as sent, without the query. Non-ASCII stays raw
 * UTF-8 (JSON.stringify escapes only lone surrogates, which are replaced first).
 */
export function errorBody(err: K2vError, region: string, path: string): string {
  return JSON.stringify({
    code: err.code,
    message: wellFormed(err.message),
    region: wellFormed(region),
    path: wellFormed(path),
  });
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `String.prototype.toWellFormed` (ES2024, not in TypeScript's ES2022 lib). */
function wellFormed(s: string): string {
  return s.replace(LONE_SURROGATE, '\uFFFD');
}

const STORE_ERRORS: Record<StoreErrorCode, { code: ErrorCode; message: string }> = {
  Unavailable: { code: 'ServiceUnavailable', message: 'service unavailable, retry later' },
  FutureToken: { code: 'CausalityToken', message: 'invalid causality token' },
  TooManyValues: { code: 'InvalidRequest', message: 'too many concurrent values for this item' },
  // Metadata updates only come from the admin API, which maps these itself; reaching here is a bug.
  Conflict: { code: 'InternalError', message: 'internal error' },
  BucketNotEmpty: { code: 'InternalError', message: 'internal error' },
  NoSuchBucket: { code: 'NoSuchBucket', message: 'Bucket not found' },
};

/**
 * Maps anything thrown by a handler to a contract error. Store errors keep a fixed message (their
 * own may name storage internals); anything unexpected becomes a generic InternalError: the
 * caller logs the original, the client never sees it.
 */
export function toK2vError(err: unknown): K2vError {
  if (err instanceof K2vError) return err;
  if (err instanceof StoreError) {
    const mapped = STORE_ERRORS[err.code];
    return new K2vError(mapped.code, mapped.message);
  }
  return new K2vError('InternalError', 'internal error');
}
