/**
 * Network pieces put between the client and the real server, to see and disturb the traffic:
 * a TCP relay that counts connections, and an HTTP relay that answers the first requests with a
 * 503 (as a server shutting down or a load balancer without a backend does) and forwards the rest.
 */
import http from 'node:http';
import net from 'node:net';

export interface Relay {
  /** `http://127.0.0.1:<port>` of the relay. */
  readonly url: string;
  /** TCP connections accepted so far. */
  connections: number;
  /** HTTP requests seen so far (HTTP relay only). */
  requests: number;
  /** Resolves when the next request's first bytes have reached the relay. */
  nextRequest(): Promise<void>;
  close(): Promise<void>;
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

/** Relays TCP to `target` (`http://host:port`); a refused or cut backend cuts the client's socket. */
export async function tcpRelay(target: string): Promise<Relay> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<net.Socket>();
  let waiters: (() => void)[] = [];
  const server = net.createServer((client) => {
    relay.connections += 1;
    const backend = net.connect(Number(port), hostname);
    for (const s of [client, backend]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.on('data', () => {
      const w = waiters;
      waiters = [];
      for (const f of w) f();
    });
    client.pipe(backend);
    backend.pipe(client);
    backend.on('close', () => client.destroy());
    client.on('close', () => backend.destroy());
  });
  const relay: Relay = {
    url: `http://127.0.0.1:${await listen(server)}`,
    connections: 0,
    requests: 0,
    nextRequest: () => new Promise<void>((resolve) => waiters.push(resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  return relay;
}

/** Answers the first `failures` requests 503 ServiceUnavailable (contract JSON), forwards the others to `target`. */
export async function unavailableFirst(target: string, failures: number): Promise<Relay> {
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
  server.on('connection', () => (relay.connections += 1));
  const relay: Relay = {
    url: `http://127.0.0.1:${await listen(server)}`,
    connections: 0,
    requests: 0,
    nextRequest: () => Promise.reject(new Error('not supported by the HTTP relay')),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return relay;
}

/** Accepts connections and never answers (a hung server or a dropped route). */
export async function blackHole(): Promise<Relay> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    relay.connections += 1;
    sockets.add(s);
    s.on('error', () => undefined);
    s.resume();
  });
  const relay: Relay = {
    url: `http://127.0.0.1:${await listen(server)}`,
    connections: 0,
    requests: 0,
    nextRequest: () => Promise.reject(new Error('not supported by the black hole')),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  return relay;
}
