/**
 * HTTP/1.1 over a bare TCP socket, for requests node's own client refuses to send (unknown method
 * tokens, control bytes in headers, contradictory Content-Length, truncated bodies): the request
 * is serialised byte for byte, and the server's answers are parsed back from the raw stream.
 */
import net from 'node:net';

export interface RawRequest {
  method: string;
  /** The request target exactly as sent (`/bucket/pk?sort_key=x`). */
  target: string;
  /** Default `HTTP/1.1`. */
  version?: string;
  /** In order; names and values are written as latin1 bytes, unchecked. */
  headers: [string, string][];
  body?: Buffer;
  /** Sent instead of the serialised request (request line, headers and body). */
  raw?: Buffer;
  /**
   * 'wait' (default): wait for the server to close the connection (requests carry
   * `Connection: close`). 'half-close': end our side right after sending (a truncated body).
   */
  ending?: 'wait' | 'half-close';
}

export interface RawResponse {
  readonly status: number;
  /** Lower-case names; a repeated header keeps every value. */
  readonly headers: Readonly<Record<string, string[]>>;
  readonly body: Buffer;
}

export interface RawExchange {
  readonly responses: RawResponse[];
  /** Bytes after the last complete response (a response cut short). */
  readonly trailing: Buffer;
  /** A socket error (ECONNRESET when the server drops the connection). */
  readonly error: string | undefined;
}

export function header(res: RawResponse, name: string): string | undefined {
  return res.headers[name.toLowerCase()]?.[0];
}

export function serialize(req: RawRequest): Buffer {
  if (req.raw !== undefined) return req.raw;
  let head = `${req.method} ${req.target} ${req.version ?? 'HTTP/1.1'}\r\n`;
  for (const [k, v] of req.headers) head += `${k}: ${v}\r\n`;
  head += '\r\n';
  return Buffer.concat([Buffer.from(head, 'latin1'), req.body ?? Buffer.alloc(0)]);
}

export interface Endpoint {
  readonly host: string;
  readonly port: number;
  /** Source address (any 127.x.y.z on Linux loopback), to test per-address limits. */
  readonly localAddress?: string;
}

/** Sends one raw request and collects everything the server answers until it closes. */
export function exchange(to: Endpoint, req: RawRequest, timeoutMs = 20_000): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: to.host, port: to.port, ...(to.localAddress ? { localAddress: to.localAddress } : {}) });
    const chunks: Buffer[] = [];
    let error: string | undefined;
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      socket.destroy();
      reject(new Error(`no end of exchange within ${timeoutMs} ms: ${req.method} ${req.target.slice(0, 200)}`));
    }, timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      error = err.code ?? err.message;
    });
    socket.on('close', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const parsed = parseResponses(Buffer.concat(chunks), req.method === 'HEAD');
      resolve({ ...parsed, error });
    });
    socket.on('connect', () => {
      socket.write(serialize(req), () => {
        if (req.ending === 'half-close') socket.end();
      });
    });
  });
}

/**
 * Parses consecutive HTTP/1.1 responses. Bodies are delimited by Content-Length, by chunked
 * encoding, or (neither) by the end of the stream; 1xx, 204, 304 and HEAD answers have none.
 */
export function parseResponses(data: Buffer, head: boolean): { responses: RawResponse[]; trailing: Buffer } {
  const responses: RawResponse[] = [];
  let pos = 0;
  for (;;) {
    const end = data.indexOf('\r\n\r\n', pos, 'latin1');
    if (end < 0) break;
    const lines = data.subarray(pos, end).toString('latin1').split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(lines[0] ?? '');
    if (m === null) break;
    const status = Number(m[1]);
    const headers: Record<string, string[]> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      (headers[name] ??= []).push(line.slice(colon + 1).trim());
    }
    let bodyStart = end + 4;
    let body: Buffer;
    const length = headers['content-length']?.[0];
    if (head || status < 200 || status === 204 || status === 304) {
      body = Buffer.alloc(0);
    } else if (headers['transfer-encoding']?.[0]?.toLowerCase() === 'chunked') {
      const decoded = dechunk(data, bodyStart);
      if (decoded === undefined) break;
      body = decoded.body;
      bodyStart = decoded.end;
    } else if (length !== undefined) {
      const n = Number(length);
      if (bodyStart + n > data.length) break;
      body = data.subarray(bodyStart, bodyStart + n);
      bodyStart += n;
    } else {
      body = data.subarray(bodyStart);
      bodyStart = data.length;
    }
    if (status >= 200) responses.push({ status, headers, body });
    pos = bodyStart;
  }
  return { responses, trailing: data.subarray(pos) };
}

function dechunk(data: Buffer, from: number): { body: Buffer; end: number } | undefined {
  const parts: Buffer[] = [];
  let pos = from;
  for (;;) {
    const eol = data.indexOf('\r\n', pos, 'latin1');
    if (eol < 0) return undefined;
    const size = parseInt(data.subarray(pos, eol).toString('latin1').split(';')[0] ?? '', 16);
    if (!Number.isFinite(size)) return undefined;
    pos = eol + 2;
    if (size === 0) {
      const trailerEnd = data.indexOf('\r\n', pos, 'latin1');
      return trailerEnd < 0 ? undefined : { body: Buffer.concat(parts), end: trailerEnd + 2 };
    }
    if (pos + size + 2 > data.length) return undefined;
    parts.push(data.subarray(pos, pos + size));
    pos += size + 2;
  }
}
