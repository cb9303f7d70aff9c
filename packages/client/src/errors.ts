/**
 * The one error class of the client. A refusal by the server keeps the contract's `code`, the
 * HTTP status and the server's `message` and `path`; what goes wrong on this side of the wire has
 * a code of its own and `status` 0.
 */
import type { ErrorCode } from './wire.js';

/**
 * Codes raised by the client itself (status 0, except `InvalidResponse`, which carries the
 * status of the answer it could not use):
 * - `NetworkError`: no HTTP answer (connection refused or cut, DNS, TLS, CORS refusal in a browser);
 * - `Timeout`: the call's `timeoutMs` went by;
 * - `Aborted`: the caller's `AbortSignal` fired;
 * - `InvalidResponse`: an answer outside the contract (e.g. an HTML page from a proxy, a missing
 *   causality token header, which in a browser means the CORS rule does not expose it);
 * - `InvalidArgument`: the call cannot be expressed on the wire (e.g. a missing setting).
 */
export type ClientErrorCode = 'NetworkError' | 'Timeout' | 'Aborted' | 'InvalidResponse' | 'InvalidArgument';

/** Every `code` a {@link K2vError} may carry. */
export type K2vErrorCode = ErrorCode | ClientErrorCode;

// A record, not a list: the compiler checks that it names every code of the wire's union.
const SERVER_CODES: Record<ErrorCode, true> = {
  InvalidRequest: true,
  CausalityToken: true,
  InvalidUtf8String: true,
  InvalidHeaderValue: true,
  AuthorizationHeaderMalformed: true,
  InvalidDigest: true,
  AccessDenied: true,
  NoSuchBucket: true,
  NoSuchKey: true,
  NotAcceptable: true,
  PayloadTooLarge: true,
  InternalError: true,
  ServiceUnavailable: true,
};

/** True when `code` is one of the contract's error codes (section 5). */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(SERVER_CODES, code);
}

/** Everything that fails in a {@link K2vClient} call is a `K2vError`. */
export class K2vError extends Error {
  /** The contract's error code, or one of the client's own ({@link ClientErrorCode}). */
  readonly code: K2vErrorCode;
  /** The HTTP status of the answer; 0 when there was none. */
  readonly status: number;
  /** The request path (percent-encoded, no query), as the server echoes it in its error body. */
  readonly path: string;

  /** Builds an error; `cause` keeps the underlying failure (e.g. fetch's TypeError). */
  constructor(code: K2vErrorCode, message: string, init: { status?: number; path?: string; cause?: unknown } = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'K2vError';
    this.code = code;
    this.status = init.status ?? 0;
    this.path = init.path ?? '';
  }

  /** True for the failures that a repeated idempotent read may get past: no answer, or a 503. */
  get retryable(): boolean {
    return this.code === 'NetworkError' || this.status === 503;
  }
}
