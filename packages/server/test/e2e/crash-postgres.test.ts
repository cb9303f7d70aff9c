/**
 * Crash safety of several servers on one PostgreSQL database (issue 11): two `k2v server
 * --db-engine postgres` processes on a throwaway cluster, writers spreading InsertItem, DeleteItem
 * and InsertBatch over both (crash-writer.ts, each request to either server at random, so a write
 * through one is read back through the other). During the run one K2V server is SIGKILLed at a
 * random moment and restarted, a few times, and PostgreSQL itself is stopped once with
 * `pg_ctl stop -m immediate` (a crash: no checkpoint, recovery at the next start) and started
 * again while both servers keep running.
 *
 * Afterwards: every acknowledged write reads back through both servers, the bucket holds nothing
 * else, ReadIndex counters equal a recount (through both), and every write the servers answered
 * while PostgreSQL was down was a 503 (or had no answer: a killed server); never a 500 or any other
 * status. Both servers log no 500 and exit 0 on SIGTERM.
 *
 * PostgreSQL-only: skipped on the LMDB pass of `npm test`, run by its PostgreSQL pass
 * (test/support/e2e-on-postgres.ts), or by hand with K2V_TEST_DB_ENGINE=postgres; it makes its own
 * cluster either way. Replay a run with K2V_CRASH_SEED=<seed printed in the diagnostics>.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CrashWriter } from '../support/crash-writer.js';
import { assertBucketMatches, Controller, sumStats, writersOverServers } from '../support/crash-run.js';
import { startPgCluster, type PgCluster } from '../support/pg-cluster.js';
import { Rng, seedFrom } from '../support/rng.js';
import { createTenant, freePort, ServerProcess, sleep, type ServerProcessOptions } from '../support/server-process.js';
import { SignedClient } from '../support/signed-client.js';
import { TEST_DB_ENGINE } from './db-engine.js';

const WRITERS = 6;
const SERVER_KILLS = 3;

let cluster: PgCluster | undefined;
const dirs: string[] = [];
const procs: (ServerProcess | undefined)[] = [undefined, undefined];
const gate = new Controller();
const clients: SignedClient[] = [];
/** Every server process that ran, for the final log checks and K2V_CRASH_LOGS. */
const ran: ServerProcess[] = [];
after(async () => {
  // K2V_CRASH_LOGS=<dir>: keep every server's log there, to see why a run failed.
  const keep = process.env['K2V_CRASH_LOGS'];
  if (keep !== undefined) ran.forEach((p, i) => writeFileSync(path.join(keep, `server-${i}.log`), p.stdout() + p.stderr()));
  gate.stop();
  for (const c of clients) c.close();
  for (const p of procs) if (p !== undefined && p.exitCode() === undefined) await p.kill('SIGKILL');
  if (cluster !== undefined) await cluster.destroy();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Log lines of a 500 answer (the server logs each failed request with its status). */
const internalErrors = (proc: ServerProcess): string[] => proc.logs().filter((e) => /"status":5\d\d/.test(e.raw) && !/"status":503/.test(e.raw)).map((e) => e.raw);

test('two servers on PostgreSQL: no acknowledged write lost across K2V SIGKILLs and a PostgreSQL crash', {
  timeout: 180_000,
  skip: TEST_DB_ENGINE === 'postgres' ? false : 'PostgreSQL only: run by the PostgreSQL pass (K2V_TEST_DB_ENGINE=postgres)',
}, async (t) => {
  const seed = seedFrom('K2V_CRASH_SEED');
  const rng = new Rng(seed);
  t.diagnostic(`seed ${seed} (replay with K2V_CRASH_SEED=${seed})`);
  cluster = await startPgCluster();
  const postgresUrl = await cluster.createDatabase();
  const adminToken = randomBytes(16).toString('hex');
  const opts: ServerProcessOptions[] = [];
  for (let i = 0; i < 2; i++) {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), `k2v-crash-pg${i}-`));
    dirs.push(dataDir);
    opts.push({
      dataDir,
      k2vPort: await freePort(),
      adminPort: await freePort(),
      adminToken,
      extraArgs: ['--db-engine', 'postgres', '--postgres-url', postgresUrl],
    });
  }
  const start = async (i: number): Promise<ServerProcess> => {
    const proc = new ServerProcess(opts[i]!);
    procs[i] = proc;
    ran.push(proc);
    await proc.waitHealthy();
    return proc;
  };
  // One after the other: the first creates the schema.
  await start(0);
  await start(1);

  const tenant = await createTenant(opts[0]!.adminPort, adminToken, `crash-pg-${randomBytes(4).toString('hex')}`);
  const servers = opts.map((o) => `http://127.0.0.1:${o.k2vPort}`);
  // The key and bucket reach the other server's metadata cache by NOTIFY, a moment later: wait
  // until both servers let the key read the bucket (a 404 for an item never written).
  for (const url of servers) {
    const probe = new SignedClient({ url, ...tenant });
    try {
      for (let tries = 0; ; tries++) {
        const res = await probe.request({ path: `/${tenant.bucket}/probe?sort_key=probe` });
        if (res.status === 404) break;
        assert.ok(tries < 200, `${url} never let the new key read its bucket: ${res.status} ${res.body.toString('utf8')}`);
        await sleep(25);
      }
    } finally {
      probe.close();
    }
  }
  const failures: string[] = [];
  const writers = writersOverServers(WRITERS, servers, tenant, gate, seed, failures, clients);
  gate.setUp();
  const running = writers.map((w) => w.run());

  // The PostgreSQL crash comes after a random one of the K2V kills.
  const pgCrashAfter = 1 + rng.int(SERVER_KILLS);
  let unavailableBefore = 0;
  let unavailableDuringOutage = 0;
  for (let kill = 1; kill <= SERVER_KILLS; kill++) {
    await sleep(1_000 + rng.int(2_500));
    const i = rng.int(2);
    assert.equal(await procs[i]!.kill('SIGKILL'), 'SIGKILL', `kill ${kill}: exit`);
    await sleep(rng.int(500));
    await start(i);
    assert.deepEqual(failures, [], `after kill ${kill}`);

    if (kill === pgCrashAfter) {
      await sleep(500 + rng.int(1_500));
      unavailableBefore = sumStats(writers, (s) => s.unavailable + s.unavailableReads);
      await cluster.stop('immediate');
      // Writers keep going through both servers: every answer now must be a 503.
      await sleep(1_500 + rng.int(1_500));
      await cluster.start();
      unavailableDuringOutage = sumStats(writers, (s) => s.unavailable + s.unavailableReads) - unavailableBefore;
      for (const p of procs) await p!.waitHealthy();
      assert.deepEqual(failures, [], 'after the PostgreSQL crash');
    }
  }
  await sleep(1_000);
  gate.stop();
  await Promise.all(running);
  for (const c of clients) c.close();
  assert.deepEqual(failures, []);

  // Through each server: the whole bucket against the model, the index against a recount.
  let verdict;
  for (const url of servers) {
    const verifier = new SignedClient({ url, ...tenant });
    try {
      verdict = await assertBucketMatches(verifier, tenant.bucket, writers, { severalNodes: true });
    } finally {
      verifier.close();
    }
  }

  for (const p of procs) assert.equal(await p!.kill('SIGTERM'), 0, `graceful stop: ${p!.stderr()}`);
  for (const p of ran) assert.deepEqual(internalErrors(p), [], 'a 5xx other than 503 was logged');

  const sum = (f: (s: CrashWriter['stats']) => number) => sumStats(writers, f);
  const acked = sum((s) => s.acked);
  t.diagnostic(
    `${SERVER_KILLS} K2V SIGKILLs, 1 PostgreSQL immediate stop (after kill ${pgCrashAfter}), ${ran.length} server starts; ` +
      `${acked} acknowledged item writes, ${sum((s) => s.ackedVerified)} read back exactly; ` +
      `${sum((s) => s.unknown)} unanswered or 503 (${sum((s) => s.unavailable)} answered 503; ${unavailableDuringOutage} requests answered 503 during the outage; ` +
      `${sum((s) => s.unknownLanded)} landed, ${sum((s) => s.unknownNotLanded)} not); ops: ${sum((s) => s.insertItem)} InsertItem, ` +
      `${sum((s) => s.deleteItem)} DeleteItem, ${sum((s) => s.insertBatch)} InsertBatch; ${verdict?.partitions} partitions`,
  );
  assert.ok(acked > 300, `too few acknowledged writes to mean anything: ${acked}`);
  assert.ok(unavailableDuringOutage > 0, 'no request reached a server while PostgreSQL was down');
});
