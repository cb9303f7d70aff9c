/**
 * A real node:http server on an ephemeral port running the admin handler over the real LMDB
 * store in a temporary directory, and a raw HTTP client (node:http, so paths and headers go out
 * exactly as written).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAdminHandler } from '../../src/admin/admin-server.js';
import type { Store } from '../../src/store/store.js';
import { openLmdbStore } from '../../src/store/lmdb/open-lmdb-store.js';

export const TOKEN = 'test-admin-token';
export const REGION = 'test-region';

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  raw: Buffer;
  text: string;
  /** Parsed JSON body, or undefined when the body is empty or not JSON. */
  json: unknown;
}

export interface CallOptions {
  /** A JSON value (serialised), a raw string or Buffer; absent: no body. */
  body?: unknown;
  /** The whole Authorization header; null: none; default: `Bearer <TOKEN>`. */
  auth?: string | null;
  headers?: Record<string, string | number>;
}

export interface AdminHarness {
  readonly store: Store;
  /** Makes `store.healthy()` answer false (true again with `true`). */
  setHealthy(healthy: boolean): void;
  call(method: string, path: string, options?: CallOptions): Promise<Reply>;
  close(): Promise<void>;
}

/** `adminToken` null: no admin token configured. */
export async function startAdmin(adminToken: string | null = TOKEN): Promise<AdminHarness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'k2v-admin-'));
  const store = await openLmdbStore({
    dataDir,
    mapSizeBytes: 256 * 1024 * 1024,
    tombstoneGcDelayMs: 24 * 3600 * 1000,
    maxValuesPerItem: 100,
  });
  const healthy = store.healthy.bind(store);
  const server: Server = createServer(createAdminHandler({ store, adminToken: adminToken ?? undefined, region: REGION }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const call = (method: string, path: string, options: CallOptions = {}): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { ...options.headers };
      const auth = options.auth === undefined ? `Bearer ${TOKEN}` : options.auth;
      if (auth !== null) headers.authorization = auth;
      let payload: Buffer | undefined;
      if (options.body !== undefined) {
        payload = Buffer.isBuffer(options.body)
          ? options.body
          : Buffer.from(typeof options.body === 'string' ? options.body : JSON.stringify(options.body));
        if (headers['transfer-encoding'] === undefined) headers['content-length'] = payload.length;
      }
      const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          const text = raw.toString('utf8');
          let json: unknown;
          try {
            json = text === '' ? undefined : (JSON.parse(text) as unknown);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, raw, text, json });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });

  return {
    store,
    setHealthy(h: boolean) {
      store.healthy = h ? healthy : () => false;
    },
    call,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Narrows a JSON reply to a record for field access (throws on anything else). */
export function obj(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`expected a JSON object, got ${JSON.stringify(value)}`);
  }
  return value as Record<string, unknown>;
}

export function list(value: unknown): unknown[] {
  if (!Array.isArray(value)) throw new Error(`expected a JSON array, got ${JSON.stringify(value)}`);
  return value;
}
