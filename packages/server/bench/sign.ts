/**
 * Raw HTTP/1.1 requests, signed up front with the `aws4` library (SigV4 requests stay valid for
 * the server's 15-minute window, so a file of them can be replayed by any load generator).
 */
import { createHash } from 'node:crypto';
import aws4 from 'aws4';

export interface Target {
  readonly host: string;
  readonly port: number;
}

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface RequestSpec {
  readonly method: string;
  /** Raw request target, already percent-encoded. */
  readonly path: string;
  readonly body?: string | Buffer;
  readonly headers?: Record<string, string>;
}

const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');

/** Serialises a request; `headers` must not hold Host or Content-Length. */
export function rawRequest(target: Target, spec: RequestSpec, headers: Record<string, string>): Buffer {
  const body = spec.body === undefined ? undefined : Buffer.from(spec.body);
  let head = `${spec.method} ${spec.path} HTTP/1.1\r\nHost: ${target.host}:${target.port}\r\n`;
  for (const [k, v] of Object.entries(headers)) {
    const lower = k.toLowerCase();
    if (lower === 'host' || lower === 'content-length') continue;
    head += `${k}: ${v}\r\n`;
  }
  if (body !== undefined) head += `Content-Length: ${body.length}\r\n`;
  head += '\r\n';
  return body === undefined ? Buffer.from(head, 'latin1') : Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

/**
 * A SigV4-signed raw request (header form, `x-amz-content-sha256` sent as the Rust k2v-client
 * does), for the K2V service of `region`.
 */
export class K2vSigner {
  constructor(
    readonly target: Target,
    private readonly creds: Credentials,
    private readonly region: string,
  ) {}

  headers(spec: RequestSpec): Record<string, string> {
    const body = spec.body === undefined ? undefined : Buffer.from(spec.body);
    const headers: Record<string, string> = {
      ...(spec.headers ?? {}),
      'x-amz-content-sha256': body === undefined ? EMPTY_SHA256 : createHash('sha256').update(body).digest('hex'),
    };
    // Else aws4 adds a form Content-Type to every request with a body (the server ignores it).
    if (body !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/octet-stream';
    // aws4 adds X-Amz-Date (now) and Content-Length, and signs them with Host.
    const signed = aws4.sign(
      {
        host: `${this.target.host}:${this.target.port}`,
        method: spec.method,
        path: spec.path,
        service: 'k2v',
        region: this.region,
        headers,
        body: body ?? '',
      },
      this.creds,
    );
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(signed.headers ?? {})) if (v !== undefined) out[k] = String(v);
    return out;
  }

  raw(spec: RequestSpec): Buffer {
    return rawRequest(this.target, spec, this.headers(spec));
  }
}

/** Percent-encodes a key for a path or query component (every byte but A-Za-z0-9-_.~). */
export function enc(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}
