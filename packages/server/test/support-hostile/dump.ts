/**
 * Two views of "the store did not change": what a client can read (ReadIndex, then an unlimited
 * ReadBatch with tombstones of every partition), and the raw bytes of every LMDB record, read
 * read-only from the data dir while the server is stopped.
 */
import { createHash } from 'node:crypto';
import { open } from 'lmdb';
import { exchange, type RawResponse } from './raw-http.js';
import { sign, type Creds } from './sign.js';
import type { HostileServer } from './server.js';

async function signedJson(hs: HostileServer, creds: Creds, method: string, target: string, body?: unknown): Promise<RawResponse> {
  const req = sign(
    hs.host,
    { method, target, ...(body === undefined ? {} : { body: Buffer.from(JSON.stringify(body)) }) },
    { creds, region: hs.config.region },
  );
  const ex = await exchange(hs.k2v(), req);
  const res = ex.responses[0];
  if (res === undefined || res.status !== 200) {
    throw new Error(`dump ${method} ${target}: ${res?.status ?? ex.error} ${res?.body.toString() ?? ''}`);
  }
  return res;
}

/**
 * The client-visible content of a bucket as one string: the index, and every item of every
 * indexed partition plus `extraPks` (partitions holding only tombstones are not indexed).
 */
export async function httpDump(hs: HostileServer, creds: Creds, bucket: string, extraPks: readonly string[] = []): Promise<string> {
  const index = await signedJson(hs, creds, 'GET', `/${bucket}`);
  const parsed = JSON.parse(index.body.toString('utf8')) as { partitionKeys: { pk: string }[] };
  const pks = [...new Set([...parsed.partitionKeys.map((p) => p.pk), ...extraPks])].sort();
  const items = await signedJson(
    hs,
    creds,
    'POST',
    `/${bucket}?search`,
    pks.map((partitionKey) => ({ partitionKey, tombstones: true })),
  );
  return `${index.body.toString('utf8')}\n${items.body.toString('utf8')}`;
}

export interface RawDump {
  /** database name -> number of records */
  readonly counts: Record<string, number>;
  /** SHA-256 over every (key, value) of every database, in key order. */
  readonly digest: string;
}

/** Reads every record of the store's LMDB databases (the server must be stopped). */
export async function lmdbDump(dataDir: string): Promise<RawDump> {
  const env = open({ path: dataDir, readOnly: true, noSubdir: false, maxDbs: 4 });
  try {
    const hash = createHash('sha256');
    const counts: Record<string, number> = {};
    for (const name of ['k2v', 'meta']) {
      const db = env.openDB<Buffer, Buffer>({ name, keyEncoding: 'binary', encoding: 'binary' });
      let n = 0;
      for (const { key, value } of db.getRange({})) {
        const k = Buffer.from(key);
        const v = Buffer.from(value);
        const lens = Buffer.alloc(8);
        lens.writeUInt32BE(k.length, 0);
        lens.writeUInt32BE(v.length, 4);
        hash.update(lens).update(k).update(v);
        n++;
      }
      counts[name] = n;
      hash.update(`|${name}|`);
    }
    return { counts, digest: hash.digest('hex') };
  } finally {
    await env.close();
  }
}
