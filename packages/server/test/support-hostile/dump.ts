/**
 * Two views of "the store did not change": what a client can read (ReadIndex, then an unlimited
 * ReadBatch with tombstones of every partition), and the raw records of the store: on LMDB the
 * bytes of every record, read read-only from the data dir while the server is stopped; on
 * PostgreSQL every row of the store's tables, read while it runs.
 */
import { createHash } from 'node:crypto';
import { open } from 'lmdb';
import postgres from 'postgres';
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
  /** 'k2v' (items and their counters) and 'meta' (metadata) -> number of records */
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

/**
 * The tables of a PostgreSQL store, by the group RawDump counts them in. Not compared: the rows
 * of live servers' leases (renewed every few seconds) and the migrations' log.
 */
const PG_TABLES = {
  k2v: ['k2v_item', 'k2v_counter', 'k2v_bucket_items', 'k2v_node'],
  meta: ['k2v_access_key', 'k2v_used_key_id', 'k2v_bucket', 'k2v_bucket_gone', 'k2v_admin_token', 'k2v_used_admin_token_id', 'k2v_meta_version'],
} as const;

/** Every row of the store's tables (the server may run), in one snapshot. */
export async function pgDump(url: string): Promise<RawDump> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined });
  try {
    return await sql.begin('ISOLATION LEVEL REPEATABLE READ READ ONLY', async (tx) => {
      const hash = createHash('sha256');
      const counts: Record<string, number> = {};
      for (const [group, tables] of Object.entries(PG_TABLES)) {
        let n = 0;
        for (const table of tables) {
          const rows = await tx.unsafe<{ r: string }[]>(`SELECT to_jsonb(t)::text AS r FROM ${table} t ORDER BY r`);
          for (const { r } of rows) hash.update(`${r}\n`);
          hash.update(`|${table}|`);
          n += rows.length;
        }
        counts[group] = n;
      }
      return { counts, digest: hash.digest('hex') };
    });
  } finally {
    await sql.end();
  }
}

/**
 * The raw records of the server's store, whichever its engine. On LMDB the server is stopped
 * for the read and started again on the same data dir (new ports).
 */
export async function storeDump(hs: HostileServer): Promise<RawDump> {
  if (hs.config.dbEngine === 'postgres') return pgDump(hs.config.postgresUrl!);
  await hs.close();
  try {
    return await lmdbDump(hs.dataDir);
  } finally {
    await hs.reopen();
  }
}
