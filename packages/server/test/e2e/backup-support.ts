/**
 * Backups end to end: real `k2v server` processes on a data dir or a PostgreSQL database, the
 * real `k2v` CLI for snapshot / dump / restore, and reads signed by the independent aws4
 * library (SignedClient). `answers()` is every read a client can make of the items written
 * (ReadIndex, ReadBatch with tombstones, ReadItem of each item with its token), so two stores
 * compare equal only if they give the same answer to each.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createTenant, ServerProcess, type Tenant } from '../support/server-process.js';
import { enc, SignedClient, tokenOf, type K2vResponse } from '../support/signed-client.js';
import { runK2v, type Run } from './support-cli.js';
import { freePort } from './support-process.js';

export interface Node {
  readonly sp: ServerProcess;
  readonly token: string;
  readonly dataDir: string;
  readonly adminEnv: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

const cleanups: (() => Promise<unknown>)[] = [];

export async function cleanupAll(): Promise<void> {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
}

export async function tempDir(label: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `k2v-${label}-`));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A server on `dataDir` (LMDB) or, with `postgresUrl`, on that database. */
export async function startNode(dataDir: string, postgresUrl?: string): Promise<Node> {
  const token = randomBytes(16).toString('hex');
  const sp = new ServerProcess({
    dataDir,
    k2vPort: await freePort(),
    adminPort: await freePort(),
    adminToken: token,
    extraArgs: postgresUrl === undefined ? [] : ['--db-engine', 'postgres', '--postgres-url', postgresUrl],
  });
  const stop = async (): Promise<void> => {
    await sp.kill('SIGTERM');
  };
  cleanups.push(stop);
  await sp.waitHealthy();
  return { sp, token, dataDir, adminEnv: { K2V_ADMIN_ENDPOINT: sp.adminUrl, K2V_ADMIN_TOKEN: token }, stop };
}

export function clientOf(node: Node, t: Tenant): SignedClient {
  const c = new SignedClient({ url: node.sp.k2vUrl, accessKeyId: t.accessKeyId, secretAccessKey: t.secretAccessKey });
  cleanups.push(async () => c.close());
  return c;
}

export async function tenant(node: Node, bucket: string): Promise<Tenant> {
  return createTenant(node.sp.opts.adminPort, node.token, bucket);
}

export async function k2v(node: Node, args: string[], input?: Buffer): Promise<Run> {
  return runK2v(args, { env: node.adminEnv, ...(input === undefined ? {} : { input }), timeoutMs: 60_000 });
}

function check(res: K2vResponse, expected: number, what: string): K2vResponse {
  if (res.status !== expected) throw new Error(`${what}: ${res.status} ${res.body.toString('utf8')}`);
  return res;
}

export async function put(c: SignedClient, bucket: string, pk: string, sk: string, value: string | Buffer, token?: string): Promise<void> {
  check(
    await c.request({
      method: 'PUT',
      path: `/${bucket}/${enc(pk)}?sort_key=${enc(sk)}`,
      body: Buffer.from(value),
      headers: token === undefined ? {} : { 'x-garage-causality-token': token },
    }),
    204,
    `PUT ${pk}/${sk}`,
  );
}

export async function del(c: SignedClient, bucket: string, pk: string, sk: string, token: string): Promise<void> {
  check(
    await c.request({ method: 'DELETE', path: `/${bucket}/${enc(pk)}?sort_key=${enc(sk)}`, headers: { 'x-garage-causality-token': token } }),
    204,
    `DELETE ${pk}/${sk}`,
  );
}

export async function tokenOfItem(c: SignedClient, bucket: string, pk: string, sk: string): Promise<string> {
  const res = check(await c.request({ path: `/${bucket}/${enc(pk)}?sort_key=${enc(sk)}`, headers: { accept: 'application/json' } }), 200, `GET ${pk}/${sk}`);
  return tokenOf(res)!;
}

/**
 * A bucket's content with what backups must keep: siblings (two writes without a token),
 * tombstones (a delete with the item's token, and a tombstone beside a value), binary values,
 * overwrites, a few partitions. Returns the items written, for `answers`.
 */
export async function writeFixture(c: SignedClient, bucket: string): Promise<{ pk: string; sk: string }[]> {
  const items: { pk: string; sk: string }[] = [];
  for (const pk of ['mail/alice', 'mail/bob', 'log']) {
    for (let i = 0; i < 6; i++) {
      const sk = `item-${i}`;
      items.push({ pk, sk });
      await put(c, bucket, pk, sk, `${pk} ${sk} v1`);
    }
    // siblings
    await put(c, bucket, pk, 'item-1', `${pk} concurrent`);
    // overwrite with the token
    await put(c, bucket, pk, 'item-2', `${pk} item-2 v2`, await tokenOfItem(c, bucket, pk, 'item-2'));
    // tombstone-only
    await del(c, bucket, pk, 'item-3', await tokenOfItem(c, bucket, pk, 'item-3'));
    // binary
    await put(c, bucket, pk, 'item-4', randomBytes(300), await tokenOfItem(c, bucket, pk, 'item-4'));
  }
  // a tombstone concurrent with a value
  const t = await tokenOfItem(c, bucket, 'log', 'item-5');
  await put(c, bucket, 'log', 'item-5', 'log item-5 v2', t);
  await del(c, bucket, 'log', 'item-5', t);
  items.push({ pk: 'log', sk: 'never-written' });
  return items;
}

/** Every read's answer, status, content type, body and token included. */
export async function answers(c: SignedClient, bucket: string, items: readonly { pk: string; sk: string }[]): Promise<unknown> {
  const index = await c.request({ path: `/${bucket}` });
  const partitions = [...new Set(items.map((i) => i.pk))];
  const batch = await c.request({
    method: 'POST',
    path: `/${bucket}?search`,
    body: Buffer.from(JSON.stringify(partitions.map((pk) => ({ partitionKey: pk, tombstones: true })))),
  });
  const reads: unknown[] = [];
  for (const { pk, sk } of items) {
    for (const accept of ['application/json', 'application/octet-stream']) {
      const r = await c.request({ path: `/${bucket}/${enc(pk)}?sort_key=${enc(sk)}`, headers: { accept } });
      // An error body names the request's path (the bucket): its code is what a client reads.
      const body = r.status >= 400 && r.body.length > 0 ? (JSON.parse(r.body.toString('utf8')) as { code: string }).code : r.body.toString('base64');
      reads.push({ pk, sk, accept, status: r.status, type: r.headers['content-type'], token: tokenOf(r), body });
    }
  }
  return { index: { status: index.status, body: JSON.parse(index.body.toString('utf8')) as unknown }, batch: { status: batch.status, body: batch.body.toString('utf8') }, reads };
}
