/**
 * The response sink: every response of the K2V and admin listeners leaves through `respond()`
 * (or a stream begun by `beginStream()`), on HTTP/1.1 and HTTP/2 alike. It is the one place that
 * adds the request's extra (CORS) headers, leaves out what HTTP/2 refuses (connection-specific
 * headers, RFC 9113 section 8.2.2), ends responses in batches (end-later.ts), and reports each
 * answered request to the listener's observer (metrics, by endpoint and status).
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { constants, Http2ServerResponse, type Http2ServerRequest } from 'node:http2';
import { performance } from 'node:perf_hooks';
import { K2vError } from '../k2v/errors.js';
import { endLater } from './end-later.js';

export const JSON_TYPE = 'application/json';
export const BINARY_TYPE = 'application/octet-stream';
export const TOKEN_HEADER = 'x-garage-causality-token';

/** A request as node hands it over: HTTP/1.x (`node:http`) or HTTP/2 (`node:http2` compatibility API). */
export type HttpRequest = IncomingMessage | Http2ServerRequest;
export type HttpResponse = ServerResponse | Http2ServerResponse;

/** Told once per answered request of a routed endpoint (Garage counts only those). */
export interface ResponseObserver {
  responded(endpoint: string, status: number, seconds: number): void;
}

/** One request in flight, as the sink needs it. */
export interface Exchange {
  readonly req: HttpRequest;
  readonly res: HttpResponse;
  /** Headers every response carries (CORS for a matching Origin). */
  readonly extraHeaders: Readonly<Record<string, string>>;
  /** The endpoint's name once routed (metrics label); undefined before. */
  readonly endpoint?: string | undefined;
  /** `performance.now()` when the request arrived. */
  readonly startedAt?: number;
  readonly observer?: ResponseObserver | undefined;
}

/** Headers that HTTP/2 forbids: connection-specific ones (node warns and drops them, or fails). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

/** True for a request that arrived over HTTP/2. */
export function isHttp2(res: HttpResponse): res is Http2ServerResponse {
  return res instanceof Http2ServerResponse;
}

/**
 * After an early answer (an error before the body was read): the rest of the request body must
 * not be taken for the next request on HTTP/1, so it is read and dropped; on HTTP/2 the stream
 * is reset with NO_ERROR once the answer is out, which tells the client to stop sending
 * (RFC 9113 8.1) without touching the connection's other streams.
 */
export function discardBody(ex: Exchange): void {
  const { req, res } = ex;
  if (req.complete) return;
  if (isHttp2(res)) res.once('finish', () => res.stream.close(constants.NGHTTP2_NO_ERROR));
  else req.resume();
}

/** True once the response can no longer be written (the client went away, or it was cut). */
export function responseGone(res: HttpResponse): boolean {
  return isHttp2(res) ? res.stream.destroyed : res.destroyed;
}

/**
 * Writes a whole response: status, the exchange's extra headers, then `headers` (complete: the
 * caller includes Content-Length when there is a body), and the body.
 */
export function respond(ex: Exchange, status: number, headers: OutgoingHttpHeaders, body?: string | Uint8Array): void {
  const res = writeHead(ex, status, headers);
  endLater(res, body);
  observe(ex, status);
}

export function send(ex: Exchange, status: number, headers: Record<string, string>, body?: string | Uint8Array): void {
  if (body === undefined) {
    respond(ex, status, headers);
    return;
  }
  const len = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
  respond(ex, status, { ...headers, 'content-length': String(len) }, body);
}

export function sendJson(ex: Exchange, status: number, json: string): void {
  send(ex, status, { 'content-type': JSON_TYPE }, json);
}

export function sendNoContent(ex: Exchange): void {
  send(ex, 204, {});
}

/** A response whose body is written piece by piece (ReadBatch). */
export interface ResponseStream {
  /** Writes a chunk; when the client's buffer is full, returns a promise of its draining. */
  write(chunk: string | Uint8Array): Promise<void> | undefined;
  /** Writes the last chunk and ends the response. */
  end(chunk?: string | Uint8Array): void;
}

/** Sends status and headers now; the body follows through the returned stream. */
export function beginStream(ex: Exchange, status: number, headers: OutgoingHttpHeaders): ResponseStream {
  const res = writeHead(ex, status, headers);
  return {
    write: (chunk) => writeChunk(res, chunk),
    end: (chunk) => {
      endLater(res, chunk);
      observe(ex, status);
    },
  };
}

/**
 * Cuts a response whose status line is already sent (a stream that failed half-way): the client
 * sees a truncated body rather than a valid-looking one.
 */
export function abort(ex: Exchange): void {
  const status = ex.res.statusCode;
  ex.res.destroy();
  observe(ex, status);
}

function writeHead(ex: Exchange, status: number, headers: OutgoingHttpHeaders): HttpResponse {
  const res = ex.res;
  const extra = ex.extraHeaders;
  for (const k in extra) res.setHeader(k, extra[k]!);
  if (isHttp2(res)) res.writeHead(status, withoutHopByHop(headers));
  else res.writeHead(status, headers);
  return res;
}

function withoutHopByHop(headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
  let out: OutgoingHttpHeaders | undefined;
  for (const k in headers) {
    if (!HOP_BY_HOP.has(k.toLowerCase())) continue;
    out ??= { ...headers };
    delete out[k];
  }
  return out ?? headers;
}

function observe(ex: Exchange, status: number): void {
  if (ex.observer === undefined || ex.endpoint === undefined) return;
  ex.observer.responded(ex.endpoint, status, (performance.now() - (ex.startedAt ?? 0)) / 1000);
}

/**
 * A header value as a string, or undefined when absent. Like Garage (http's `to_str`), a value with
 * characters other than visible ASCII, space and tab is refused.
 */
export function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const raw = headers[name];
  if (raw === undefined) return undefined;
  const v = Array.isArray(raw) ? raw[0]! : raw;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c >= 0x7f) {
      throw new K2vError('InvalidHeaderValue', `invalid value for header ${name}`);
    }
  }
  return v;
}

/** What writeChunk needs of a response, HTTP/1 or HTTP/2. */
interface WritableResponse {
  write(chunk: string | Uint8Array): boolean;
  once(event: 'drain' | 'close', listener: () => void): unknown;
  off(event: 'drain' | 'close', listener: () => void): unknown;
}

/** Writes a chunk, waiting for the client to drain its buffer when it is full (backpressure). */
function writeChunk(res: WritableResponse, chunk: string | Uint8Array): Promise<void> | undefined {
  if (res.write(chunk)) return undefined;
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      res.off('close', onClose);
      resolve();
    };
    const onClose = () => {
      res.off('drain', onDrain);
      reject(new Error('client went away'));
    };
    res.once('drain', onDrain);
    res.once('close', onClose);
  });
}
