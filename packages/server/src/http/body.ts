/**
 * Reading a request body with a size limit (contract section 5, PayloadTooLarge).
 */
import { Http2ServerRequest } from 'node:http2';
import { K2vError } from '../k2v/errors.js';
import type { HttpRequest } from './respond.js';

const EMPTY = Buffer.alloc(0);

/**
 * Reads the whole body, refusing more than `limit` bytes: a declared Content-Length over the
 * limit is refused before anything is read, a body that grows past it as soon as it does.
 */
export function readBody(req: HttpRequest, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    return Promise.reject(tooLarge(limit));
  }
  if (hasNoBody(req, declared)) return Promise.resolve(EMPTY);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err: K2vError | undefined) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
      if (err !== undefined) reject(err);
      else resolve(chunks.length === 0 ? EMPTY : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Keep draining what is already in flight so that the 413 can still be written.
        req.resume();
        finish(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => finish(undefined);
    const onError = () => finish(new K2vError('InvalidRequest', 'error while reading the request body'));
    const onAborted = () => finish(new K2vError('InvalidRequest', 'request aborted'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

/**
 * HTTP/1: no Content-Length (or 0) and no Transfer-Encoding means no body (RFC 9112 6.3), nothing
 * to wait for (most K2V reads); node discards the empty stream after the response. HTTP/2 has no
 * Transfer-Encoding and a body may come without Content-Length: there, only a HEADERS frame that
 * ended the stream says so (RFC 9113 8.1).
 */
function hasNoBody(req: HttpRequest, declared: string | undefined): boolean {
  if (req instanceof Http2ServerRequest) return req.stream.endAfterHeaders || declared === '0';
  return (declared === undefined || declared === '0') && req.headers['transfer-encoding'] === undefined;
}

function tooLarge(limit: number): K2vError {
  return new K2vError('PayloadTooLarge', `request body is larger than the limit of ${limit} bytes`);
}
