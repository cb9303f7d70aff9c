/**
 * End-to-end support for the configuration and first-run tests: waiting for a spawned server's
 * log and stderr, reading the printed export block, and requests signed by aws4 with those
 * credentials over TCP (IPv4 or IPv6) or a Unix socket.
 */
import http from 'node:http';
import aws4 from 'aws4';
import { sleep } from './support-http.js';
import type { Cli } from './support-process.js';

/** Waits until `test` holds for the process's output; fails early if it exits. */
export async function waitOutput(cli: Cli, test: (out: { stdout: string; stderr: string }) => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test({ stdout: cli.stdout(), stderr: cli.stderr() })) {
    if (cli.exitCode() !== undefined) throw new Error(`exited (${cli.exitCode()}) before ${what}; stderr: ${cli.stderr()} stdout: ${cli.stdout()}`);
    if (Date.now() > deadline) throw new Error(`no ${what} within ${ms} ms; stderr: ${cli.stderr()} stdout: ${cli.stdout()}`);
    await sleep(50);
  }
}

/** Waits for the log line that says both listeners are up. */
export const waitListening = (cli: Cli): Promise<void> => waitOutput(cli, (o) => o.stdout.includes('"msg":"k2v server listening"'), 'listening');

export interface Exports {
  readonly K2V_ENDPOINT: string;
  readonly AWS_REGION: string;
  readonly AWS_ACCESS_KEY_ID: string;
  readonly AWS_SECRET_ACCESS_KEY: string;
  readonly K2V_BUCKET: string;
  readonly K2V_ADMIN_ENDPOINT: string;
  readonly K2V_ADMIN_TOKEN: string;
}

/** The `export NAME=value` lines of a text, as a shell would read them (single quotes removed). */
export function parseExports(text: string): Partial<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/^export ([A-Z0-9_]+)=(.*)$/gm)) {
    const v = m[2]!;
    out[m[1]!] = v.startsWith("'") ? v.slice(1, -1).replaceAll(`'\\''`, "'") : v;
  }
  return out;
}

export const waitExports = async (cli: Cli): Promise<Exports> => {
  await waitOutput(cli, (o) => /^export K2V_ADMIN_TOKEN=/m.test(o.stderr), 'the export block');
  return parseExports(cli.stderr()) as unknown as Exports;
};

export interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** Where to send: an http:// URL (IPv6 in brackets) or a Unix socket path. */
export type Target = { readonly url: string } | { readonly socketPath: string };

export function send(target: Target, req: { method: string; path: string; headers?: Record<string, string>; body?: string }): Promise<Reply> {
  const where = 'url' in target ? { hostname: new URL(target.url).hostname.replace(/^\[|\]$/g, ''), port: Number(new URL(target.url).port) } : { socketPath: target.socketPath };
  return new Promise((resolve, reject) => {
    const r = http.request({ ...where, method: req.method, path: req.path, headers: req.headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    r.on('error', reject);
    r.end(req.body);
  });
}

/** A K2V request signed by aws4 with the printed credentials; also returns the signature it sent. */
export async function signedSend(
  target: Target,
  creds: Pick<Exports, 'AWS_REGION' | 'AWS_ACCESS_KEY_ID' | 'AWS_SECRET_ACCESS_KEY'>,
  req: { method: string; path: string; body?: string; headers?: Record<string, string> },
): Promise<Reply & { readonly signature: string }> {
  const host = 'url' in target ? new URL(target.url).host : 'localhost';
  // A Content-Type of our own, or aws4 would add a form one to every body.
  const extra = req.body === undefined ? {} : { 'content-type': 'application/octet-stream' };
  const signed = aws4.sign(
    { host, method: req.method, path: req.path, service: 'k2v', region: creds.AWS_REGION, headers: { ...extra, ...(req.headers ?? {}) }, body: req.body ?? '' },
    { accessKeyId: creds.AWS_ACCESS_KEY_ID, secretAccessKey: creds.AWS_SECRET_ACCESS_KEY },
  );
  const headers: Record<string, string> = { host };
  for (const [k, v] of Object.entries(signed.headers ?? {})) headers[k.toLowerCase()] = String(v);
  const reply = await send(target, { method: req.method, path: req.path, headers, ...(req.body === undefined ? {} : { body: req.body }) });
  return { ...reply, signature: /Signature=([0-9a-f]{64})/.exec(headers['authorization'] ?? '')![1]! };
}

/** InsertItem then ReadItem of one value: what a first user does with the printed block. */
export async function writeThenRead(target: Target, creds: Exports, pk: string, value: string): Promise<void> {
  const path = `/${creds.K2V_BUCKET}/${pk}?sort_key=greeting`;
  const put = await signedSend(target, creds, { method: 'PUT', path, body: value });
  if (put.status !== 204) throw new Error(`InsertItem: ${put.status} ${put.body}`);
  const get = await signedSend(target, creds, { method: 'GET', path, headers: { accept: 'application/octet-stream' } });
  if (get.status !== 200 || get.body !== value) throw new Error(`ReadItem: ${get.status} ${get.body}`);
}
