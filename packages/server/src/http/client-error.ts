/**
 * Requests that node's HTTP parser refuses before any handler runs (unknown method, malformed
 * request line, oversized headers, slow clients): answered with the contract's JSON error
 * (section 5) instead of node's bare `400 Bad Request`, then the connection is closed.
 */
import type { Duplex } from 'node:stream';
import { K2vError } from '../k2v/errors.js';
import { errorBody } from './errors.js';

interface ParserError extends Error {
  code?: string;
  rawPacket?: Buffer;
}

/** `path`: the request's path when known (a request in flight whose body failed). */
export function answerClientError(err: ParserError, socket: Duplex, region: string, path?: string): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'request headers too large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'request not received in time']
        : err.code === 'HPE_INVALID_METHOD'
          ? [400, 'unknown HTTP method']
          : [400, 'malformed HTTP request'];
  const body = errorBody(new K2vError('InvalidRequest', message), region, path ?? requestPath(err.rawPacket));
  socket.end(
    `HTTP/1.1 ${status} ${status === 400 ? 'Bad Request' : status === 408 ? 'Request Timeout' : 'Request Header Fields Too Large'}\r\n` +
      'content-type: application/json\r\n' +
      `content-length: ${Buffer.byteLength(body)}\r\n` +
      'connection: close\r\n\r\n' +
      body,
  );
}

/** The path of the request line (`FOO /b/pk?x HTTP/1.1` -> `/b/pk`), if it can be read. */
function requestPath(raw: Buffer | undefined): string {
  if (raw === undefined) return '';
  const line = raw.subarray(0, Math.min(raw.length, 8192)).toString('latin1').split('\r\n', 1)[0] ?? '';
  const target = line.split(' ')[1] ?? '';
  const q = target.indexOf('?');
  return q < 0 ? target : target.slice(0, q);
}
