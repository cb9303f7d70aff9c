/**
 * Signing raw requests with the independent `aws4` library (header form and presigned URLs), so
 * that a hostile request is derived from one that the server would accept.
 */
import { createHash } from 'node:crypto';
import aws4 from 'aws4';
import type { RawRequest } from './raw-http.js';

export interface Creds {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface SignOptions {
  readonly creds: Creds;
  readonly region: string;
  /** Default 'k2v'. */
  readonly service?: string;
  /** Default now. */
  readonly date?: Date;
  /** 'header' (default): hex SHA-256 of the body; 'none': no header; 'unsigned': UNSIGNED-PAYLOAD. */
  readonly contentSha256?: 'header' | 'none' | 'unsigned';
  /** Presigned URL (query) form; `expires` seconds go into X-Amz-Expires. */
  readonly presign?: { readonly expires: number };
}

export interface Unsigned {
  readonly method: string;
  readonly target: string;
  /** `host` is added; names as given. */
  readonly headers?: Record<string, string>;
  readonly body?: Buffer;
}

export const sha256Hex = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

export function amzDate(d: Date): string {
  return d.toISOString().replace(/[:-]|\.\d{3}/g, '');
}

/**
 * A signed request ready to send: every signed header, then `content-length` when there is a
 * body and `connection: close` (neither signed, as most SDKs do).
 */
export function sign(host: string, req: Unsigned, opts: SignOptions): RawRequest {
  const body = req.body ?? Buffer.alloc(0);
  const headers: Record<string, string> = { host, ...(req.headers ?? {}) };
  const mode = opts.contentSha256 ?? 'header';
  if (mode === 'header' && opts.presign === undefined) headers['x-amz-content-sha256'] = sha256Hex(body);
  if (mode === 'unsigned') headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
  const date = amzDate(opts.date ?? new Date());
  let target = req.target;
  if (opts.presign !== undefined) {
    target += `${target.includes('?') ? '&' : '?'}X-Amz-Expires=${opts.presign.expires}`;
  } else {
    headers['x-amz-date'] = date;
  }
  const signer = new aws4.RequestSigner(
    {
      method: req.method,
      path: target,
      headers,
      service: opts.service ?? 'k2v',
      region: opts.region,
      body,
      doNotModifyHeaders: true,
      ...(opts.presign !== undefined ? { signQuery: true } : {}),
    },
    opts.creds,
  );
  // doNotModifyHeaders also stops aws4 from reading x-amz-date: give it the same clock.
  signer.datetime = date;
  signer.sign();
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(signer.request.headers ?? {})) {
    if (v !== undefined) out.push([k.toLowerCase(), String(v)]);
  }
  if (req.body !== undefined) out.push(['content-length', String(body.length)]);
  out.push(['connection', 'close']);
  // aws4 re-serialises the query it signs; the header form sends the target exactly as given.
  const sent = opts.presign !== undefined ? (signer.request.path ?? target) : target;
  return { method: req.method, target: sent, headers: out, body };
}

/** The same request with no signature at all (and `connection: close`). */
export function unsigned(host: string, req: Unsigned): RawRequest {
  const out: [string, string][] = [['host', host]];
  for (const [k, v] of Object.entries(req.headers ?? {})) out.push([k.toLowerCase(), v]);
  if (req.body !== undefined) out.push(['content-length', String(req.body.length)]);
  out.push(['connection', 'close']);
  return { method: req.method, target: req.target, headers: out, body: req.body ?? Buffer.alloc(0) };
}

/** The first value of a header of a raw request. */
export function getHeader(req: RawRequest, name: string): string | undefined {
  return req.headers.find(([k]) => k.toLowerCase() === name)?.[1];
}

/** A copy with header `name` set (replaced in place, or appended before `connection`). */
export function setHeader(req: RawRequest, name: string, value: string): RawRequest {
  const headers = req.headers.map((h): [string, string] => [h[0], h[1]]);
  const i = headers.findIndex(([k]) => k.toLowerCase() === name);
  if (i >= 0) headers[i] = [headers[i]![0], value];
  else headers.splice(Math.max(0, headers.length - 1), 0, [name, value]);
  return { ...req, headers };
}

export function removeHeader(req: RawRequest, name: string): RawRequest {
  return { ...req, headers: req.headers.filter(([k]) => k.toLowerCase() !== name) };
}

/** Replaces the body and fixes content-length (which is not signed). */
export function withBody(req: RawRequest, body: Buffer): RawRequest {
  return { ...setHeader(req, 'content-length', String(body.length)), body };
}
