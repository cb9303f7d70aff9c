/**
 * Failover (issue 11): a primary and a synchronous standby (`pg_basebackup -R`, listed in the
 * primary's `synchronous_standby_names`, so a COMMIT returns only once the standby has the WAL),
 * two `k2v server` processes on a multi-host URL with `target_session_attrs=read-write`. Under
 * write load through both servers the primary is stopped immediately (a crash) and the standby
 * promoted. Both servers must serve again by themselves (no restart): each answers a write and a
 * read of it, and a poll held on one is woken by a write through the other (the notification
 * connections followed the failover). No acknowledged write is lost: every one reads back through
 * both servers, nothing else is in the bucket, ReadIndex equals a recount; writes in the gap are
 * 503 or unanswered (never a 500), and no server logs a 500.
 *
 * PostgreSQL-only: skipped on the LMDB pass of `npm test`, run by its PostgreSQL pass
 * (test/support/e2e-on-postgres.ts), or by hand with K2V_TEST_DB_ENGINE=postgres. It makes its own
 * two clusters either way. Replay a run with K2V_CRASH_SEED=<seed printed in the diagnostics>.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import type { CrashWriter } from '../support/crash-writer.js';
import { assertBucketMatches, Controller, sumStats, writersOverServers } from '../support/crash-run.js';
import { startPgCluster, startStandby, type PgCluster } from '../support/pg-cluster.js';
import { seedFrom } from '../support/rng.js';
import { createTenant, freePort, ServerProcess, sleep, type ServerProcessOptions } from '../support/server-process.js';
import { enc, SignedClient, tokenOf } from '../support/signed-client.js';
import { TEST_DB_ENGINE } from './db-engine.js';

const WRITERS = 6;
/** The bound of every wait for the servers to come back (a clear failure beyond, never a hang). */
const RECOVERY_MS = 45_000;

const clusters: PgCluster[] = [];
const dirs: string[] = [];
const procs: ServerProcess[] = [];
const gate = new Controller();
const clients: SignedClient[] = [];
after(async () => {
  // K2V_CRASH_LOGS=<dir>: keep every server's log there, to see why a run failed.
  const keep = process.env['K2V_CRASH_LOGS'];
  if (keep !== undefined) procs.forEach((p, i) => writeFileSync(path.join(keep, `failover-server-${i}.log`), p.stdout() + p.stderr()));
  gate.stop();
  for (const c of clients) c.close();
  for (const p of procs) if (p.exitCode() === undefined) await p.kill('SIGKILL');
  for (const c of clusters) await c.destroy();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Makes the standby synchronous (on the primary only: the standby's copy of the settings has none). */
async function makeSynchronous(primaryUrl: string, name: string): Promise<void> {
  const sql = postgres(primaryUrl, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`ALTER SYSTEM SET synchronous_standby_names = '${name}'`);
    await sql`SELECT pg_reload_conf()`;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const rows = await sql<{ sync_state: string }[]>`SELECT sync_state FROM pg_stat_replication WHERE application_name = ${name}`;
      if (rows[0]?.sync_state === 'sync') return;
      assert.ok(Date.now() < deadline, `the standby did not become synchronous: ${JSON.stringify(rows)}`);
      await sleep(100);
    }
  } finally {
    await sql.end();
  }
}

/** Retries `f` until it returns a value; fails with `what` (and the servers' last log lines) after RECOVERY_MS. */
async function eventually<T>(what: string, f: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + RECOVERY_MS;
  let last = '';
  for (;;) {
    try {
      const v = await f();
      if (v !== undefined) return v;
    } catch (err) {
      last = String(err);
    }
    if (Date.now() > deadline) {
      const tails = procs
        .map((p, i) => `server ${i} (exit ${String(p.exitCode())}):\n${p.stdout().split('\n').slice(-5).join('\n')}\nstderr: ${p.stderr().slice(-2_000)}`)
        .join('\n');
      assert.fail(`${what}: not within ${RECOVERY_MS} ms (${last})\n${tails}`);
    }
    await sleep(100);
  }
}

const internalErrors = (proc: ServerProcess): string[] => proc.logs().filter((e) => /"status":5\d\d/.test(e.raw) && !/"status":503/.test(e.raw)).map((e) => e.raw);

test(
  'failover to a promoted synchronous standby: both servers serve again by themselves, no acknowledged write lost',
  { timeout: 150_000, skip: TEST_DB_ENGINE === 'postgres' ? false : 'PostgreSQL only: run by the PostgreSQL pass (K2V_TEST_DB_ENGINE=postgres)' },
  async (t) => {
    const t0 = Date.now();
    const phases: string[] = [];
    const phase = (name: string): void => void phases.push(`${name} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const seed = seedFrom('K2V_CRASH_SEED');
    t.diagnostic(`seed ${seed} (replay with K2V_CRASH_SEED=${seed})`);
    const primary = await startPgCluster();
    clusters.push(primary);
    await primary.createDatabase('k2v_failover');
    const standby = await startStandby(primary, 'standby1');
    clusters.push(standby);
    await makeSynchronous(primary.url(), 'standby1');
    phase('clusters up');
    const postgresUrl = `postgres://k2v@127.0.0.1:${primary.port},127.0.0.1:${standby.port}/k2v_failover?target_session_attrs=read-write`;

    const adminToken = randomBytes(16).toString('hex');
    const opts: ServerProcessOptions[] = [];
    for (let i = 0; i < 2; i++) {
      const dataDir = await mkdtemp(path.join(os.tmpdir(), `k2v-failover${i}-`));
      dirs.push(dataDir);
      opts.push({ dataDir, k2vPort: await freePort(), adminPort: await freePort(), adminToken, extraArgs: ['--db-engine', 'postgres', '--postgres-url', postgresUrl] });
    }
    for (const o of opts) {
      const p = new ServerProcess(o);
      procs.push(p);
      await p.waitHealthy(60_000);
    }
    const tenant = await createTenant(opts[0]!.adminPort, adminToken, `failover-${randomBytes(4).toString('hex')}`);
    const servers = opts.map((o) => `http://127.0.0.1:${o.k2vPort}`);
    const direct = servers.map((url) => new SignedClient({ url, ...tenant, timeoutMs: 60_000 }));
    clients.push(...direct);
    // The new key reaches the other server's metadata by NOTIFY a moment later.
    for (const [i, c] of direct.entries()) {
      await eventually(`server ${i} lets the new key read its bucket`, async () => ((await c.request({ path: `/${tenant.bucket}/probe?sort_key=probe` })).status === 404 ? true : undefined));
    }

    const failures: string[] = [];
    const writers = writersOverServers(WRITERS, servers, tenant, gate, seed, failures, clients);
    const acked = (): number => sumStats(writers, (s) => s.acked);
    gate.setUp();
    const running = writers.map((w) => w.run());

    await eventually('writes acknowledged before the failover', () => Promise.resolve(acked() >= 200 ? true : undefined));
    const before = acked();
    phase('primary stopped');
    await primary.stop('immediate');
    await sleep(500);
    await standby.promote();
    phase('standby promoted');

    // Both servers by themselves: healthy, and writes acknowledged again.
    for (const [i, p] of procs.entries()) {
      await eventually(`server ${i} healthy after the promotion`, async () => (p.exitCode() === undefined && (await p.waitHealthy(1_000).then(() => true, () => false)) ? true : undefined));
    }
    phase('both healthy');
    await eventually('writes acknowledged through the spread after the promotion', () => Promise.resolve(acked() >= before + 200 ? true : undefined));
    phase('writes resumed');
    gate.stop();
    await Promise.all(running);
    assert.deepEqual(failures, []);

    // Every acknowledged write, through each server.
    let verdict;
    for (const url of servers) {
      const verifier = new SignedClient({ url, ...tenant, timeoutMs: 60_000 });
      clients.push(verifier);
      verdict = await assertBucketMatches(verifier, tenant.bucket, writers, { severalNodes: true });
    }

    // Each server by itself takes a write and reads it back (after the bucket check: these items are not the writers').
    for (const [i, c] of direct.entries()) {
      const itemPath = `/${tenant.bucket}/${enc('failover-check')}?sort_key=${enc(`s${i}`)}`;
      await eventually(`server ${i} acknowledges a write after the promotion`, async () => ((await c.request({ method: 'PUT', path: itemPath, body: `after-${i}` })).status === 204 ? true : undefined));
      const res = await c.request({ path: itemPath, headers: { accept: 'application/json' } });
      assert.equal(res.status, 200, `server ${i} reads its write back`);
      assert.deepEqual(JSON.parse(res.body.toString('utf8')), [Buffer.from(`after-${i}`).toString('base64')]);
    }

    // The notification connections followed the failover: a poll on server 1 wakes on a write through server 0.
    const pollPath = `/${tenant.bucket}/${enc('failover-poll')}?sort_key=k`;
    assert.equal((await direct[0]!.request({ method: 'PUT', path: pollPath, body: 'v1' })).status, 204);
    const token = tokenOf(await direct[1]!.request({ path: pollPath }));
    assert.ok(token !== undefined, 'a causality token');
    const poll = direct[1]!.request({ path: `${pollPath}&causality_token=${encodeURIComponent(token)}&timeout=30`, headers: { accept: 'application/json' } });
    await sleep(300);
    assert.equal((await direct[0]!.request({ method: 'PUT', path: pollPath, body: 'v2', headers: { 'x-garage-causality-token': token } })).status, 204);
    const woken = await poll;
    assert.equal(woken.status, 200, 'the poll on server 1 is answered with the write through server 0');
    assert.deepEqual(JSON.parse(woken.body.toString('utf8')), [Buffer.from('v2').toString('base64')]);

    for (const [i, p] of procs.entries()) assert.equal(p.exitCode(), undefined, `server ${i} exited by itself: ${p.stderr()}`);
    for (const p of procs) assert.deepEqual(internalErrors(p), [], 'a 5xx other than 503 was logged');
    const sum = (f: (s: CrashWriter['stats']) => number): number => sumStats(writers, f);
    t.diagnostic(
      `${acked()} acknowledged item writes (${before} before the failover), ${sum((s) => s.ackedVerified)} read back exactly; ` +
        `${sum((s) => s.unavailable)} answered 503; ${sum((s) => s.unknown)} unanswered or 503 (${sum((s) => s.unknownLanded)} landed, ` +
        `${sum((s) => s.unknownNotLanded)} not); ${verdict?.partitions} partitions; at ${phases.join(', ')}`,
    );
  },
);
