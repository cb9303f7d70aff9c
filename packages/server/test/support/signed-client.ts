/**
 * A small SigV4-signed K2V client for load-style tests (crash, disk trouble, soak): keep-alive
 * connections (a bounded pool, like a real client library), requests signed by the independent
 * `aws4` library, and transport failures kept apart from HTTP answers so a caller can tell "the
 * server answered" from "the outcome is unknown" (a killed server).
 *
 * Paths must be plain ASCII the way aws4 signs them faithfully (no `//`, no dot segments, only
 * RFC 3986 characters): callers percent-encode keys with `enc()`.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import aws4 from 'aws4';

export interface SignedClientOptions {
  /** `http://127.0.0.1:<port>` of the K2V API. */
  readonly url: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region?: string;
  /** Most sockets kept open to the server (default 16). */
  readonly maxSockets?: number;
  /** Per-request guard, ms (default 60 000): a timeout is a transport failure. */
  readonly timeoutMs?: number;
}

export interface K2vRequest {
  readonly method?: string;
  /** Request target, already percent-encoded: `/bucket/pk?sort_key=x`. */
  readonly path: string;
  readonly body?: Buffer | string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface K2vResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/** The request never got an HTTP answer (refused, reset, timed out): its effect is unknown. */
export class TransportError extends Error {
  override name = 'TransportError';
}

export class SignedClient {
  private readonly agent: http.Agent;
  private readonly host: string;
  private readonly port: number;
  private readonly region: string;
  private readonly timeoutMs: number;

  constructor(private readonly opts: SignedClientOptions) {
    const u = new URL(opts.url);
    this.host = u.hostname;
    this.port = Number(u.port);
    this.region = opts.region ?? 'garage';
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    // With a timeout, node's agent closes idle sockets a second before the server's announced
    // `Keep-Alive: timeout=N` (without one it ignores the hint, and reusing a socket the server
    // is closing at that instant gives ECONNRESET).
    this.agent = new http.Agent({ keepAlive: true, maxSockets: opts.maxSockets ?? 16, timeout: this.timeoutMs });
  }

  request(req: K2vRequest): Promise<K2vResponse> {
    const method = req.method ?? 'GET';
    const body = req.body === undefined ? undefined : Buffer.from(req.body);
    const headers: Record<string, string> = { host: `${this.host}:${this.port}`, ...(req.headers ?? {}) };
    if (body !== undefined) headers['content-length'] = String(body.length);
    const amzDate = new Date().toISOString().replace(/[:-]|\.\d{3}/g, '');
    headers['x-amz-date'] = amzDate;
    // A real body hash: the server checks it, so a body cut or mangled in transit cannot land.
    headers['x-amz-content-sha256'] = createHash('sha256').update(body ?? '').digest('hex');
    const signer = new aws4.RequestSigner(
      { method, path: req.path, headers, service: 'k2v', region: this.region, body: body ?? '', doNotModifyHeaders: true },
      { accessKeyId: this.opts.accessKeyId, secretAccessKey: this.opts.secretAccessKey },
    );
    // doNotModifyHeaders keeps aws4 from reading x-amz-date: give it the same clock.
    signer.datetime = amzDate;
    signer.sign();
    const signed: Record<string, string> = {};
    for (const [k, v] of Object.entries(signer.request.headers ?? {})) {
      if (v !== undefined) signed[k] = String(v);
    }
    return this.send(method, req.path, signed, body, req.timeoutMs ?? this.timeoutMs, req.signal);
  }

  /** Closes the kept-alive sockets. */
  close(): void {
    this.agent.destroy();
  }

  private send(
    method: string,
    path: string,
    headers: Record<string, string>,
    body: Buffer | undefined,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<K2vResponse> {
    return new Promise((resolve, reject) => {
      const req = http.request({
        host: this.host,
        port: this.port,
        method,
        path,
        headers,
        agent: this.agent,
        setHost: false,
        ...(signal ? { signal } : {}),
      });
      const fail = (err: unknown) => reject(new TransportError(`${method} ${path}: ${err instanceof Error ? err.message : String(err)}`));
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', fail);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', fail);
        res.on('aborted', () => fail(new Error('response aborted')));
        res.on('end', () => {
          if (!res.complete) return fail(new Error('response cut short'));
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
        });
      });
      req.end(body);
    });
  }
}

/** Percent-encodes a key for a path or query component (every byte but A-Za-z0-9-_.~). */
export function enc(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/** The response's causality token header, or undefined. */
export function tokenOf(res: K2vResponse): string | undefined {
  const v = res.headers['x-garage-causality-token'];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function describe(res: K2vResponse): string {
  return `${res.status} ${res.body.toString('utf8').slice(0, 300)}`;
}
