/**
 * Network pieces put between the client and the real server, to see and disturb the traffic:
 * a TCP relay that counts connections and requests, an HTTP relay that answers the first
 * requests with a 503 (as a server shutting down or a load balancer without a backend does) and
 * forwards the rest, and a black hole that never answers.
 */
import http from 'node:http';
import net from 'node:net';

export interface Relay {
  /** `http://127.0.0.1:<port>` of the relay. */
  readonly url: string;
  /** TCP connections accepted so far. */
  connections: number;
  /** HTTP requests seen so far (not counted by the black hole). */
  requests: number;
  close(): Promise<void>;
}

export interface TcpRelay extends Relay {
  /** Resolves when the next request's first bytes have reached the relay. */
  nextRequest(): Promise<void>;
  /**
   * Resolves once the heads of `n` requests have reached the relay since it started (counted by
   * their request lines). On a keep-alive connection the n-th head comes only after the answer
   * to the one before.
   */
  requestsSeen(n: number): Promise<void>;
}

const REQUEST_LINE = /(?:GET|PUT|POST|DELETE|SEARCH|OPTIONS) \/\S* HTTP\/1\.1\r\n/g;

/** Listens on an ephemeral port, counting connections; `close` cuts them all. */
async function start(server: net.Server): Promise<Relay> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    relay.connections += 1;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
  const relay: Relay = {
    url: `http://127.0.0.1:${port}`,
    connections: 0,
    requests: 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  return relay;
}

/** Relays TCP to `target` (`http://host:port`); a refused or cut backend cuts the client's socket. */
export async function tcpRelay(target: string): Promise<TcpRelay> {
  const { hostname, port } = new URL(target);
  let waiters: (() => void)[] = [];
  let counted: { n: number; resolve: () => void }[] = [];
  const server = net.createServer((client) => {
    const backend = net.connect(Number(port), hostname);
    backend.on('error', () => undefined);
    // The request lines seen on this connection; the tail carries a line split across chunks.
    let tail = '';
    client.on('data', (chunk: Buffer) => {
      const text = tail + chunk.toString('latin1');
      // A request line ends with a newline: what follows the last one cannot hold a whole one.
      tail = text.slice(text.lastIndexOf('\n') + 1).slice(-4096);
      relay.requests += text.match(REQUEST_LINE)?.length ?? 0;
      counted = counted.filter((c) => (c.n <= relay.requests ? (c.resolve(), false) : true));
      const w = waiters;
      waiters = [];
      for (const f of w) f();
    });
    client.pipe(backend);
    backend.pipe(client);
    backend.on('close', () => client.destroy());
    client.on('close', () => backend.destroy());
  });
  const relay: TcpRelay = Object.assign(await start(server), {
    nextRequest: () => new Promise<void>((resolve) => waiters.push(resolve)),
    requestsSeen: (n: number) => new Promise<void>((resolve) => (n <= relay.requests ? resolve() : counted.push({ n, resolve }))),
  });
  return relay;
}

/**
 * Relays HTTP to `target`, counting requests; the first `failures` are answered 503
 * ServiceUnavailable (contract JSON) instead.
 */
export async function httpRelay(target: string, failures = 0): Promise<Relay> {
  const backend = new URL(target);
  const server = http.createServer((req, res) => {
    relay.requests += 1;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (relay.requests <= failures) {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: 'ServiceUnavailable', message: 'service unavailable, retry later', region: 'garage', path: (req.url ?? '').split('?')[0] }));
        return;
      }
      // Headers verbatim, Host included: the client signed the relay's host.
      const fwd = http.request(
        { host: backend.hostname, port: backend.port, method: req.method, path: req.url, headers: req.headers, setHost: false },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      fwd.on('error', () => res.destroy());
      fwd.end(Buffer.concat(chunks));
    });
  });
  const relay = await start(server);
  return relay;
}

/** Accepts connections and never answers (a hung server or a dropped route). */
export async function blackHole(): Promise<Relay> {
  return start(net.createServer((s) => s.resume()));
}
