/**
 * Reservations (src/store/postgres/pg-transaction.ts) when the connection dies under a
 * transaction, on a throwaway cluster: the backend is terminated from another connection while
 * pipelined statements are queued behind one still being prepared. Bare postgres.js 3.4.9 leaves
 * those queued statements unsettled for ever (the first test shows the driver still does, so the
 * workaround is still needed); through a Reservation every one of them rejects, nothing more is
 * sent, and the pool serves the next transaction.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Db } from '../../../src/store/postgres/pg-connection.js';
import { isConnectionLost } from '../../../src/store/postgres/pg-errors.js';
import { inTransaction, reserve } from '../../../src/store/postgres/pg-transaction.js';
import { StoreError } from '../../../src/store/errors.js';
import { startPgCluster, type PgCluster } from '../../support/pg-cluster.js';

let cluster: PgCluster | undefined;
const pools: Db[] = [];
after(async () => {
  for (const p of pools) await p.end({ timeout: 1 }).catch(() => undefined);
  await cluster?.destroy();
});

async function pool(max = 2): Promise<Db> {
  cluster ??= await startPgCluster();
  const sql = connect({ url: cluster.url(), maxConnections: max, statementTimeoutMs: 10_000, lockTimeoutMs: 5_000 });
  pools.push(sql);
  return sql;
}

/** Terminates the backend of `pid` from a connection of its own. */
async function terminate(pid: number): Promise<void> {
  const other = await pool(1);
  await other`SELECT pg_terminate_backend(${pid})`;
}

const settledWithin = async (p: Promise<unknown>, ms: number): Promise<boolean> => {
  let timer: NodeJS.Timeout | undefined;
  const done = await Promise.race([p.then(() => true, () => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)))]);
  clearTimeout(timer);
  return done;
};

test('bare postgres.js: with fetch_types off, reserve() on a pool that must open a connection for it never settles (the slots work around it)', async () => {
  const sql = await pool(1);
  // If a postgres.js release settles it (porsager/postgres#1220), this fails: pg-slots.ts may go.
  assert.equal(await settledWithin(sql.reserve(), 2_000), false, 'the reserve settled');
});

test('bare postgres.js: statements queued on a reserved connection that dies never settle (the driver fault worked around)', async () => {
  const sql = await pool();
  // An open idle connection first: reserve() would not settle if it had to open one (test above).
  await sql`SELECT 1`;
  const c = await sql.reserve();
  const [{ pid }] = (await c<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`) as unknown as [{ pid: number }];
  await c`BEGIN`;
  // A parameterized statement never prepared on this connection is described first: the
  // connection is "full" until it is answered, and the next statements wait in its queue.
  const slow = c`SELECT pg_sleep(${2}), ${'x'}::text AS t`.then(() => 'answered', (e: unknown) => e);
  const queued = [c`SELECT ${1}::int AS a`, c`SELECT ${2}::int AS b`, c`COMMIT`].map((q) => q.then(() => 'answered', (e: unknown) => e));
  await new Promise((r) => setTimeout(r, 300));
  await terminate(pid);
  const first = await slow;
  assert.ok(isConnectionLost(first), `the running statement fails as a lost connection: ${String(first)}`);
  // If a postgres.js release settles them, this fails: then the Reservation's race may go.
  assert.equal(await settledWithin(Promise.all(queued), 3_000), false, 'the queued statements settled');
});

test('a Reservation: every queued statement rejects at once when the connection dies; it is not released; the pool goes on', async () => {
  const sql = await pool();
  const r = await reserve(sql, 10_000);
  const [{ pid }] = (await r.run(r.tx<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`)) as unknown as [{ pid: number }];
  await r.run(r.tx`BEGIN`);
  // Its outcome taken at once: the loss can be seen before terminate() has its own answer.
  const all = r
    .settleAll([r.tx`SELECT pg_sleep(${2}), ${'y'}::text AS t`, r.tx`SELECT ${1}::int AS a`, r.tx`SELECT ${2}::int AS b`, r.tx`COMMIT`])
    .then(() => undefined, (e: unknown) => e);
  await new Promise((res) => setTimeout(res, 300));
  await terminate(pid);
  const err = await all;
  assert.ok(isConnectionLost(err), `settleAll rejects as a lost connection: ${String(err)}`);
  assert.equal(r.isLost, true);
  // Nothing more is sent on it; a ROLLBACK after the loss is skipped, not hung.
  await assert.rejects(r.run(r.tx`SELECT 1`));
  assert.equal(await settledWithin(r.abort(err), 1_000), true, 'abort returns at once');
  r.end();
  // The pool reconnects and serves a whole transaction again.
  const n = await inTransaction(sql, '', 10_000, async (t) => (await t.run(t.tx<{ n: number }[]>`SELECT ${41}::int + 1 AS n`))[0]!.n);
  assert.equal(n, 42);
});

test('a Reservation: a statement without an answer fails at its bound (503), and its backend is terminated', async () => {
  const sql = await pool();
  const r = await reserve(sql, 500);
  await r.run(r.tx`BEGIN`);
  const [{ pid }] = (await r.run(r.tx<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`)) as unknown as [{ pid: number }];
  // statement_timeout is 10 s: the client-side bound (500 ms) fires first.
  const err = await r.run(r.tx`SELECT pg_sleep(5)`).then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof StoreError && err.code === 'Unavailable', `a 503: ${String(err)}`);
  assert.equal(r.isLost, true);
  r.end();
  const probe = await pool(1);
  for (let i = 0; ; i++) {
    const rows = await probe`SELECT 1 FROM pg_stat_activity WHERE pid = ${pid}`;
    if (rows.length === 0) break;
    assert.ok(i < 100, `backend ${pid} still there`);
    await new Promise((res) => setTimeout(res, 50));
  }
});

test('reserve() waits for a connection at most its bound (503), and one granted later goes back to the pool', async () => {
  const sql = await pool(1);
  const held = await reserve(sql, 1_000);
  const err = await reserve(sql, 200).then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof StoreError && err.code === 'Unavailable', `a 503: ${String(err)}`);
  held.end();
  // The late grant was released: the only connection is free again.
  const again = await reserve(sql, 2_000);
  again.end();
});
