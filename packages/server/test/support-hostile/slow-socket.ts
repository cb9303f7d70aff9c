/**
 * Slow clients on raw sockets: a connection that trickles bytes (or nothing) and records when
 * the server answers and closes it.
 */
import net from 'node:net';
import { parseResponses, type RawResponse } from './raw-http.js';

export interface SlowClient {
  readonly socket: net.Socket;
  readonly openedAt: number;
  /** Resolves when the connection is closed (by either side), with the time and what was received. */
  readonly closed: Promise<{ at: number; responses: RawResponse[]; bytes: number; error: string | undefined }>;
  /** True once the TCP connection is established. */
  connected(): boolean;
  /** Stops trickling and closes our side. */
  stop(): void;
}

export interface SlowOptions {
  readonly host: string;
  readonly port: number;
  readonly localAddress?: string;
  /** Sent at once after connecting. */
  readonly head?: Buffer;
  /** Then one chunk of this every `everyMs` (forever, until the server closes or `stop()`). */
  readonly drip?: Buffer;
  readonly everyMs?: number;
  /** Keep our side open after the server ends its side (a client ignoring the answer). */
  readonly allowHalfOpen?: boolean;
}

export function slowClient(o: SlowOptions): SlowClient {
  const socket = net.connect({
    host: o.host,
    port: o.port,
    allowHalfOpen: o.allowHalfOpen ?? false,
    ...(o.localAddress ? { localAddress: o.localAddress } : {}),
  });
  const openedAt = Date.now();
  const chunks: Buffer[] = [];
  let error: string | undefined;
  let isConnected = false;
  let timer: NodeJS.Timeout | undefined;
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.on('error', (err: NodeJS.ErrnoException) => {
    error = err.code ?? err.message;
  });
  socket.on('connect', () => {
    isConnected = true;
    if (o.head !== undefined) socket.write(o.head);
    if (o.drip !== undefined) {
      timer = setInterval(() => {
        if (!socket.destroyed && socket.writable) socket.write(o.drip!);
      }, o.everyMs ?? 200);
    }
  });
  const closed = new Promise<{ at: number; responses: RawResponse[]; bytes: number; error: string | undefined }>((resolve) => {
    socket.on('close', () => {
      if (timer !== undefined) clearInterval(timer);
      const data = Buffer.concat(chunks);
      resolve({ at: Date.now(), responses: parseResponses(data, false).responses, bytes: data.length, error });
    });
  });
  return {
    socket,
    openedAt,
    closed,
    connected: () => isConnected,
    stop() {
      if (timer !== undefined) clearInterval(timer);
      socket.destroy();
    },
  };
}
