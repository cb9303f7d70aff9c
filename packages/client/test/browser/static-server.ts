/** A tiny static file server on its own port: another origin than the K2V API, for the browser test. */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.html': 'text/html; charset=utf-8', '.map': 'application/json' };

export interface StaticServer {
  readonly origin: string;
  close(): Promise<void>;
}

/** Serves `pages` (path -> HTML) and the files of `dir` under `mount`. */
export async function serveStatic(pages: Record<string, string>, mount: string, dir: string): Promise<StaticServer> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const page = pages[url.pathname];
    if (page !== undefined) {
      res.writeHead(200, { 'content-type': TYPES['.html']! }).end(page);
      return;
    }
    const rel = url.pathname.startsWith(mount) ? path.normalize(url.pathname.slice(mount.length)) : undefined;
    if (rel === undefined || rel.startsWith('..')) {
      res.writeHead(404).end();
      return;
    }
    readFile(path.join(dir, rel)).then(
      (body) => res.writeHead(200, { 'content-type': TYPES[path.extname(rel)] ?? 'application/octet-stream' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
