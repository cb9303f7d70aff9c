/**
 * Admin API errors: the K2vError codes it can answer with, their HTTP statuses (Garage admin API
 * v1, src/api/admin/error.rs and common_error.rs; statuses from the one table in http/errors.ts),
 * and the JSON error body of contract section 5.
 */
import { K2vError, type ErrorCode } from '../k2v/errors.js';
import { STATUS } from '../http/errors.js';
import { StoreError } from '../store/errors.js';

export type AdminErrorCode = Extract<
  ErrorCode,
  | 'InvalidRequest'
  | 'InvalidHeaderValue'
  | 'AccessDenied'
  | 'NoSuchAccessKey'
  | 'NoSuchBucket'
  | 'KeyAlreadyExists'
  | 'BucketAlreadyExists'
  | 'BucketNotEmpty'
  | 'PayloadTooLarge'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'NoSuchAdminToken'
>;

export const adminError = (code: AdminErrorCode, message: string): K2vError => new K2vError(code, message);
export const badRequest = (message: string): K2vError => adminError('InvalidRequest', `Bad request: ${message}`);
export const forbidden = (message: string): K2vError => adminError('AccessDenied', `Forbidden: ${message}`);
export const noSuchAccessKey = (id: string): K2vError => adminError('NoSuchAccessKey', `Access key not found: ${id}`);
export const noSuchBucket = (name: string): K2vError => adminError('NoSuchBucket', `Bucket not found: ${name}`);

export interface ErrorResponse {
  readonly status: number;
  readonly code: AdminErrorCode;
  readonly message: string;
  readonly body: string;
  /** True when the cause is not the client's: worth a log line at error level. */
  readonly internal: boolean;
}

const ADMIN_CODES: ReadonlySet<ErrorCode> = new Set<AdminErrorCode>([
  'InvalidRequest',
  'InvalidHeaderValue',
  'AccessDenied',
  'NoSuchAccessKey',
  'NoSuchBucket',
  'KeyAlreadyExists',
  'BucketAlreadyExists',
  'BucketNotEmpty',
  'PayloadTooLarge',
  'InternalError',
  'ServiceUnavailable',
  'NoSuchAdminToken',
]);

function isAdminCode(code: ErrorCode): code is AdminErrorCode {
  return ADMIN_CODES.has(code);
}

/**
 * Maps any thrown value to the response: K2vError by its code, a store outage to 503, anything
 * else to a generic 500 whose details stay in the log.
 */
export function toErrorResponse(err: unknown, region: string, path: string): ErrorResponse {
  let code: AdminErrorCode = 'InternalError';
  let message = 'Internal error';
  if (err instanceof K2vError && isAdminCode(err.code)) {
    code = err.code;
    message = err.message;
  } else if (err instanceof StoreError && err.code === 'Unavailable') {
    code = 'ServiceUnavailable';
    message = 'Storage unavailable, retry later';
  } else if (err instanceof StoreError && err.code === 'BucketNotEmpty') {
    code = 'BucketNotEmpty';
    message = 'Tried to delete a non-empty bucket';
  }
  const status = STATUS[code];
  return { status, code, message, body: JSON.stringify({ code, message, region, path }, null, 2), internal: status >= 500 };
}
