/**
 * A TCP proxy in front of a test cluster, to see every connection a client makes and to cut it
 * off: `refuse()` stops listening and drops every proxied connection (a client's next connect
 * gets ECONNREFUSED, as when PostgreSQL is gone), `resume()` listens again on the same port.
 * `stall()` keeps every connection open but passes no more bytes (a database that fell silent)
 * until `unstall()`. `accepted` counts the connections accepted since the proxy started; `open`
 * is how many client connections are still open through it. `refuseAtFirstStatement()` lets
 * connections open until one of them sends its first statement: that one is cut there, and the
 * proxy refuses from then on (a database lost while a fresh connection starts its work).
 */
import net from 'node:net';

export interface TcpProxy {
  readonly port: number;
  readonly accepted: number;
  readonly open: number;
  refuse(): Promise<void>;
  resume(): Promise<void>;
  stall(): void;
  unstall(): void;
  /**
   * From now on, the first connection accepted to send a statement (a Query or a Parse message,
   * after its startup and authentication) is cut at that message, before any of it is passed
   * on, and the proxy then refuses as with `refuse()`. Resolves once that happened.
   */
  refuseAtFirstStatement(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  let accepted = 0;
  let stalled = false;
  /** Set by refuseAtFirstStatement(): cut the connection that sent a first statement, resolve. */
  let onFirstStatement: (() => void) | undefined;
  const clients = new Set<net.Socket>();
  /** Both ends of every proxied connection (paused while stalled). */
  const ends = new Set<net.Socket>();
  const onConnection = (client: net.Socket): void => {
    accepted++;
    clients.add(client);
    const upstream = net.connect(targetPort, targetHost);
    for (const e of [client, upstream]) {
      ends.add(e);
      e.on('close', () => ends.delete(e));
    }
    // Watched before the pipe's own listener sees the bytes: the cut one is never passed on.
    if (onFirstStatement !== undefined) {
      const watch = statementWatch();
      const onData = (chunk: Buffer): void => {
        if (onFirstStatement === undefined || !watch(chunk)) return;
        const done = onFirstStatement;
        onFirstStatement = undefined;
        client.off('data', onData);
        client.unpipe(upstream);
        upstream.destroy();
        client.destroy();
        void stop().then(done);
      };
      client.prependListener('data', onData);
    }
    client.pipe(upstream).pipe(client);
    if (stalled) {
      client.pause();
      upstream.pause();
    }
    client.on('error', () => client.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => {
      clients.delete(client);
      upstream.destroy();
    });
    upstream.on('close', () => client.destroy());
  };
  const listen = async (port: number): Promise<net.Server> => {
    const server = net.createServer(onConnection);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    return server;
  };
  let server: net.Server | undefined = await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  const stop = async (): Promise<void> => {
    const s = server;
    server = undefined;
    // close() calls back once every connection is gone: drop them first.
    const closed = s === undefined ? Promise.resolve() : new Promise<void>((resolve) => s.close(() => resolve()));
    for (const c of clients) c.destroy();
    await closed;
  };
  return {
    port,
    get accepted() {
      return accepted;
    },
    get open() {
      return clients.size;
    },
    refuse: stop,
    refuseAtFirstStatement() {
      return new Promise<void>((resolve) => {
        onFirstStatement = resolve;
      });
    },
    stall() {
      stalled = true;
      for (const e of ends) e.pause();
    },
    unstall() {
      stalled = false;
      for (const e of ends) e.resume();
    },
    async resume() {
      server ??= await listen(port);
    },
    close: stop,
  };
}

/** SSLRequest and GSSENCRequest codes: an untyped message after which the startup comes. */
const NEGOTIATION_CODES = new Set([80877103, 80877104]);

/**
 * Follows a client's bytes (frontend protocol v3): an untyped startup message (maybe preceded by
 * an SSL/GSS negotiation request), then typed messages; true once a Query ('Q') or Parse ('P')
 * message begins in the bytes seen.
 */
function statementWatch(): (chunk: Buffer) => boolean {
  let buf = Buffer.alloc(0);
  let startup = true;
  return (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      if (startup) {
        if (buf.length < 8) return false;
        const len = buf.readUInt32BE(0);
        if (buf.length < len) return false;
        startup = NEGOTIATION_CODES.has(buf.readUInt32BE(4));
        buf = buf.subarray(len);
        continue;
      }
      if (buf.length < 1) return false;
      if (buf[0] === 0x51 || buf[0] === 0x50) return true;
      if (buf.length < 5) return false;
      const len = 1 + buf.readUInt32BE(1);
      if (buf.length < len) return false;
      buf = buf.subarray(len);
    }
  };
}
