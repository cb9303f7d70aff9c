/**
 * Helper G's end-to-end support, beside the shared harness: signing where a test must tamper with
 * the signed request (aws4, then edit the headers), presigned URLs from a second independent
 * signer (aws4fetch `signQuery`), error-body checks, and guards for long polls.
 */
import assert from 'node:assert/strict';
import aws4 from 'aws4';
import { AwsV4Signer } from 'aws4fetch';
import { rawSend, sha256Hex, type TestResponse } from './harness.js';
import { clusterPollCount } from '../support/worker-cluster.js';
import type { RunningServer } from '../../src/server/running-server.js';

export interface Creds {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** `20240102T030405Z` */
export function amzDate(d: Date): string {
  return d.toISOString().replace(/[:-]|\.\d{3}/g, '');
}

/** What signing needs of a server: the harness's TestServer, or a CLI-spawned server. */
export interface SigningTarget {
  readonly k2vUrl: string;
  readonly keyId: string;
  readonly secret: string;
  readonly config: { readonly region: string };
}

function target(ts: SigningTarget): { host: string; port: number } {
  const u = new URL(ts.k2vUrl);
  return { host: u.hostname, port: Number(u.port) };
}

export interface TamperedRequest {
  method: string;
  /** A path aws4 signs faithfully: no `//`, no dot segments, only RFC 3986 characters. */
  path: string;
  body?: Buffer | string;
  headers?: Record<string, string>;
  creds?: Creds;
  /** 'header' (default), 'none' or 'unsigned', as the harness. */
  contentSha256?: 'header' | 'none' | 'unsigned';
  /** A body sent instead of the signed one (same length, or fix content-length in `tamper`). */
  sendBody?: Buffer | string;
  /** Edits the signed headers (names lower-case) before sending. */
  tamper: (headers: Record<string, string>) => void;
}

/** Signs with aws4 (header form), lets the test edit the result, sends it verbatim. */
export async function sendTampered(ts: SigningTarget, req: TamperedRequest): Promise<TestResponse> {
  const t = target(ts);
  const body = req.body === undefined ? undefined : Buffer.from(req.body);
  const headers: Record<string, string> = { host: `${t.host}:${t.port}`, ...(req.headers ?? {}) };
  if (body !== undefined) headers['content-length'] = String(body.length);
  const mode = req.contentSha256 ?? 'header';
  if (mode === 'header') headers['x-amz-content-sha256'] = sha256Hex(body ?? '');
  if (mode === 'unsigned') headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
  const date = amzDate(new Date());
  headers['x-amz-date'] = date;
  const creds = req.creds ?? { accessKeyId: ts.keyId, secretAccessKey: ts.secret };
  const signer = new aws4.RequestSigner(
    { method: req.method, path: req.path, headers, service: 'k2v', region: ts.config.region, body: body ?? '', doNotModifyHeaders: true },
    creds,
  );
  // doNotModifyHeaders also stops aws4 from reading x-amz-date: give it the same clock.
  signer.datetime = date;
  signer.sign();
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(signer.request.headers ?? {})) {
    if (v !== undefined) out[k.toLowerCase()] = String(v);
  }
  req.tamper(out);
  const sent = req.sendBody === undefined ? body : Buffer.from(req.sendBody);
  return rawSend({ ...t, method: req.method, path: req.path, headers: out, body: sent });
}

export interface PresignRequest {
  method: string;
  path: string;
  expiresSeconds: number;
  body?: Buffer | string;
  /** Headers signed along (e.g. X-Amz-Content-Sha256: UNSIGNED-PAYLOAD); sent too. */
  headers?: Record<string, string>;
  date?: Date;
  creds?: Creds;
}

/**
 * A presigned request from aws4fetch (`signQuery: true`), sent verbatim. For a non-S3 service
 * aws4fetch hashes the body into the canonical request unless an X-Amz-Content-Sha256 header is
 * signed (contract section 4 deviation) and adds no X-Amz-Expires, so the test adds it.
 */
export async function sendPresigned(ts: SigningTarget, req: PresignRequest): Promise<TestResponse> {
  const t = target(ts);
  const creds = req.creds ?? { accessKeyId: ts.keyId, secretAccessKey: ts.secret };
  const sep = req.path.includes('?') ? '&' : '?';
  const body = req.body === undefined ? undefined : Buffer.from(req.body);
  const signer = new AwsV4Signer({
    url: `${ts.k2vUrl}${req.path}${sep}X-Amz-Expires=${req.expiresSeconds}`,
    method: req.method,
    headers: req.headers ?? {},
    body: body === undefined ? undefined : new Uint8Array(body),
    accessKeyId: creds.accessKeyId,
    secretAccessKey: creds.secretAccessKey,
    service: 'k2v',
    region: ts.config.region,
    datetime: amzDate(req.date ?? new Date()),
    signQuery: true,
  });
  const signed = await signer.sign();
  const headers: Record<string, string> = { host: `${t.host}:${t.port}` };
  signed.headers.forEach((v, k) => {
    headers[k] = v;
  });
  if (body !== undefined) headers['content-length'] = String(body.length);
  return rawSend({ ...t, method: req.method, path: signed.url.pathname + signed.url.search, headers, body });
}

/** Asserts a contract error (section 5): status, code, the four fields, exact Content-Type. */
export function assertError(res: TestResponse, status: number, code: string, what = ''): void {
  const ctx = `${what} -> ${res.status} ${res.text()}`;
  assert.equal(res.status, status, `status: ${ctx}`);
  assert.equal(res.headers['content-type'], 'application/json', `content-type: ${ctx}`);
  const body = res.json<Record<string, unknown>>();
  assert.equal(body['code'], code, `code: ${ctx}`);
  for (const f of ['message', 'region', 'path']) assert.equal(typeof body[f], 'string', `field ${f}: ${ctx}`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Rejects if `p` does not settle within `ms`: a generous guard against hangs, not a timing test. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, guard]).finally(() => clearTimeout(timer));
}

/** Polls `cond` until true (or throws after `ms`). */
export async function eventually(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${ms} ms`);
    await sleep(10);
  }
}

/**
 * Open poll waiters of a running server (RunningServer.polls, the lead's PollRegistry), counted
 * after every poll answered or registered before the call: with K2V_TEST_WORKERS, a fresh
 * `/metrics` scrape of every worker (the background count can be a few milliseconds old).
 */
export async function openWaiters(server: RunningServer): Promise<number> {
  return (await clusterPollCount(server)) ?? server.polls.size;
}

/** Sort by UTF-8 bytes, the contract's key order (section 1). */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
