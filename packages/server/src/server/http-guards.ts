/**
 * A node:http listener protected from slow, greedy and broken clients (README "Limits"): the
 * timeouts and header size of `ConnectionLimits`, a global and a per-address connection cap, and
 * the contract's JSON errors for what node would otherwise answer itself with a bare status
 * (CONNECT, a missing Host, an unknown Expect) or get wrong (a parse error while a response is
 * still being prepared on the same connection).
 */
import { createServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import { Http2ServerRequest, Http2ServerResponse, type Http2SecureServer } from 'node:http2';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { ConnectionLimits } from '../config/limits.js';
import { K2vError } from '../k2v/errors.js';
import { answerClientError } from '../http/client-error.js';
import { errorBody } from '../http/errors.js';
import { respond } from '../http/respond.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;


export function httpServerOptions(limits: ConnectionLimits): ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    // node refuses a request timeout shorter than the headers timeout
    requestTimeout: Math.max(limits.requestTimeoutMs, limits.headersTimeoutMs),
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    maxHeaderSize: limits.maxHeaderBytes,
    // node enforces both timeouts by polling its connections on this period (default 30 s,
    // which would let a slow client stay twice as long as configured)
    connectionsCheckingInterval: Math.min(5_000, Math.max(100, Math.floor(limits.headersTimeoutMs / 4))),
    // Without Host, node answers a bare 400; the handler answers the contract's 403 instead
    // (a signed request must sign Host anyway).
    requireHostHeader: false,
  };
}

export function createGuardedServer(handler: Handler, limits: ConnectionLimits, region: string, log: Logger, what: string): Server {
  return guardServer(createServer(httpServerOptions(limits)), handler, limits, region, log, what);
}

/**
 * Wires the guards into a listener that speaks HTTP/1 (node:http's, or an HTTP/2 TLS server's
 * HTTP/1.1 fallback, which runs node:http's connection handling) and attaches the handler.
 * `onTimeout` decides for what is not an HTTP/1 socket (an HTTP/2 session).
 */
export function guardServer<S extends Server | Http2SecureServer>(
  server: S,
  handler: Handler,
  limits: ConnectionLimits,
  region: string,
  log: Logger,
  what: string,
  onTimeout?: (target: unknown) => boolean,
): S {
  // The response being prepared on each connection: a parse error on a connection (the next
  // pipelined request is garbage, the body is cut or too slow) must not be answered in its place.
  const inflight = new WeakMap<Duplex, ServerResponse>();
  const tracked = (req: IncomingMessage, res: ServerResponse) => {
    if (!(req instanceof Http2ServerRequest)) {
      inflight.set(req.socket, res);
      // node resets a kept-alive socket's timeout to 0 for its next request: re-arm it per request
      req.socket.setTimeout(limits.sendTimeoutMs);
    }
    handler(req, res);
  };
  server.on('request', tracked);
  // With a 'timeout' listener, node leaves idle sockets to us (keep-alive timeout included).
  // (node:http2 types the callback without its argument: the socket, or the HTTP/2 session.)
  (server as { setTimeout(ms: number, cb: (target: unknown) => void): unknown }).setTimeout(limits.sendTimeoutMs, (target: unknown) => {
    if (onTimeout?.(target) === true) return;
    const socket = target as Duplex;
    const res = inflight.get(socket);
    // A handler still preparing its answer (a long poll waiting) keeps the connection; a response
    // the client has stopped reading, or an idle connection, is closed.
    if (res !== undefined && !res.headersSent && !res.writableEnded) return;
    socket.destroy();
  });
  server.on('clientError', (err: Error & { code?: string }, socket: Duplex) => {
    const res = inflight.get(socket);
    if (res !== undefined && !res.writableEnded && res.req.complete) {
      // A complete request is still being answered: let it finish, then close (what follows it
      // cannot be parsed, and answering that first would hand its error to the earlier request).
      if (!res.headersSent) res.setHeader('connection', 'close');
      res.once('finish', () => {
        socket.end();
        destroyLater(socket);
      });
      return;
    }
    // Nothing in flight, or the request in flight is the broken one (body cut short or too slow).
    answerClientError(err, socket, region, res !== undefined && !res.writableEnded ? pathOf(res.req.url ?? '') : undefined);
    destroyLater(socket);
  });
  const warn = throttledWarning(log, what);
  server.maxConnections = limits.maxConnections;
  server.on('drop', () => warn('connection refused: maxConnections reached', { maxConnections: limits.maxConnections }));
  if (limits.maxConnectionsPerIp > 0) capPerAddress(server, limits.maxConnectionsPerIp, warn);
  // Garage (hyper) ignores expectations it does not know; node would answer a bare 417.
  server.on('checkExpectation', tracked);
  server.on('connect', (req: IncomingMessage | Http2ServerRequest, socket: Duplex | Http2ServerResponse) => {
    const body = errorBody(new K2vError('InvalidRequest', 'unknown method: CONNECT'), region, pathOf(req.url ?? ''));
    if (socket instanceof Http2ServerResponse) {
      // On HTTP/2, CONNECT is a stream of its own: answered there, the connection stays.
      respond({ req, res: socket, extraHeaders: {} }, 400, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }, body);
      return;
    }
    socket.on('error', () => socket.destroy());
    socket.end(
      'HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\n' +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
  // Once listening, a listener error (e.g. EMFILE on accept) must be logged, not crash the
  // process; before, start-up reports it.
  server.on('error', (err: Error) => {
    if (server.listening) log.error({ err, listener: what }, 'listener error');
  });
  return server;
}

/**
 * A connection answered with an error and ended on our side is destroyed shortly after, even if
 * the client never closes its side (a slow client ignoring a 408 would otherwise keep it open).
 * The delay lets the answer reach a client that is still sending.
 */
function destroyLater(socket: Duplex): void {
  if (socket.destroyed) return;
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

const LINGER_MS = 2_000;

function capPerAddress(server: Server | Http2SecureServer, cap: number, warn: (msg: string, extra: object) => void): void {
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress;
    if (address === undefined) return;
    const n = (open.get(address) ?? 0) + 1;
    open.set(address, n);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
    if (n > cap) {
      warn('connection refused: maxConnectionsPerIp reached', { address, maxConnectionsPerIp: cap });
      socket.destroy();
    }
  });
}

/** One warning per reason every 10 s: a flood of refused connections must not flood the log. */
function throttledWarning(log: Logger, what: string): (msg: string, extra: object) => void {
  const last = new Map<string, number>();
  return (msg, extra) => {
    const now = Date.now();
    if (now - (last.get(msg) ?? -Infinity) < 10_000) return;
    last.set(msg, now);
    log.warn({ listener: what, ...extra }, msg);
  };
}

function pathOf(target: string): string {
  const q = target.indexOf('?');
  return q < 0 ? target : target.slice(0, q);
}
