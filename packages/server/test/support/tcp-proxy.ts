/**
 * A TCP proxy in front of a test cluster, to see every connection a client makes and to cut it
 * off: `refuse()` stops listening and drops every proxied connection (a client's next connect
 * gets ECONNREFUSED, as when PostgreSQL is gone), `resume()` listens again on the same port.
 * `stall()` keeps every connection open but passes no more bytes (a database that fell silent)
 * until `unstall()`. `accepted` counts the connections accepted since the proxy started; `open`
 * is how many client connections are still open through it.
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
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  let accepted = 0;
  let stalled = false;
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
