/**
 * Crash safety (issue 5, item 1): writers drive InsertItem, DeleteItem and InsertBatch against the
 * real server in a child process; the test SIGKILLs it at random moments, sometimes again while it
 * starts up, and restarts it on the same data dir each time. Every acknowledged write is read back
 * (crash-writer.ts), and after the last restart the whole bucket is compared with the writers'
 * model: each item holds exactly the state of its last acknowledged write, or of the one write
 * after it whose answer the kill swallowed; the ReadIndex counters equal a recount of the items;
 * every server started cleanly (health, start-up log lines, no warning or error, empty stderr).
 *
 * Replay a run with K2V_CRASH_SEED=<seed printed in the diagnostics>; K2V_CRASH_CYCLES sets the
 * number of kills (default 24).
 *
 * LMDB only (test/support/e2e-on-postgres.ts LMDB_ONLY): SIGKILLs one server on its LMDB data dir (PostgreSQL crashes are the two-server crash tests).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CrashWriter } from '../support/crash-writer.js';
import { assertBucketMatches, Controller, itemsOf, sumStats } from '../support/crash-run.js';
import { Rng, seedFrom } from '../support/rng.js';
import { createTenant, freePort, ServerProcess, sleep, type ServerProcessOptions } from '../support/server-process.js';
import { SignedClient } from '../support/signed-client.js';

const WRITERS = 6;
const CYCLES = Number(process.env['K2V_CRASH_CYCLES'] ?? '') || 24;

/** A server that has just become healthy must have logged its start and nothing worrying. */
async function assertStartedCleanly(proc: ServerProcess, what: string): Promise<void> {
  for (const line of ['LMDB store open', 'k2v server listening']) {
    assert.ok(await proc.waitForLog(line), `${what}: no '${line}' line: ${proc.stdout()}`);
  }
  assertQuiet(proc, what);
}

/** No warning or error in the log, nothing on stderr but the console's address, over the process's whole life. */
function assertQuiet(proc: ServerProcess, what: string): void {
  assert.deepEqual(
    proc.problems().map((e) => e.raw),
    [],
    `${what}: warnings or errors in the log`,
  );
  assert.equal(proc.unexpectedStderr(), '', `${what}: stderr`);
}

let dataDir: string | undefined;
let current: ServerProcess | undefined;
const gate = new Controller();
const clients: SignedClient[] = [];
after(async () => {
  // On failure, writers still retrying must stop, or their timers keep the process alive.
  gate.stop();
  for (const c of clients) c.close();
  if (current !== undefined && current.exitCode() === undefined) await current.kill('SIGKILL');
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
});

test('no acknowledged write is lost across SIGKILLs at random moments', { timeout: 240_000 }, async (t) => {
  const seed = seedFrom('K2V_CRASH_SEED');
  const rng = new Rng(seed);
  t.diagnostic(`seed ${seed} (replay with K2V_CRASH_SEED=${seed})`);
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'k2v-crash-'));
  const opts: ServerProcessOptions = {
    dataDir,
    k2vPort: await freePort(),
    adminPort: await freePort(),
    adminToken: randomBytes(16).toString('hex'),
  };
  let starts = 0;
  const start = async (): Promise<ServerProcess> => {
    const proc = new ServerProcess(opts);
    current = proc;
    await proc.waitHealthy();
    starts++;
    await assertStartedCleanly(proc, `start ${starts}`);
    return proc;
  };

  let proc = await start();
  const tenant = await createTenant(opts.adminPort, opts.adminToken, `crash-${randomBytes(4).toString('hex')}`);
  const failures: string[] = [];
  for (let w = 0; w < WRITERS; w++) clients.push(new SignedClient({ url: proc.k2vUrl, ...tenant, maxSockets: 2 }));
  const writers = clients.map((c, w) => new CrashWriter(w, c, tenant.bucket, itemsOf(w), gate, new Rng(seed + 1 + w), failures));
  gate.setUp();
  const running = writers.map((w) => w.run());

  let startupKills = 0;
  for (let cycle = 1; cycle <= CYCLES; cycle++) {
    await sleep(150 + rng.int(1_200));
    const last = cycle === CYCLES;
    if (last) gate.stop();
    gate.setDown();
    assert.equal(await proc.kill('SIGKILL'), 'SIGKILL', `cycle ${cycle}: exit`);
    assertQuiet(proc, `server killed in cycle ${cycle}`);
    // Now and then, kill the next server too while it opens the store.
    if (rng.next() < 0.2) {
      const early = new ServerProcess(opts);
      current = early;
      await sleep(rng.int(400));
      await early.kill('SIGKILL');
      startupKills++;
    }
    proc = await start();
    if (!last) gate.setUp();
    assert.deepEqual(failures, [], `after cycle ${cycle}`);
  }
  await Promise.all(running);
  for (const c of clients) c.close();

  // After the last restart: the whole bucket against the model.
  const verifier = new SignedClient({ url: proc.k2vUrl, ...tenant });
  const { pendingLanded, pendingNot, partitions } = await assertBucketMatches(verifier, tenant.bucket, writers);
  const items = writers.reduce((n, w) => n + w.items.length, 0);
  verifier.close();

  assert.equal(await proc.kill('SIGTERM'), 0, 'graceful stop after the run');
  assertQuiet(proc, 'last server');
  assert.ok(await proc.waitForLog('k2v server stopped'), 'the last server logged its stop');
  assert.deepEqual(failures, []);

  const sum = (f: (s: CrashWriter['stats']) => number) => sumStats(writers, f);
  const acked = sum((s) => s.acked);
  t.diagnostic(
    `${CYCLES} kills while writing (+${startupKills} during start-up), ${starts} clean starts; ` +
      `${acked} acknowledged item writes, ${sum((s) => s.ackedVerified)} read back exactly; ` +
      `${sum((s) => s.unknown)} unanswered (${sum((s) => s.unknownLanded)} landed, ${sum((s) => s.unknownNotLanded)} not, ` +
      `${pendingLanded + pendingNot} resolved at the end); ops: ${sum((s) => s.insertItem)} InsertItem, ` +
      `${sum((s) => s.deleteItem)} DeleteItem, ${sum((s) => s.insertBatch)} InsertBatch; ${items} items, ${partitions} partitions`,
  );
  assert.ok(acked > 1_000, `too few acknowledged writes to mean anything: ${acked}`);
});
