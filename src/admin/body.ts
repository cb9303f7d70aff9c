/**
 * Reading an admin request body: at most `limit` bytes (413 PayloadTooLarge beyond, decided from
 * Content-Length when it is announced), then strict JSON: valid UTF-8, no byte-order mark, one
 * value (400 InvalidRequest otherwise, as Garage's serde parse).
 */
import type { IncomingMessage } from 'node:http';
import { adminError, badRequest } from './errors.js';

export const ADMIN_BODY_LIMIT = 1024 * 1024;

function tooLarge(limit: number) {
  return adminError('PayloadTooLarge', `Request body larger than ${limit} bytes`);
}

/**
 * Collects the body. Past the limit the rest is drained unread (not destroyed, so that the 413
 * can still be sent); the caller should close the connection after answering.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const announced = req.headers['content-length'];
  if (announced !== undefined && Number(announced) > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      cleanup();
      req.resume();
      reject(tooLarge(limit));
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function parseJson(body: Uint8Array): unknown {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw badRequest('Invalid JSON: invalid UTF-8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw badRequest(`Invalid JSON: ${err instanceof Error ? err.message : 'parse error'}`);
  }
}
