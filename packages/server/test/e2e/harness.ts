/**
 * End-to-end harness: a real K2V server on ephemeral ports on a fresh database of the engine under
 * test (db-engine.ts: K2V_TEST_DB_ENGINE, default lmdb, a temporary data dir), a key and a
 * bucket created through the admin API, and a raw HTTP client whose requests are signed by the
 * independent `aws4` library (so a bug shared by our own signer and verifier cannot hide).
 *
 * `request()` sends exactly the path it is given (no normalisation, no re-encoding) with
 * node:http, so tests control methods (SEARCH), query strings, headers and bodies byte for byte.
 *
 * Signing: the server's canonical URI is the path as sent, URI-encoded once more (contract
 * section 4). aws4 does exactly that for a non-S3 service as long as the path needs no
 * normalisation: it collapses `//`, resolves `.`/`..` segments, and re-encodes paths holding
 * characters outside RFC 3986's set. For those paths (and only those) the harness falls back to
 * aws4fetch's AwsV4Signer, whose path canonicalisation has the same limits, so its `encodedPath`
 * is replaced by the contract's canonical URI before signing; everything else (query, headers,
 * body hash, key derivation, HMAC) stays the library's.
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { after, before } from 'node:test';
import aws4 from 'aws4';
import { AwsV4Signer } from 'aws4fetch';
import type {
  BatchItem,
  ErrorBody,
  IndexEntry,
  InsertBatchEntry,
  ReadBatchResult,
  ReadIndexResult,
} from 'k2v-client/wire';
import { DEFAULT_CONFIG, type ServerConfig } from '../../src/config/config.js';
import { tcpAddress, type RunningServer } from '../../src/server/running-server.js';
import { startServer } from '../../src/server/server.js';
import { newTestDatabase } from './db-engine.js';
import { startWorkerCluster, testWorkers } from '../support/worker-cluster.js';

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface RequestOptions {
  /** Any method, sent as is (SEARCH, HEAD, FOO...). Default GET. */
  method?: string;
  /** Raw request target, sent byte for byte: `/bucket/pk?sort_key=x`. */
  path: string;
  body?: Buffer | string | undefined;
  /** Signed headers (unless `sign: false`). Names as given. */
  headers?: Record<string, string>;
  /** Headers added after signing, so they are not in SignedHeaders (e.g. raw Latin-1 values). */
  unsignedHeaders?: Record<string, string>;
  /** Default true. */
  sign?: boolean;
  credentials?: Credentials;
  /**
   * 'header' (default): `x-amz-content-sha256: <hex sha256 of body>`, signed.
   * 'none': no such header (the server must use the body's hash, contract section 4 Deviation).
   * 'unsigned': `x-amz-content-sha256: UNSIGNED-PAYLOAD`.
   */
  contentSha256?: 'header' | 'none' | 'unsigned';
  /** Sees the client request before it is sent (to watch its socket: errors after the answer). */
  onRequest?: ((req: http.ClientRequest) => void) | undefined;
  /** Signing clock (X-Amz-Date); default now. */
  date?: Date;
  /** Credential scope overrides; default the server's region and service 'k2v'. */
  region?: string;
  service?: string;
  /**
   * Presigned URL form (aws4 `signQuery`): the X-Amz-* parameters are appended to the query by
   * aws4, so the path sent is aws4's re-serialisation of `path`, not `path` byte for byte.
   */
  presign?: boolean;
  signal?: AbortSignal;
  /**
   * Send the body with `Transfer-Encoding: chunked` (no Content-Length), in chunks of this many
   * bytes, as streaming clients (fetch with a stream body) do.
   */
  chunkBytes?: number;
  /** Response timeout, ms; default 60 000. */
  timeoutMs?: number;
  /**
   * Called when the first chunk of the response body arrives; reading pauses (TCP backpressure
   * reaches the server) until the returned promise settles. For tests of streamed responses.
   */
  onFirstChunk?: () => Promise<void>;
}

export interface TestResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  text(): string;
  /** Parses the body as JSON; throws with the body in the message if it is not JSON. */
  json<T = unknown>(): T;
}

export interface TestServer {
  /** `http://127.0.0.1:<port>` of the K2V API (changes on restart). */
  k2vUrl: string;
  /** `http://127.0.0.1:<port>` of the admin API (changes on restart). */
  adminUrl: string;
  readonly adminToken: string;
  readonly keyId: string;
  readonly secret: string;
  /** The bucket's global alias. */
  readonly bucket: string;
  /** The bucket's 64-hex id. */
  readonly bucketId: string;
  server: RunningServer;
  readonly dataDir: string;
  readonly config: ServerConfig;
  request(opts: RequestOptions): Promise<TestResponse>;
  /** An admin API call with the Bearer token; `body` is JSON-encoded. */
  admin(method: string, path: string, body?: unknown, token?: string): Promise<TestResponse>;
  /** Closes the server and starts a new one on the same data dir (new ports, urls updated). */
  restart(): Promise<void>;
  /** Closes the server and removes the data dir. Idempotent. */
  stop(): Promise<void>;
}

export const sha256Hex = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** The causality token header of a response; fails the test if absent. */
export function ct(res: TestResponse): string {
  const v = res.headers['x-garage-causality-token'];
  if (typeof v !== 'string' || v === '') {
    throw new Error(`no X-Garage-Causality-Token header (status ${res.status}, body ${res.text()})`);
  }
  return v;
}

/** The causality token header of a response, or undefined. */
export function ctOrUndefined(res: TestResponse): string | undefined {
  const v = res.headers['x-garage-causality-token'];
  return typeof v === 'string' ? v : undefined;
}

/** Percent-encodes a key for a path or query component (every byte but A-Za-z0-9-_.~). */
export function enc(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/** Contract section 4: the path as sent, URI-encoded once more, `/` kept. */
export function contractCanonicalUri(rawPath: string): string {
  let out = '';
  for (const byte of Buffer.from(rawPath, 'latin1')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~/]/.test(c) ? c : '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** True when aws4 canonicalises this raw path exactly as the contract does (see file comment). */
function aws4SignsPathFaithfully(rawPath: string): boolean {
  const pathPart = rawPath.split('?')[0] ?? '';
  if (!/^[0-9A-Za-z;,/?:@&=+$\-_.!~*'()#%]*$/.test(rawPath)) return false;
  if (pathPart === '' || pathPart === '/') return pathPart === '/';
  if (pathPart.includes('//')) return false;
  return !pathPart.split('/').some((seg) => seg === '.' || seg === '..');
}

function makeResponse(status: number, headers: http.IncomingHttpHeaders, body: Buffer): TestResponse {
  return {
    status,
    headers,
    body,
    text: () => body.toString('utf8'),
    json: <T>() => {
      try {
        return JSON.parse(body.toString('utf8')) as T;
      } catch {
        throw new Error(`response is not JSON (status ${status}): ${JSON.stringify(body.toString('utf8'))}`);
      }
    },
  };
}

interface RawSend {
  host: string;
  port: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
  /** Write the body in chunks of this size (chunked encoding when no Content-Length is set). */
  chunkBytes?: number | undefined;
  onFirstChunk?: (() => Promise<void>) | undefined;
  onRequest?: ((req: http.ClientRequest) => void) | undefined;
}

/** node:http with keep-alive off: every request on a fresh socket, path and headers verbatim. */
export function rawSend(opts: RawSend): Promise<TestResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: opts.host,
      port: opts.port,
      method: opts.method,
      path: opts.path,
      headers: opts.headers,
      agent: false,
      setHost: false,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    req.setTimeout(opts.timeoutMs ?? 60_000, () => req.destroy(new Error(`timeout: ${opts.method} ${opts.path}`)));
    req.on('error', reject);
    opts.onRequest?.(req);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      const onFirst = opts.onFirstChunk;
      res.on('data', (c: Buffer) => {
        if (chunks.length === 0 && onFirst) {
          res.pause();
          onFirst().then(
            () => res.resume(),
            (err: unknown) => res.destroy(err instanceof Error ? err : new Error(String(err))),
          );
        }
        chunks.push(c);
      });
      res.on('error', reject);
      res.on('end', () => resolve(makeResponse(res.statusCode ?? 0, res.headers, Buffer.concat(chunks))));
    });
    const chunk = opts.chunkBytes;
    if (opts.body !== undefined && chunk !== undefined && chunk > 0) {
      for (let off = 0; off < opts.body.length; off += chunk) req.write(opts.body.subarray(off, off + chunk));
      req.end();
    } else {
      req.end(opts.body);
    }
  });
}

function hostPort(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port) };
}

async function signedHeaders(
  opts: RequestOptions,
  target: { host: string; port: number },
  creds: Credentials,
  region: string,
): Promise<{ headers: Record<string, string>; path: string }> {
  const method = opts.method ?? 'GET';
  const body = opts.body === undefined ? undefined : Buffer.from(opts.body);
  const headers: Record<string, string> = { host: `${target.host}:${target.port}`, ...(opts.headers ?? {}) };
  if (body !== undefined && opts.chunkBytes === undefined) headers['content-length'] = String(body.length);
  const mode = opts.contentSha256 ?? 'header';
  if (mode === 'header') headers['x-amz-content-sha256'] = sha256Hex(body ?? '');
  if (mode === 'unsigned') headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
  const date = opts.date ?? new Date();
  const amzDate = date.toISOString().replace(/[:-]|\.\d{3}/g, '');
  const service = opts.service ?? 'k2v';
  const credentials = { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey };

  if (opts.presign) {
    const signer = new aws4.RequestSigner(
      { method, path: opts.path, headers: { ...headers }, service, region, signQuery: true, body: body ?? '' },
      credentials,
    );
    signer.datetime = amzDate;
    signer.sign();
    return { headers: stringHeaders(signer.request.headers), path: signer.request.path ?? opts.path };
  }

  headers['x-amz-date'] = amzDate;
  if (aws4SignsPathFaithfully(opts.path)) {
    // doNotModifyHeaders: aws4 would otherwise add a form Content-Type to every request with a body.
    const signer = new aws4.RequestSigner(
      { method, path: opts.path, headers, service, region, body: body ?? '', doNotModifyHeaders: true },
      credentials,
    );
    signer.datetime = amzDate;
    signer.sign();
    return { headers: stringHeaders(signer.request.headers), path: opts.path };
  }
  const signer = new AwsV4Signer({
    method,
    url: `http://${target.host}:${target.port}${opts.path}`,
    headers: Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'host')),
    body: body ?? '',
    accessKeyId: creds.accessKeyId,
    secretAccessKey: creds.secretAccessKey,
    service,
    region,
    datetime: amzDate,
  });
  (signer as unknown as { encodedPath: string }).encodedPath = contractCanonicalUri(opts.path.split('?')[0] ?? '');
  const signed = await signer.sign();
  const out: Record<string, string> = { host: headers['host']! };
  signed.headers.forEach((v, k) => {
    out[k] = v;
  });
  return { headers: out, path: opts.path };
}

function stringHeaders(h: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (h && typeof h === 'object') {
    for (const [k, v] of Object.entries(h as Record<string, unknown>)) {
      if (v !== undefined) out[k] = String(v);
    }
  }
  return out;
}

function randomName(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

/**
 * Starts a server on 127.0.0.1:0 (K2V and admin) with a fresh data dir, then creates a key and a
 * bucket (global alias) with read+write+owner through the admin API.
 */
export async function startTestServer(overrides: Partial<ServerConfig> = {}): Promise<TestServer> {
  const db = await newTestDatabase();
  const dataDir = db.config.dataDir;
  const adminToken = randomBytes(16).toString('hex');
  const config: ServerConfig = {
    ...DEFAULT_CONFIG,
    k2vBind: '127.0.0.1:0',
    adminBind: '127.0.0.1:0',
    adminToken,
    logLevel: 'silent',
    mapSizeBytes: 4 * 1024 * 1024 * 1024,
    ...overrides,
    ...db.config,
  };
  // K2V_TEST_WORKERS=N: N worker processes over the data dir (test/support/worker-cluster.ts).
  const workers = config.dbEngine === 'lmdb' ? testWorkers() : 1;
  const start = (): Promise<RunningServer> => (workers > 1 ? startWorkerCluster(config, workers) : startServer(config));
  let server = await start();
  let stopped = false;
  const urls = (s: RunningServer) => ({
    k2vUrl: `http://${tcpAddress(s.k2v).host}:${tcpAddress(s.k2v).port}`,
    adminUrl: `http://${tcpAddress(s.admin).host}:${tcpAddress(s.admin).port}`,
  });

  const admin = async (method: string, p: string, body?: unknown, token: string = adminToken) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { host: `${tcpAddress(server.admin).host}:${tcpAddress(server.admin).port}`, authorization: `Bearer ${token}` };
    if (data !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(data.length);
    }
    return rawSend({ host: tcpAddress(server.admin).host, port: tcpAddress(server.admin).port, method, path: p, headers, body: data });
  };

  const expectOk = (what: string, res: TestResponse): Record<string, unknown> => {
    if (res.status !== 200) throw new Error(`admin ${what}: ${res.status} ${res.text()}`);
    return res.json<Record<string, unknown>>();
  };

  try {
    const key = expectOk('create key', await admin('POST', '/v1/key', { name: randomName('e2e-key') }));
    const keyId = key['accessKeyId'];
    const secret = key['secretAccessKey'];
    if (typeof keyId !== 'string' || typeof secret !== 'string') throw new Error(`admin create key: ${JSON.stringify(key)}`);
    const bucket = randomName('e2e-bucket');
    const created = expectOk('create bucket', await admin('POST', '/v1/bucket', { globalAlias: bucket }));
    const bucketId = created['id'];
    if (typeof bucketId !== 'string') throw new Error(`admin create bucket: ${JSON.stringify(created)}`);
    expectOk(
      'allow',
      await admin('POST', '/v1/bucket/allow', {
        bucketId,
        accessKeyId: keyId,
        permissions: { read: true, write: true, owner: true },
      }),
    );

    const ts: TestServer = {
      ...urls(server),
      adminToken,
      keyId,
      secret,
      bucket,
      bucketId,
      server,
      dataDir,
      config,
      admin,
      async request(opts) {
        const target = hostPort(ts.k2vUrl);
        const method = opts.method ?? 'GET';
        const body = opts.body === undefined ? undefined : Buffer.from(opts.body);
        let headers: Record<string, string>;
        let p = opts.path;
        if (opts.sign === false) {
          headers = { host: `${target.host}:${target.port}`, ...(opts.headers ?? {}) };
          if (body !== undefined && opts.chunkBytes === undefined) headers['content-length'] = String(body.length);
        } else {
          const signed = await signedHeaders(
            opts,
            target,
            opts.credentials ?? { accessKeyId: keyId, secretAccessKey: secret },
            opts.region ?? config.region,
          );
          headers = signed.headers;
          p = signed.path;
        }
        Object.assign(headers, opts.unsignedHeaders ?? {});
        return rawSend({
          ...target,
          method,
          path: p,
          headers,
          body,
          signal: opts.signal,
          timeoutMs: opts.timeoutMs,
          chunkBytes: opts.chunkBytes,
          onFirstChunk: opts.onFirstChunk,
          onRequest: opts.onRequest,
        });
      },
      async restart() {
        await server.close();
        server = await start();
        ts.server = server;
        Object.assign(ts, urls(server));
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        try {
          await server.close();
        } finally {
          await db.remove();
        }
      },
    };
    return ts;
  } catch (err) {
    await server.close().catch(() => undefined);
    await db.remove();
    throw err;
  }
}

/**
 * The usual test-file scaffolding: registers node:test hooks that start a test server (with these
 * config overrides) before the tests of the enclosing scope (file or describe), then run `setup`,
 * and stop it after them. The returned object forwards every property to that server, so a file
 * keeps writing `ts.request(...)`, `putItem(ts, ...)`; reading it before the hook ran throws.
 * `setup` shares the hook because Node 20 runs a file's top-level before() hooks concurrently: a
 * second top-level hook could run before the server is up.
 */
export function useTestServer(overrides: Partial<ServerConfig> = {}, setup?: () => Promise<void>): TestServer {
  let current: TestServer | undefined;
  before(async () => {
    current = await startTestServer(overrides);
    await setup?.();
  });
  after(async () => {
    await current?.stop();
  });
  const started = (prop: string | symbol): TestServer => {
    if (current === undefined) throw new Error(`test server read (${String(prop)}) before its before() hook started it`);
    return current;
  };
  return new Proxy({} as TestServer, {
    get: (_target, prop) => Reflect.get(started(prop), prop),
    set: (_target, prop, value) => Reflect.set(started(prop), prop, value),
  });
}

// ---- small K2V helpers shared by the e2e tests -------------------------------------------------

// The wire shapes are typed once, in the client package (types only).
export type { ErrorBody, IndexEntry, ReadBatchResult, ReadIndexResult };
export type BatchEntry = InsertBatchEntry;
export type ReadBatchItem = BatchItem;

export const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');
export const unb64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');

/** PUT one value; asserts 204. */
export async function putItem(ts: TestServer, pk: string, sk: string, value: string | Buffer, token?: string): Promise<void> {
  const res = await ts.request({
    method: 'PUT',
    path: `/${ts.bucket}/${enc(pk)}?sort_key=${enc(sk)}`,
    body: value,
    headers: token === undefined ? {} : { 'x-garage-causality-token': token },
  });
  if (res.status !== 204) throw new Error(`PUT ${pk}/${sk}: ${res.status} ${res.text()}`);
}

/** DELETE one item; asserts 204. */
export async function deleteItem(ts: TestServer, pk: string, sk: string, token?: string): Promise<void> {
  const res = await ts.request({
    method: 'DELETE',
    path: `/${ts.bucket}/${enc(pk)}?sort_key=${enc(sk)}`,
    headers: token === undefined ? {} : { 'x-garage-causality-token': token },
  });
  if (res.status !== 204) throw new Error(`DELETE ${pk}/${sk}: ${res.status} ${res.text()}`);
}

/** ReadItem as JSON: the decoded values (null = tombstone) and the token, or undefined on 404. */
export async function readItem(
  ts: TestServer,
  pk: string,
  sk: string,
): Promise<{ values: (string | null)[]; ct: string } | undefined> {
  const res = await ts.request({
    path: `/${ts.bucket}/${enc(pk)}?sort_key=${enc(sk)}`,
    headers: { accept: 'application/json' },
  });
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw new Error(`GET ${pk}/${sk}: ${res.status} ${res.text()}`);
  const values = res.json<(string | null)[]>().map((v) => (v === null ? null : unb64(v)));
  return { values, ct: ct(res) };
}

/** InsertBatch; asserts 204. */
export async function insertBatch(ts: TestServer, entries: BatchEntry[]): Promise<void> {
  const res = await ts.request({ method: 'POST', path: `/${ts.bucket}`, body: JSON.stringify(entries) });
  if (res.status !== 204) throw new Error(`InsertBatch: ${res.status} ${res.text()}`);
}

/** ReadBatch (POST ?search); asserts 200. */
export async function readBatch(ts: TestServer, queries: unknown[]): Promise<ReadBatchResult[]> {
  const res = await ts.request({ method: 'POST', path: `/${ts.bucket}?search`, body: JSON.stringify(queries) });
  if (res.status !== 200) throw new Error(`ReadBatch: ${res.status} ${res.text()}`);
  return res.json<ReadBatchResult[]>();
}

/** ReadIndex with a raw query string (without `?`); asserts 200. */
export async function readIndex(ts: TestServer, query = ''): Promise<ReadIndexResult> {
  const res = await ts.request({ path: `/${ts.bucket}${query === '' ? '' : '?' + query}` });
  if (res.status !== 200) throw new Error(`ReadIndex: ${res.status} ${res.text()}`);
  return res.json<ReadIndexResult>();
}

/** A unique partition key per test, so tests never see each other's items. */
let pkCounter = 0;
export function uniquePk(label: string): string {
  pkCounter += 1;
  return `${label}-${process.pid}-${pkCounter}`;
}

/**
 * Asserts a contract error (section 5): the status, `Content-Type: application/json` exactly, a
 * JSON body with exactly the four fields, the code, the region and the path (no query).
 */
export function expectError(res: TestResponse, status: number, code: string, requestPath?: string, region = 'garage'): ErrorBody {
  const where = `(got ${res.status} ${JSON.stringify(res.headers['content-type'])} ${res.text()})`;
  if (res.status !== status) throw new Error(`expected status ${status} ${code} ${where}`);
  if (res.headers['content-type'] !== 'application/json') throw new Error(`expected Content-Type application/json ${where}`);
  const body = res.json<Record<string, unknown>>();
  const keys = Object.keys(body).sort().join(',');
  if (keys !== 'code,message,path,region') throw new Error(`expected exactly code,message,region,path ${where}`);
  if (body['code'] !== code) throw new Error(`expected code ${code} ${where}`);
  if (typeof body['message'] !== 'string') throw new Error(`message must be a string ${where}`);
  if (body['region'] !== region) throw new Error(`expected region ${region} ${where}`);
  if (requestPath !== undefined && body['path'] !== requestPath) {
    throw new Error(`expected path ${JSON.stringify(requestPath)} ${where}`);
  }
  return body as unknown as ErrorBody;
}

/** The path part of a raw request target (what an error's `path` field must echo). */
export const pathOf = (target: string): string => target.split('?')[0] ?? target;

/**
 * A second bucket (global alias) on the same server, with read+write for the test key, for tests
 * that need a bucket nobody else writes to.
 */
export async function createBucket(ts: TestServer, alias?: string): Promise<{ bucket: string; bucketId: string }> {
  const bucket = alias ?? randomName('e2e-bucket');
  const res = await ts.admin('POST', '/v1/bucket', { globalAlias: bucket });
  if (res.status !== 200) throw new Error(`admin create bucket: ${res.status} ${res.text()}`);
  const bucketId = res.json<{ id?: unknown }>().id;
  if (typeof bucketId !== 'string') throw new Error(`admin create bucket: ${res.text()}`);
  const allow = await ts.admin('POST', '/v1/bucket/allow', {
    bucketId,
    accessKeyId: ts.keyId,
    permissions: { read: true, write: true, owner: true },
  });
  if (allow.status !== 200) throw new Error(`admin allow: ${allow.status} ${allow.text()}`);
  return { bucket, bucketId };
}

/**
 * Everything a client can see in a bucket: the index, and every item of every listed partition
 * with tombstones. Compare two dumps to check that a rejected request changed nothing.
 * (Partitions with only tombstone-only items are not in the index, so they are not dumped; pass
 * `extraPks` to include them.)
 */
export async function dumpBucket(ts: TestServer, bucket: string = ts.bucket, extraPks: string[] = []): Promise<unknown> {
  const idx = await ts.request({ path: `/${bucket}` });
  if (idx.status !== 200) throw new Error(`dump ReadIndex: ${idx.status} ${idx.text()}`);
  const index = idx.json<ReadIndexResult>();
  const pks = [...new Set([...index.partitionKeys.map((p) => p.pk), ...extraPks])];
  const res = await ts.request({
    method: 'POST',
    path: `/${bucket}?search`,
    body: JSON.stringify(pks.map((partitionKey) => ({ partitionKey, tombstones: true }))),
  });
  if (res.status !== 200) throw new Error(`dump ReadBatch: ${res.status} ${res.text()}`);
  return { index, items: res.json() };
}

/**
 * A causality token built independently of src/ (contract section 2): checksum then (node, time)
 * pairs, u64 big-endian, base64url without padding. Pairs are written in the order given.
 */
export function makeToken(pairs: [bigint, bigint][], checksumXor = 0n): string {
  const buf = Buffer.alloc(8 + 16 * pairs.length);
  let sum = 0n;
  pairs.forEach(([n, t], i) => {
    buf.writeBigUInt64BE(n, 8 + 16 * i);
    buf.writeBigUInt64BE(t, 16 + 16 * i);
    sum ^= n ^ t;
  });
  buf.writeBigUInt64BE(sum ^ checksumXor, 0);
  return buf.toString('base64url');
}

/** Decodes a token into its (node, time) pairs; throws if malformed. */
export function parseToken(token: string): [bigint, bigint][] {
  const buf = Buffer.from(token, 'base64url');
  if (buf.toString('base64url') !== token || (buf.length - 8) % 16 !== 0) throw new Error(`bad token ${token}`);
  const pairs: [bigint, bigint][] = [];
  let sum = 0n;
  for (let off = 8; off < buf.length; off += 16) {
    const n = buf.readBigUInt64BE(off);
    const t = buf.readBigUInt64BE(off + 8);
    sum ^= n ^ t;
    pairs.push([n, t]);
  }
  if (sum !== buf.readBigUInt64BE(0)) throw new Error(`bad token checksum ${token}`);
  return pairs;
}
