/**
 * One HTTP exchange with the K2V API: build the exact request target, sign it, send it with
 * `fetch`, read the whole answer; bounded by the call's deadline and AbortSignal; idempotent
 * requests retried with back-off on network errors and 503.
 *
 * Keep-alive: Node's global fetch (undici) keeps connections open and reuses them for the next
 * request to the same origin, as browsers do, provided every response body is read to its end,
 * which `exchange` always does.
 */
import { K2vError, isErrorCode } from './errors.js';
import { EMPTY_SHA256, sha256Hex } from './sigv4/digest.js';
import { Signer } from './sigv4/signer.js';
import { formatQuery, uriEncode } from './sigv4/uri-encode.js';

/** Options every call takes. */
export interface CallOptions {
  /** Aborts the call (a `K2vError` with code `Aborted`). */
  signal?: AbortSignal;
  /**
   * Deadline of the whole call, retries included, in ms (a `K2vError` with code `Timeout`).
   * Default: the client's `timeoutMs` (30 s); for polls, the poll's timeout plus 10 s.
   */
  timeoutMs?: number;
}

/** How idempotent reads are retried. */
export interface RetryOptions {
  /** Retries after the first attempt (default 3; 0 disables retries). */
  retries?: number;
  /** Delay before the first retry, ms (default 100); doubles at each retry, with jitter. */
  minDelayMs?: number;
  /** Longest delay between two attempts, ms (default 2000). */
  maxDelayMs?: number;
}

export interface TransportConfig {
  readonly endpoint: URL;
  readonly bucket: string;
  readonly signer: Signer;
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
  readonly retry: Required<RetryOptions>;
}

export interface Exchange {
  readonly method: 'GET' | 'PUT' | 'DELETE' | 'POST';
  /** Absent: a bucket-level endpoint (`/<bucket>`). */
  readonly pk?: string | undefined;
  readonly query?: readonly (readonly [string, string])[];
  /** Extra headers, signed. */
  readonly headers?: Readonly<Record<string, string>>;
  /** `Accept`, sent but not signed. */
  readonly accept?: string;
  readonly body?: Uint8Array<ArrayBuffer> | undefined;
  /** Safe to send twice: retried on network errors and 503. */
  readonly idempotent: boolean;
  /** Statuses that are answers, not errors (default 200 and 204). */
  readonly ok?: readonly number[];
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Uint8Array;
  /** The request path as sent (percent-encoded, no query). */
  readonly path: string;
}

/** `<endpoint path>/<bucket>[/<pk, percent-encoded>]`. */
export function requestPath(config: Pick<TransportConfig, 'endpoint' | 'bucket'>, pk: string | undefined): string {
  const base = config.endpoint.pathname.replace(/\/+$/, '');
  return `${base}/${config.bucket}` + (pk === undefined ? '' : '/' + uriEncode(pk));
}

/** Sends one request (with retries when idempotent) and returns the answer, or throws a K2vError. */
export async function exchange(config: TransportConfig, ex: Exchange): Promise<Answer> {
  const path = requestPath(config, ex.pk);
  const query = ex.query ?? [];
  const url = config.endpoint.origin + path + (query.length === 0 ? '' : '?' + formatQuery(query));
  const payloadHash = ex.body === undefined || ex.body.length === 0 ? EMPTY_SHA256 : await sha256Hex(ex.body);

  const deadline = new Deadline(ex.timeoutMs, ex.signal);
  try {
    for (let attempt = 0; ; attempt++) {
      const canRetry = ex.idempotent && attempt < config.retry.retries;
      deadline.check(path);
      const headers: Record<string, string> = {
        ...(ex.headers ?? {}),
        ...(await config.signer.sign({
          method: ex.method,
          host: config.endpoint.host,
          path,
          query,
          headers: ex.headers ?? {},
          payloadHash,
          date: new Date(),
        })),
      };
      if (ex.accept !== undefined) headers['accept'] = ex.accept;
      let answer: Answer;
      try {
        const res = await config.fetch(url, {
          method: ex.method,
          headers,
          ...(ex.body === undefined ? {} : { body: ex.body }),
          signal: deadline.signal,
          redirect: 'manual',
        });
        answer = { status: res.status, headers: res.headers, body: new Uint8Array(await res.arrayBuffer()), path };
      } catch (err) {
        deadline.check(path, err);
        if (!canRetry) throw new K2vError('NetworkError', `${ex.method} ${path}: ${describe(err)}`, { path, cause: err });
        await deadline.sleep(backoff(config.retry, attempt), path);
        continue;
      }
      if (answer.status === 503 && canRetry) {
        await deadline.sleep(backoff(config.retry, attempt), path);
        continue;
      }
      if (!(ex.ok ?? [200, 204]).includes(answer.status)) throw errorOf(answer, ex.method);
      return answer;
    }
  } finally {
    deadline.dispose();
  }
}

/** The K2vError an error answer stands for: the contract's JSON body, or InvalidResponse. */
export function errorOf(answer: Answer, method: string): K2vError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(answer.body));
  } catch {
    parsed = undefined;
  }
  if (typeof parsed === 'object' && parsed !== null) {
    const { code, message, path } = parsed as Record<string, unknown>;
    if (typeof code === 'string' && isErrorCode(code) && typeof message === 'string') {
      return new K2vError(code, message, { status: answer.status, path: typeof path === 'string' ? path : answer.path });
    }
  }
  const shown = new TextDecoder().decode(answer.body.subarray(0, 200));
  return new K2vError(
    'InvalidResponse',
    `${method} ${answer.path}: unexpected HTTP ${answer.status}` + (shown === '' ? '' : `: ${shown}`),
    { status: answer.status, path: answer.path },
  );
}

/** Parses a JSON answer body, or throws InvalidResponse. */
export function jsonOf<T>(answer: Answer): T {
  try {
    return JSON.parse(new TextDecoder().decode(answer.body)) as T;
  } catch (err) {
    throw new K2vError('InvalidResponse', `${answer.path}: the answer is not JSON`, { status: answer.status, path: answer.path, cause: err });
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return err.message + cause;
  }
  return String(err);
}

function backoff(retry: Required<RetryOptions>, attempt: number): number {
  const full = Math.min(retry.maxDelayMs, retry.minDelayMs * 2 ** attempt);
  return full / 2 + Math.random() * (full / 2);
}

/**
 * The call's deadline and the caller's signal, joined into one signal for fetch; remembers
 * which of the two fired, so the error says so.
 */
class Deadline {
  private readonly controller = new AbortController();
  private fired: 'Timeout' | 'Aborted' | undefined;
  private readonly timer: ReturnType<typeof setTimeout>;
  private readonly onAbort = (): void => this.fire('Aborted');

  constructor(
    private readonly timeoutMs: number,
    private readonly outer: AbortSignal | undefined,
  ) {
    this.timer = setTimeout(() => this.fire('Timeout'), timeoutMs);
    if (outer?.aborted) this.fire('Aborted');
    else outer?.addEventListener('abort', this.onAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  private fire(why: 'Timeout' | 'Aborted'): void {
    if (this.fired !== undefined) return;
    this.fired = why;
    this.controller.abort();
  }

  /** Throws the Timeout / Aborted error once either happened. */
  check(path: string, cause?: unknown): void {
    if (this.fired === 'Timeout') {
      throw new K2vError('Timeout', `${path}: no answer within ${this.timeoutMs} ms`, { path, cause });
    }
    if (this.fired === 'Aborted') {
      throw new K2vError('Aborted', `${path}: aborted`, { path, cause: this.outer?.reason ?? cause });
    }
  }

  sleep(ms: number, path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(t);
        this.controller.signal.removeEventListener('abort', done);
        try {
          this.check(path);
          resolve();
        } catch (err) {
          reject(err);
        }
      };
      const t = setTimeout(done, this.controller.signal.aborted ? 0 : ms);
      this.controller.signal.addEventListener('abort', done, { once: true });
    });
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.outer?.removeEventListener('abort', this.onAbort);
  }
}
