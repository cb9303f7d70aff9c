/**
 * An incremental HTTP/1.1 response parser for raw keep-alive sockets: just enough of RFC 9112
 * (status line, Content-Length, chunked bodies, bodiless 1xx/204/304) for the benchmark's own
 * clients, which must cost far less CPU than the servers they measure.
 */

export interface RawResponse {
  readonly status: number;
  /** The header block as received, without the status line (only when bodies are kept). */
  readonly head: string;
  readonly body: Buffer;
}

const EMPTY = Buffer.alloc(0);
const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');

type State = 'head' | 'body' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailer';

export class ResponseParser {
  private buf: Buffer = EMPTY;
  private state: State = 'head';
  private status = 0;
  private head = '';
  private remaining = 0;
  private parts: Buffer[] = [];

  constructor(
    private readonly onResponse: (r: RawResponse) => void,
    private readonly keepBody: boolean,
  ) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    let progressed = true;
    while (progressed && this.buf.length > 0) progressed = this.step();
  }

  private step(): boolean {
    switch (this.state) {
      case 'head': {
        const end = this.buf.indexOf(HEAD_END);
        if (end < 0) return false;
        const raw = this.buf.toString('latin1', 0, end);
        const text = raw.toLowerCase();
        this.buf = this.buf.subarray(end + 4);
        this.status = Number(text.slice(9, 12));
        const lineEnd = text.indexOf('\r\n');
        // Header values keep their case (a causality token is case-sensitive base64url).
        this.head = this.keepBody ? (lineEnd < 0 ? '' : raw.slice(lineEnd + 2)) : '';
        if ((this.status >= 100 && this.status < 200) || this.status === 204 || this.status === 304) {
          if (this.status >= 200) this.emit(EMPTY);
          return true;
        }
        if (/\r\ntransfer-encoding:[^\r]*chunked/.test(text)) {
          this.state = 'chunk-size';
          return true;
        }
        const m = /\r\ncontent-length:\s*(\d+)/.exec(text);
        this.remaining = m === null ? 0 : Number(m[1]);
        if (this.remaining === 0) {
          this.emit(EMPTY);
          return true;
        }
        this.state = 'body';
        return true;
      }
      case 'body': {
        const n = Math.min(this.remaining, this.buf.length);
        if (this.keepBody) this.parts.push(this.buf.subarray(0, n));
        this.buf = this.buf.subarray(n);
        this.remaining -= n;
        if (this.remaining === 0) this.finishBody();
        return true;
      }
      case 'chunk-size': {
        const end = this.buf.indexOf(CRLF);
        if (end < 0) return false;
        const size = parseInt(this.buf.toString('latin1', 0, end), 16);
        this.buf = this.buf.subarray(end + 2);
        if (size === 0) {
          this.state = 'trailer';
        } else {
          this.remaining = size;
          this.state = 'chunk-data';
        }
        return true;
      }
      case 'chunk-data': {
        const n = Math.min(this.remaining, this.buf.length);
        if (this.keepBody) this.parts.push(this.buf.subarray(0, n));
        this.buf = this.buf.subarray(n);
        this.remaining -= n;
        if (this.remaining === 0) this.state = 'chunk-end';
        return true;
      }
      case 'chunk-end': {
        if (this.buf.length < 2) return false;
        this.buf = this.buf.subarray(2);
        this.state = 'chunk-size';
        return true;
      }
      case 'trailer': {
        // No trailers are ever sent to us: the last chunk is followed by an empty line.
        if (this.buf.length < 2) return false;
        this.buf = this.buf.subarray(2);
        this.finishBody();
        return true;
      }
    }
  }

  private finishBody(): void {
    const body = this.parts.length === 0 ? EMPTY : this.parts.length === 1 ? Buffer.from(this.parts[0]!) : Buffer.concat(this.parts);
    this.parts = [];
    this.emit(body);
  }

  private emit(body: Buffer): void {
    this.state = 'head';
    const r: RawResponse = { status: this.status, head: this.head, body };
    this.onResponse(r);
  }
}

/** A header of a kept response (`name` in lower case), or undefined. */
export function headerOf(r: RawResponse, name: string): string | undefined {
  for (const line of r.head.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).toLowerCase() === name) return line.slice(colon + 1).trim();
  }
  return undefined;
}
