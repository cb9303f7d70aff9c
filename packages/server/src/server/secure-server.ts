/**
 * A TLS listener offering HTTP/2 by ALPN next to HTTP/1.1, with the guards of http-guards.ts.
 *
 * HTTP/1.1 over TLS runs node:http's connection handling, so every HTTP/1 guard applies to it
 * unchanged (timeouts, header size, the contract's JSON for parse errors, CONNECT, Expect). On
 * HTTP/2, where one connection carries many requests, they become:
 * - header size: checked here per request (nghttp2 does not enforce its advertised limit), 431
 *   with the contract's JSON on that stream;
 * - request timeout: a request whose body is not complete in `requestTimeoutMs` gets 408 JSON
 *   (or its stream reset if its answer had begun); HTTP/2 has no separate headers timeout, the
 *   HEADERS frame comes whole;
 * - send timeout: a session with no traffic for `sendTimeoutMs` is closed unless one of its
 *   requests is still being prepared (a long poll waiting); one whose client stopped reading an
 *   answer is destroyed;
 * - connection caps count TCP connections, as on HTTP/1, and `MAX_STREAMS` bounds the requests
 *   in flight on one connection;
 * - the TLS handshake must end within `headersTimeoutMs`.
 * Certificate and key are read again by `reload()` (SIGHUP): new connections get the new pair,
 * open ones keep theirs.
 */
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import http from 'node:http';
import { createSecureServer, Http2ServerRequest, Http2ServerResponse, type Http2SecureServer, type ServerHttp2Session } from 'node:http2';
import type { Logger } from 'pino';
import type { TlsFiles } from '../config/config.js';
import type { ConnectionLimits } from '../config/limits.js';
import { ChurnSet } from '../k2v/churn-set.js';
import { K2vError } from '../k2v/errors.js';
import { errorBody } from '../http/errors.js';
import { discardBody, respond } from '../http/respond.js';
import { guardServer, httpServerOptions } from './http-guards.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Requests in flight on one HTTP/2 connection (SETTINGS_MAX_CONCURRENT_STREAMS). */
export const MAX_STREAMS = 256;

export interface SecureListener {
  readonly server: Http2SecureServer;
  /** Reads certificate and key again; throws (keeping the old pair) if they are unusable. */
  reload(): void;
  /** Closes idle connections and asks HTTP/2 clients to go away once their requests are done. */
  closeIdle(): void;
}

/** Reads the pair; the error names the file and why, for a one-line start-up failure. */
export function readTlsFiles(tls: TlsFiles): { cert: Buffer; key: Buffer } {
  const read = (file: string, what: string) => {
    try {
      return fs.readFileSync(file);
    } catch (err) {
      throw new Error(`cannot read the TLS ${what} file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  };
  return { cert: read(tls.certFile, 'certificate'), key: read(tls.keyFile, 'key') };
}

export function createSecureListener(
  handler: Handler,
  limits: ConnectionLimits,
  region: string,
  log: Logger,
  what: string,
  tls: TlsFiles,
): SecureListener {
  const server = createSecureServer({
    ...readTlsFiles(tls),
    allowHTTP1: true,
    handshakeTimeout: limits.headersTimeoutMs,
    settings: { maxConcurrentStreams: MAX_STREAMS, maxHeaderListSize: limits.maxHeaderBytes },
  });
  // node:http's connection handling reads these from the server for the HTTP/1.1 fallback.
  Object.assign(server, httpServerOptions(limits));

  const sessions = new Set<ServerHttp2Session>();
  // Each session's open responses: a ChurnSet, not a Set, for a Set that a long session's streams
  // come and go through keeps every finished one alive through young-generation GCs
  // (k2v/churn-set.ts).
  const inflight = new WeakMap<ServerHttp2Session, ChurnSet<Http2ServerResponse>>();
  server.on('session', (session: ServerHttp2Session) => {
    sessions.add(session);
    inflight.set(session, new ChurnSet());
    session.on('close', () => sessions.delete(session));
    // A client's protocol error ends its session; nothing to log for each.
    session.on('error', () => session.destroy());
  });

  const h2: Handler = (req, res) => {
    if (!(req instanceof Http2ServerRequest) || !(res instanceof Http2ServerResponse)) {
      handler(req, res);
      return;
    }
    const session = req.stream.session as ServerHttp2Session | undefined;
    if (session !== undefined) {
      const open = inflight.get(session);
      if (open !== undefined) {
        const entry = open.add(res);
        res.once('close', () => open.delete(entry));
      }
    }
    if (headerBytes(req.rawHeaders) > limits.maxHeaderBytes) {
      refuse(res, 431, 'request headers too large', req.url);
      return;
    }
    // A request without a body is complete with its HEADERS frame (a long poll may then wait far
    // longer than the request timeout); one with a body must deliver it in time.
    if (!req.stream.endAfterHeaders) {
      const timer = setTimeout(() => {
        if (req.readableEnded) return;
        if (res.headersSent) res.stream.close();
        else {
          refuse(res, 408, 'request not received in time', req.url);
          discardBody({ req, res, extraHeaders: {} });
        }
      }, limits.requestTimeoutMs);
      const clear = () => clearTimeout(timer);
      req.once('end', clear);
      res.once('close', clear);
    }
    handler(req as unknown as IncomingMessage, res as unknown as ServerResponse);
  };

  const onSessionTimeout = (target: unknown): boolean => {
    const session = target as ServerHttp2Session;
    if (!sessions.has(session)) return false;
    const open = inflight.get(session)?.values() ?? [];
    if (open.some((r) => !r.headersSent && !r.writableEnded)) {
      // Still preparing an answer (a long poll): keep the session and look again later.
      session.setTimeout(limits.sendTimeoutMs);
    } else if (open.some((r) => !r.writableEnded)) {
      session.destroy();
    } else {
      session.close();
    }
    return true;
  };

  guardServer(server, h2, limits, region, log, what, onSessionTimeout);
  server.on('tlsClientError', () => undefined);

  return {
    server,
    reload() {
      server.setSecureContext(readTlsFiles(tls));
    },
    closeIdle() {
      for (const s of sessions) s.close();
      // The HTTP/1.1 fallback keeps node:http's connection list.
      http.Server.prototype.closeIdleConnections.call(server as unknown as http.Server);
    },
  };

  function refuse(res: Http2ServerResponse, status: number, message: string, url: string): void {
    const q = url.indexOf('?');
    const body = errorBody(new K2vError('InvalidRequest', message), region, q < 0 ? url : url.slice(0, q));
    respond({ req: res.req, res, extraHeaders: {} }, status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }, body);
  }
}

/** Header list size as HTTP/2 counts it (RFC 9113 6.5.2): name + value + 32 per field. */
function headerBytes(raw: readonly string[]): number {
  let n = 0;
  for (let i = 0; i < raw.length; i++) n += raw[i]!.length;
  return n + 16 * raw.length;
}
