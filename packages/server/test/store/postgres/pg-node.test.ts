/**
 * Node exclusivity on PostgreSQL (src/store/postgres/pg-node.ts; architecture "Node identity and
 * clock"): the session advisory lock that keeps a node id to one process is lost with its session
 * when PostgreSQL restarts. Checked here on a throwaway cluster:
 * - after an immediate restart the store takes its lock again by itself (before another server
 *   can), writes through it work, and a second store opened then gets another node id;
 * - when another process claims the node while the lock is gone (its session killed, the lock
 *   taken and the row's owner changed from outside), not one more write commits through the old
 *   owner: every call is 503, /health fails, and the node's clock row is not advanced by it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import postgres from 'postgres';
import { pino } from 'pino';
import { StoreError } from '../../../src/store/errors.js';
import { openPgStore, type PgStoreOptions } from '../../../src/store/postgres/open-pg-store.js';
import { nodeToDb } from '../../../src/store/postgres/pg-keys.js';
import type { PgStore } from '../../../src/store/postgres/pg-store.js';
import { startPgCluster, type PgCluster } from '../../support/pg-cluster.js';
import { newBucketId, put } from '../store-case-support.js';

let cluster: PgCluster;
const stores: PgStore[] = [];
before(async () => {
  cluster = await startPgCluster();
});
after(async () => {
  for (const s of stores) await s.close().catch(() => undefined);
  await cluster?.destroy();
});

const options = (url: string): PgStoreOptions => ({
  url,
  tombstoneGcDelayMs: 24 * 3600 * 1000,
  maxValuesPerItem: 100,
  statementTimeoutMs: 5_000,
  gcIntervalMs: 3_600_000,
  logger: pino({ level: 'silent' }),
});

async function open(url: string): Promise<PgStore> {
  const s = await openPgStore(options(url));
  stores.push(s);
  return s;
}

/** Retries `f` until it returns true; fails with `what` after `ms`. */
async function until(what: string, f: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await f().catch(() => false)) return;
    assert.ok(Date.now() < deadline, `${what} (not within ${ms} ms)`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The backend pids holding the advisory lock of `nodeId` (a bigint key: classid high, objid low). */
async function lockHolders(sql: postgres.Sql, nodeId: bigint): Promise<number[]> {
  const key = BigInt.asUintN(64, nodeToDb(nodeId));
  const rows = await sql<{ pid: number }[]>`
    SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1
      AND classid = ${Number(key >> 32n)}::oid AND objid = ${Number(key & 0xffffffffn)}::oid`;
  return rows.map((r) => r.pid);
}

test('after an immediate PostgreSQL restart the store takes its node lock again; a new store gets another node', { timeout: 120_000 }, async () => {
  const url = await cluster.createDatabase();
  const a = await open(url);
  const bucket = newBucketId();
  await a.write(bucket, [put('p', 'before', 'v')]);
  await cluster.stop('immediate');
  await cluster.start();
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await until('store A healthy again after the restart', () => Promise.resolve(a.healthy()));
    await until('the node lock held again', async () => (await lockHolders(sql, a.nodeId)).length === 1);
    await until('a write through A after the restart', async () => {
      await a.write(bucket, [put('p', 'after', 'v')]);
      return true;
    });
    const b = await open(url);
    assert.notEqual(b.nodeId, a.nodeId, 'the second store claims another node');
    await b.write(bucket, [put('p', 'b', 'v')]);
    await a.write(bucket, [put('p', 'a-again', 'v')]);
    await until('A healthy', () => Promise.resolve(a.healthy()));
  } finally {
    await sql.end();
  }
});

test('a node claimed by another process while its lock was gone: the old owner refuses every call (503), commits nothing more', { timeout: 120_000 }, async () => {
  const url = await cluster.createDatabase();
  const a = await open(url);
  const bucket = newBucketId();
  await a.write(bucket, [put('p', 'mine', 'v')]);
  const me = nodeToDb(a.nodeId).toString();
  const intruder = postgres(url, { max: 1, onnotice: () => {} });
  try {
    // What another server's claim does once the lock's session is gone: take the lock, name itself.
    const [holder] = await lockHolders(intruder, a.nodeId);
    assert.ok(holder !== undefined, 'the node lock is held');
    await intruder`SELECT pg_terminate_backend(${holder})`;
    await until('the lock taken by the intruder', async () => (await intruder<{ ok: boolean }[]>`SELECT pg_try_advisory_lock(${me}::int8) AS ok`)[0]!.ok);
    await intruder`UPDATE k2v_node SET owner = 'intruder' WHERE node_id = ${me}::int8`;
    const [before] = await intruder<{ last: string }[]>`SELECT last FROM k2v_node WHERE node_id = ${me}::int8`;

    // The next write finds the row names another owner (or the lock check has already seen it).
    const err = await a.write(bucket, [put('p', 'after-takeover', 'v')]).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof StoreError && err.code === 'Unavailable', `a 503: ${String(err)}`);
    await assert.rejects(a.write(bucket, [put('p', 'again', 'v')]), (e: unknown) => e instanceof StoreError && e.code === 'Unavailable');
    await assert.rejects(a.getItem(bucket, 'p', 'mine'), (e: unknown) => e instanceof StoreError && e.code === 'Unavailable');
    assert.equal(a.healthy(), false, 'unhealthy');
    assert.throws(() => a.meta.listBuckets(), (e: unknown) => e instanceof StoreError && e.code === 'Unavailable');

    const [afterRow] = await intruder<{ last: string }[]>`SELECT last FROM k2v_node WHERE node_id = ${me}::int8`;
    assert.equal(afterRow!.last, before!.last, "the node's clock did not move");
    const rows = await intruder<{ n: string }[]>`SELECT count(*) AS n FROM k2v_item WHERE bucket = ${Buffer.from(bucket, 'hex')}`;
    assert.equal(Number(rows[0]!.n), 1, 'only the write made before the takeover');
  } finally {
    await intruder.end();
  }
});

test('the lock session killed, nobody else claiming: the store takes the lock again and keeps writing', { timeout: 60_000 }, async () => {
  const url = await cluster.createDatabase();
  const a = await open(url);
  const bucket = newBucketId();
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [holder] = await lockHolders(sql, a.nodeId);
    assert.ok(holder !== undefined);
    await sql`SELECT pg_terminate_backend(${holder})`;
    await until('the lock held again by a new session', async () => {
      const now = await lockHolders(sql, a.nodeId);
      return now.length === 1 && now[0] !== holder;
    });
    await until('a write through A', async () => {
      await a.write(bucket, [put('p', 'k', 'v')]);
      return true;
    });
    await until('A healthy', () => Promise.resolve(a.healthy()));
  } finally {
    await sql.end();
  }
});
