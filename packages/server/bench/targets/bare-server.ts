/**
 * The ceiling: a bare node:http server answering 204 to everything, in its own process, as the
 * K2V server runs in its own. No Node HTTP server on this machine can answer faster.
 *
 * Usage: node bare-server.js  (prints `BARE_READY <port>` on stdout)
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const server = createServer((req, res) => {
  // Drain the body so a keep-alive connection can carry the next request.
  req.resume();
  req.on('end', () => {
    res.writeHead(204);
    res.end();
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`BARE_READY ${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
