/**
 * Writing responses: every response carries the context's extra (CORS) headers.
 */
import type { ServerResponse } from 'node:http';
import { K2vError } from '../k2v/errors.js';
import type { HandlerContext } from './context.js';
import { endLater } from './end-later.js';

export const JSON_TYPE = 'application/json';
export const BINARY_TYPE = 'application/octet-stream';
export const TOKEN_HEADER = 'x-garage-causality-token';

export function send(
  ctx: Pick<HandlerContext, 'res' | 'extraHeaders'>,
  status: number,
  headers: Record<string, string>,
  body?: string | Uint8Array,
): void {
  const res = ctx.res;
  for (const k in ctx.extraHeaders) res.setHeader(k, ctx.extraHeaders[k]!);
  if (body !== undefined) {
    const len = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
    res.writeHead(status, { ...headers, 'content-length': String(len) });
    endLater(res, body);
  } else {
    res.writeHead(status, headers);
    endLater(res);
  }
}

export function sendJson(ctx: Pick<HandlerContext, 'res' | 'extraHeaders'>, status: number, json: string): void {
  send(ctx, status, { 'content-type': JSON_TYPE }, json);
}

export function sendNoContent(ctx: Pick<HandlerContext, 'res' | 'extraHeaders'>): void {
  send(ctx, 204, {});
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

/** Writes a chunk, waiting for the socket to drain when its buffer is full (backpressure). */
export function writeChunk(res: ServerResponse, chunk: string | Uint8Array): Promise<void> | undefined {
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
