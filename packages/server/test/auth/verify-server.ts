/**
 * Test helper: a node:http server that verifies every request as the HTTP layer will (two
 * phases, body hash only when needed, digest checked against the body) and answers 200 with what
 * it saw, or the error's code. Lets the end-to-end tests see exactly what signers put on the wire.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { K2vError } from '../../src/k2v/errors.js';
import { beginVerification, checkBodyDigest, type VerifyDeps } from '../../src/auth/verify.js';
import { sha256Hex } from './aws4-sign.js';

export interface Seen {
  status: number;
  code?: string;
  message?: string;
  accessKeyId?: string;
  contentSha256?: string | null;
  method?: string;
  rawPath?: string;
  rawQuery?: string;
}

export interface VerifyServer {
  readonly port: number;
  readonly origin: string;
  close(): Promise<void>;
}

export async function startVerifyServer(deps: VerifyDeps): Promise<VerifyServer> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const rawPath = q < 0 ? url : url.slice(0, q);
      const rawQuery = q < 0 ? '' : url.slice(q + 1);
      const bodyHex = sha256Hex(Buffer.concat(chunks));
      let seen: Seen;
      try {
        const pending = beginVerification({ method: req.method ?? '', rawPath, rawQuery, headers: req.headers }, deps);
        const verified = pending.complete(pending.needsBodyHash ? bodyHex : undefined);
        checkBodyDigest(verified, bodyHex);
        seen = {
          status: 200,
          accessKeyId: verified.accessKeyId,
          contentSha256: verified.contentSha256 ?? null,
          method: req.method ?? '',
          rawPath,
          rawQuery,
        };
      } catch (e) {
        if (!(e instanceof K2vError)) throw e;
        seen = { status: e.code === 'AccessDenied' ? 403 : 400, code: e.code, message: e.message, rawPath, rawQuery };
      }
      res.writeHead(seen.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(seen));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}
