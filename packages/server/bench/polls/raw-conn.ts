/**
 * One keep-alive HTTP/1.1 connection for the poll workloads: thousands of them are held open by
 * the orchestrator at once, so they are plain sockets with the benchmark's small parser rather
 * than node:http clients. One request in flight at a time.
 */
import net from 'node:net';
import { ResponseParser, type RawResponse } from '../load/response-parser.js';
import type { Target } from '../sign.js';

export class RawConn {
  private pending: { resolve: (r: RawResponse) => void; reject: (e: Error) => void } | undefined;
  private closed = false;
  /** process.hrtime.bigint() when the last response was complete. */
  lastResponseAt = 0n;

  private constructor(private readonly socket: net.Socket) {
    const parser = new ResponseParser((r) => {
      this.lastResponseAt = process.hrtime.bigint();
      const p = this.pending;
      this.pending = undefined;
      p?.resolve(r);
    }, true);
    socket.on('data', (c: Buffer) => parser.push(c));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      const p = this.pending;
      this.pending = undefined;
      p?.reject(new Error('connection closed'));
    });
  }

  static open(target: Target): Promise<RawConn> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: target.host, port: target.port, noDelay: true });
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawConn(socket));
      });
      socket.once('error', reject);
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Sends one request; resolves with its response (rejects if the connection closes first). */
  request(raw: Buffer): Promise<RawResponse> {
    if (this.pending !== undefined) return Promise.reject(new Error('a request is already in flight'));
    if (this.closed) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.socket.write(raw);
    });
  }

  /** Abandons the connection as a crashed or impatient client does: a TCP reset, no TIME_WAIT. */
  reset(): void {
    if (this.closed) return;
    this.closed = true;
    // Whoever abandons the connection no longer waits for its answer.
    this.pending = undefined;
    this.socket.resetAndDestroy();
  }

  close(): void {
    this.closed = true;
    this.pending = undefined;
    this.socket.destroy();
  }
}

/** Opens `n` connections, at most `parallel` connects at a time (the listen backlog is finite). */
export async function openMany(target: Target, n: number, parallel = 256): Promise<RawConn[]> {
  const out: RawConn[] = [];
  for (let i = 0; i < n; i += parallel) {
    const batch = await Promise.all(Array.from({ length: Math.min(parallel, n - i) }, () => RawConn.open(target)));
    out.push(...batch);
  }
  return out;
}
