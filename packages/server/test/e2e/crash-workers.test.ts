/**
 * The crash test (crash.test.ts) against `k2v server --workers 2`: writers drive InsertItem,
 * DeleteItem and InsertBatch over connections spread on both workers while the test SIGKILLs, at
 * random moments, either one worker (the primary starts it again; the other worker keeps serving)
 * or the primary (its workers stop; the next server starts on the same data dir). Every
 * acknowledged write is read back (crash-writer.ts), and at the end the whole bucket is compared
 * with the writers' model and the ReadIndex counters with a recount of the items.
 *
 * Replay with K2V_CRASH_SEED=<seed>; K2V_CRASH_CYCLES sets the number of kills (default 12);
 * K2V_CRASH_KILLS=worker|primary kills only workers, or only the primary.
 * LMDB only (test/support/e2e-on-postgres.ts LMDB_ONLY).
 *
 * History: before the 'peer-died' repair (store/lmdb/peer-processes.ts), a write left unanswered
 * by a killed worker was read back as not landed and appeared in a later read; before the EPIPE
 * and exit fixes (workers/ipc-peer-link.ts, cli/run-server.ts), workers died or hung when the
 * primary was SIGKILLed. With them: 4 runs of 4 passed (worker kills, primary kills, both).
 * Then, under CI load, a write left unanswered by a killed worker was again read back as not
 * landed and appeared beside the writer's next one: the kill had landed between LMDB's meta page
 * write and the publication of the transaction id, before any survivor heard of the death. Each
 * turn's first read now checks for that (commit-stamp.ts; test/store/lmdb/killed-writer.test.ts
 * reproduces it in about one kill of five without the check).
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
import { within } from './support-http.js';

const WRITERS = 6;
const CYCLES = Number(process.env['K2V_CRASH_CYCLES'] ?? '') || 12;
const KILLS = process.env['K2V_CRASH_KILLS'] ?? 'both';
const kills: string[] = [];
/** What the kills themselves make the processes log (anything else at warn or above fails). */
const EXPECTED = new Set(['worker died: starting it again', 'the primary process is gone: stopping this worker']);

let dataDir: string | undefined;
let current: ServerProcess | undefined;
const gate = new Controller();
const clients: SignedClient[] = [];
after(async () => {
  gate.stop();
  for (const c of clients) c.close();
  if (current !== undefined && current.exitCode() === undefined) await current.kill('SIGKILL');
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
});

/** The last lines a server logged, for a failure message that says where a run stopped. */
const tail = (p: ServerProcess | undefined): string => (p === undefined ? '' : p.logs().slice(-25).map((e) => e.raw).join('\n'));

/** A phase of the run that must end within `ms`; if not, the failure says which, after which kills, and what the server logged last. */
function phase<T>(what: string, p: Promise<T>, ms: number): Promise<T> {
  return within(p, ms, what).catch((err: unknown) => {
    throw new Error(`${(err as Error).message} (kills so far: ${kills.join(', ') || 'none'})\nlast log lines:\n${tail(current)}`, { cause: err });
  });
}

function assertQuiet(proc: ServerProcess, what: string): void {
  assert.deepEqual(
    proc
      .problems()
      .filter((e) => !EXPECTED.has(e.msg))
      .map((e) => e.raw),
    [],
    `${what}: warnings or errors in the log`,
  );
  assert.equal(proc.unexpectedStderr(), '', `${what}: stderr`);
}

/** slot -> pid of the latest start of each worker ('LMDB store open' lines). */
function workerPids(p: ServerProcess): Map<number, number> {
  const pids = new Map<number, number>();
  for (const e of p.logs()) {
    if (e.msg === 'LMDB store open') {
      const r = JSON.parse(e.raw) as { pid: number; slot: number };
      pids.set(r.slot, r.pid);
    }
  }
  return pids;
}

const listening = (p: ServerProcess) => p.logs().filter((e) => e.msg === 'k2v server listening').length;

test('no acknowledged write is lost across SIGKILLs of workers and of the primary', { timeout: 240_000 }, async (t) => {
  const seed = seedFrom('K2V_CRASH_SEED');
  const rng = new Rng(seed);
  t.diagnostic(`seed ${seed} (replay with K2V_CRASH_SEED=${seed})`);
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'k2v-crash-workers-'));
  const opts: ServerProcessOptions = {
    dataDir,
    k2vPort: await freePort(),
    adminPort: await freePort(),
    adminToken: randomBytes(16).toString('hex'),
    extraArgs: ['--workers', '2'],
  };
  const start = async (): Promise<ServerProcess> => {
    const proc = new ServerProcess(opts);
    current = proc;
    await phase('a server start', proc.waitHealthy(), 60_000);
    assert.ok(await proc.waitForLog('k2v server ready: every worker listens', 30_000), `not ready: ${proc.stdout()}`);
    return proc;
  };

  let proc = await start();
  const tenant = await createTenant(opts.adminPort, opts.adminToken, `crashw-${randomBytes(4).toString('hex')}`);
  const failures: string[] = [];
  for (let w = 0; w < WRITERS; w++) clients.push(new SignedClient({ url: proc.k2vUrl, ...tenant, maxSockets: 2 }));
  const writers = clients.map(
    (c, w) => new CrashWriter(w, c, tenant.bucket, itemsOf(w), gate, new Rng(seed + 1 + w), failures, { severalNodes: true }),
  );
  gate.setUp();
  const running = writers.map((w) => w.run());

  let workerKills = 0;
  let primaryKills = 0;
  for (let cycle = 1; cycle <= CYCLES; cycle++) {
    await sleep(150 + rng.int(1_200));
    const last = cycle === CYCLES;
    if (last) gate.stop();
    const killWorker = KILLS === 'worker' || (KILLS === 'both' && rng.next() < 0.5);
    if (!last && killWorker) {
      // One worker: the other keeps serving; writers retry what the dead one swallowed.
      const slot = rng.int(2);
      const pid = workerPids(proc).get(slot)!;
      const before = listening(proc);
      process.kill(pid, 'SIGKILL');
      workerKills++;
      kills.push(`worker ${slot}`);
      const deadline = Date.now() + 30_000;
      while (listening(proc) === before) {
        assert.ok(Date.now() < deadline, `cycle ${cycle}: worker ${slot} not started again: ${proc.stdout()}`);
        await sleep(20);
      }
    } else {
      gate.setDown();
      assert.equal(await phase(`cycle ${cycle}: the primary's exit after SIGKILL`, proc.kill('SIGKILL'), 30_000), 'SIGKILL', `cycle ${cycle}: exit`);
      primaryKills++;
      kills.push('primary');
      assertQuiet(proc, `server killed in cycle ${cycle}`);
      proc = await start();
      if (!last) gate.setUp();
    }
    assert.deepEqual(failures, [], `after cycle ${cycle} (kills: ${kills.join(', ')})`);
  }
  // A writer waits at most its client's 60 s per request; more than two such waits is a hang.
  await phase('the writers finishing their last writes', Promise.all(running), 130_000);
  for (const c of clients) c.close();

  const verifier = new SignedClient({ url: proc.k2vUrl, ...tenant });
  const { pendingLanded, pendingNot, partitions } = await phase(
    'the final read-back',
    assertBucketMatches(verifier, tenant.bucket, writers, { severalNodes: true }),
    60_000,
  );
  verifier.close();

  assert.equal(await phase('the graceful stop after the run', proc.kill('SIGTERM'), 45_000), 0, 'graceful stop after the run');
  assertQuiet(proc, 'last server');
  assert.deepEqual(failures, []);

  const sum = (f: (s: CrashWriter['stats']) => number) => sumStats(writers, f);
  const acked = sum((s) => s.acked);
  t.diagnostic(
    `${workerKills} worker kills, ${primaryKills} primary kills; ${acked} acknowledged item writes, ` +
      `${sum((s) => s.ackedVerified)} read back exactly; ${sum((s) => s.unknown)} unanswered ` +
      `(${pendingLanded + pendingNot} resolved at the end); ${partitions} partitions`,
  );
  assert.ok(acked > 500, `too few acknowledged writes to mean anything: ${acked}`);
});
