/**
 * Errors as values carrying a contract code (contract section 5). Created where the problem is
 * known (router, auth, handlers, admin); `http/errors.ts` alone maps codes to HTTP statuses.
 */
export type ErrorCode =
  | 'InvalidRequest'
  | 'CausalityToken'
  | 'InvalidUtf8String'
  | 'InvalidHeaderValue'
  | 'AuthorizationHeaderMalformed'
  | 'InvalidDigest'
  | 'AccessDenied'
  | 'NoSuchBucket'
  | 'NoSuchKey'
  | 'NotAcceptable'
  | 'PayloadTooLarge'
  | 'InternalError'
  | 'ServiceUnavailable'
  // admin API (Garage admin v1)
  | 'NoSuchAccessKey'
  | 'KeyAlreadyExists'
  | 'BucketAlreadyExists'
  | 'BucketNotEmpty'
  // admin API v2
  | 'NoSuchAdminToken';

export class K2vError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'K2vError';
  }
}

export const badRequest = (message: string): K2vError => new K2vError('InvalidRequest', message);
