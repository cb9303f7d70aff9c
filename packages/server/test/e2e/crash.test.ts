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
import { CrashWriter, type Gate, type TrackedItem } from '../support/crash-writer.js';
import { assertIndexMatches, readPartitions } from '../support/bucket-check.js';
import { sameState, showState } from '../support/item-model.js';
import { Rng, seedFrom } from '../support/rng.js';
import { createTenant, freePort, ServerProcess, sleep, type ServerProcessOptions } from '../support/server-process.js';
import { SignedClient } from '../support/signed-client.js';

const WRITERS = 6;
const CYCLES = Number(process.env['K2V_CRASH_CYCLES'] ?? '') || 24;

/** Tells writers whether the server is up; the controller flips it around each kill. */
class Controller implements Gate {
  stopping = false;
  private up = false;
  private waiters: ((up: boolean) => void)[] = [];

  whenUp(): Promise<boolean> {
    if (this.stopping) return Promise.resolve(false);
    if (this.up) return Promise.resolve(true);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  setUp(): void {
    this.up = true;
    this.release(true);
  }

  setDown(): void {
    this.up = false;
  }

  stop(): void {
    this.stopping = true;
    this.release(false);
  }

  private release(up: boolean): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w(up);
  }
}

/** Items of writer `w`: its own partition, plus a few keys in a partition all writers share. */
function itemsOf(w: number): TrackedItem[] {
  const item = (pk: string, sk: string, mode: 'replace' | 'append'): TrackedItem => ({
    pk,
    sk,
    mode,
    state: undefined,
    token: undefined,
    pending: undefined,
  });
  const own = `crash-w${w}`;
  return [
    ...Array.from({ length: 8 }, (_, j) => item(own, `r${j}${j % 3 === 0 ? '-é' : ''}`, 'replace')),
    ...Array.from({ length: 2 }, (_, j) => item(own, `a${j}`, 'append')),
    ...Array.from({ length: 3 }, (_, j) => item('crash-shared', `w${w}-r${j}`, 'replace')),
    item('crash-shared', `w${w}-a0`, 'append'),
  ];
}

/** A server that has just become healthy must have logged its start and nothing worrying. */
async function assertStartedCleanly(proc: ServerProcess, what: string): Promise<void> {
  for (const line of ['LMDB store open', 'k2v server listening']) {
    assert.ok(await proc.waitForLog(line), `${what}: no '${line}' line: ${proc.stdout()}`);
  }
  assertQuiet(proc, what);
}

/** No warning or error in the log, nothing on stderr, over the process's whole life. */
function assertQuiet(proc: ServerProcess, what: string): void {
  assert.deepEqual(
    proc.problems().map((e) => e.raw),
    [],
    `${what}: warnings or errors in the log`,
  );
  assert.equal(proc.stderr(), '', `${what}: stderr`);
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
  const all = writers.flatMap((w) => [...w.items]);
  const pks = [...new Set(all.map((i) => i.pk))].sort();
  const listed = await readPartitions(verifier, tenant.bucket, pks);
  let pendingLanded = 0;
  let pendingNot = 0;
  for (const item of all) {
    const got = listed.get(item.pk)?.get(item.sk);
    const where = `${item.pk}/${item.sk}`;
    if (item.pending === undefined) {
      assert.ok(sameState(got, item.state), `${where}: expected ${showState(item.state)}, read ${showState(got)}`);
    } else if (sameState(got, item.pending.ifLanded)) {
      pendingLanded++;
    } else {
      assert.ok(
        sameState(got, item.pending.prior),
        `${where}: expected ${showState(item.pending.prior)} or ${showState(item.pending.ifLanded)}, read ${showState(got)}`,
      );
      pendingNot++;
    }
  }
  const tracked = new Set(all.map((i) => `${i.pk}/${i.sk}`));
  const unknown = [...listed].flatMap(([pk, part]) => [...part.keys()].map((sk) => `${pk}/${sk}`)).filter((k) => !tracked.has(k));
  assert.deepEqual(unknown, [], 'items nobody wrote');
  const partitions = await assertIndexMatches(verifier, tenant.bucket, listed);
  verifier.close();

  assert.equal(await proc.kill('SIGTERM'), 0, 'graceful stop after the run');
  assertQuiet(proc, 'last server');
  assert.ok(await proc.waitForLog('k2v server stopped'), 'the last server logged its stop');
  assert.deepEqual(failures, []);

  const sum = (f: (s: CrashWriter['stats']) => number) => writers.reduce((n, w) => n + f(w.stats), 0);
  const acked = sum((s) => s.acked);
  t.diagnostic(
    `${CYCLES} kills while writing (+${startupKills} during start-up), ${starts} clean starts; ` +
      `${acked} acknowledged item writes, ${sum((s) => s.ackedVerified)} read back exactly; ` +
      `${sum((s) => s.unknown)} unanswered (${sum((s) => s.unknownLanded)} landed, ${sum((s) => s.unknownNotLanded)} not, ` +
      `${pendingLanded + pendingNot} resolved at the end); ops: ${sum((s) => s.insertItem)} InsertItem, ` +
      `${sum((s) => s.deleteItem)} DeleteItem, ${sum((s) => s.insertBatch)} InsertBatch; ${all.length} items, ${partitions} partitions`,
  );
  assert.ok(acked > 1_000, `too few acknowledged writes to mean anything: ${acked}`);
});
