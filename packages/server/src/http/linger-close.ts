/**
 * Closing a connection while the client is still sending its body (an early 413) makes the kernel
 * answer the client's next segments with a reset, which can erase the answer from the client's
 * receive buffer before it reads it, and fails its write with EPIPE (RFC 9112 9.6). So after an
 * early answer with `connection: close` on HTTP/1, the server ends its side once the answer is out
 * but keeps reading (and dropping) what the client still sends, until the client closes or
 * LINGER_MS pass.
 */
import { ServerResponse } from 'node:http';
import type { HttpResponse } from './respond.js';

/** Long enough for a client on the same network to finish an upload of the limits' size. */
const LINGER_MS = 2_000;

export function lingerOnClose(res: HttpResponse): void {
  if (!(res instanceof ServerResponse)) return; // HTTP/2: the stream alone ends (discardBody)
  const socket = res.socket;
  if (socket === null) return;
  // Registered after node:http's own 'finish' listener, which ends the socket for
  // `connection: close` and sets it to be destroyed once that end is written: that destroy,
  // with unread bytes, is what sends the reset. The socket's own end-of-both-sides still closes it.
  res.once('finish', () => {
    if (socket.destroyed) return;
    socket.off('finish', socket.destroy);
    socket.resume();
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  });
}
