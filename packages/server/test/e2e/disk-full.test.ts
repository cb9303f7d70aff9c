/**
 * Disk trouble (issue 5, item 5), against the real server in a child process:
 * - the map budget (`--map-size`) is reached: writes that add data answer 503 ServiceUnavailable
 *   with one clear log line, reads keep working, deletes are still admitted and free space, and a
 *   restart with a bigger map accepts writes again;
 * - the disk itself is full (a small tmpfs, when this machine lets us mount one): writes answer
 *   503 (not 500, and the server stays up), reads keep working, and once disk space is freed
 *   writes succeed again;
 * and in both cases nothing acknowledged is lost or corrupted, across a restart (SIGKILL for the
 * full disk) and with ReadIndex counters equal to a recount.
 *
 * LMDB only (test/support/e2e-on-postgres.ts LMDB_ONLY): LMDB's map size and a full disk under the data dir (PostgreSQL: test/store/postgres).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { assertIndexMatches, readPartitions } from '../support/bucket-check.js';
import { showState, sameState, toWire, type Val } from '../support/item-model.js';
import { createTenant, freePort, healthStatus, LOG_ERROR, ServerProcess, type Tenant } from '../support/server-process.js';
import { describe, enc, tokenOf, SignedClient, type K2vResponse } from '../support/signed-client.js';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

/** The items a test wrote and the state each must have: partition key -> sort key -> values. */
type Model = Map<string, Map<string, Val[]>>;

function setState(model: Model, pk: string, sk: string, values: Val[]): void {
  let part = model.get(pk);
  if (part === undefined) model.set(pk, (part = new Map()));
  part.set(sk, values);
}

/** Writes to one bucket, keeping the model of what was acknowledged. */
class Filler {
  private seq = 0;
  readonly model: Model = new Map();

  constructor(
    public client: SignedClient,
    private readonly bucket: string,
  ) {}

  /** A fresh value: `bytes` random bytes (base64), by default 24 to 48 KB. */
  value(bytes = 24_000 + Math.floor(Math.random() * 24_000)): string {
    return `v${++this.seq}:` + randomBytes(bytes).toString('base64');
  }

  async insertItem(pk: string, sk: string, bytes?: number): Promise<K2vResponse> {
    const v = this.value(bytes);
    const res = await this.client.request({ method: 'PUT', path: `/${this.bucket}/${enc(pk)}?sort_key=${enc(sk)}`, body: v });
    if (res.status === 204) setState(this.model, pk, sk, [v]);
    return res;
  }

  async insertBatch(pk: string, sks: readonly string[], bytes?: number): Promise<K2vResponse> {
    const vs = sks.map(() => this.value(bytes));
    const body = JSON.stringify(sks.map((sk, i) => ({ pk, sk, v: toWire(vs[i]!) })));
    const res = await this.client.request({ method: 'POST', path: `/${this.bucket}`, body });
    if (res.status === 204) sks.forEach((sk, i) => setState(this.model, pk, sk, [vs[i]!]));
    return res;
  }

  /** DeleteItem with the item's current token: a tombstone supersedes its value. */
  async deleteItem(pk: string, sk: string): Promise<K2vResponse> {
    const read = await this.client.request({ path: `/${this.bucket}/${enc(pk)}?sort_key=${enc(sk)}` });
    assert.equal(read.status, 200, describe(read));
    const token = tokenOf(read);
    assert.ok(token !== undefined);
    const res = await this.client.request({
      method: 'DELETE',
      path: `/${this.bucket}/${enc(pk)}?sort_key=${enc(sk)}`,
      headers: { 'x-garage-causality-token': token },
    });
    if (res.status === 204) setState(this.model, pk, sk, [null]);
    return res;
  }

  /**
   * New items until one is refused: InsertItem, and every fourth time an InsertBatch of three
   * when `batches`; values of `bytes` bytes, or 24 to 48 KB.
   */
  async untilRefused(label: string, batches: boolean, bytes?: number): Promise<{ written: number; refused: K2vResponse }> {
    for (let i = 0; i < 5_000; i++) {
      const n = this.seq;
      const res =
        batches && i % 4 === 3
          ? await this.insertBatch(`${label}-batch`, [`b${n}`, `b${n}x`, `b${n}y`], bytes)
          : await this.insertItem(label, `k${n}`, bytes);
      if (res.status !== 204) return { written: i, refused: res };
    }
    throw new Error(`${label}: 5000 writes and still not full`);
  }

  /**
   * Fills up: large values until one is refused, then small ones until three in a row are
   * refused, so that afterwards writes that add data are refused. Every refusal must be a 503.
   */
  async fill(label: string): Promise<number> {
    const large = await this.untilRefused(label, true);
    assertUnavailable(large.refused, `${label}: first refusal`);
    let written = large.written;
    for (let refusedInARow = 0; refusedInARow < 3; ) {
      const small = await this.untilRefused(label, false, 512);
      assertUnavailable(small.refused, `${label}: refusal of a small write`);
      written += small.written;
      refusedInARow = small.written === 0 ? refusedInARow + 1 : 1;
    }
    return written;
  }

  /** Every modelled item reads back exactly, and ReadIndex equals the recount. */
  async verify(what: string): Promise<number> {
    const listed = await readPartitions(this.client, this.bucket, [...this.model.keys()].sort());
    let n = 0;
    for (const [pk, part] of this.model) {
      const got = listed.get(pk) ?? new Map<string, Val[]>();
      assert.deepEqual([...got.keys()].sort(), [...part.keys()].sort(), `${what}: sort keys of ${pk}`);
      for (const [sk, values] of part) {
        assert.ok(sameState(got.get(sk), values), `${what}: ${pk}/${sk} read ${showState(got.get(sk))}, expected ${showState(values)}`);
        n++;
      }
    }
    await assertIndexMatches(this.client, this.bucket, listed);
    return n;
  }
}

function assertUnavailable(res: K2vResponse, what: string): void {
  assert.equal(res.status, 503, `${what}: ${describe(res)}`);
  assert.equal(res.headers['content-type'], 'application/json', what);
  const body = JSON.parse(res.body.toString('utf8')) as Record<string, unknown>;
  assert.equal(body['code'], 'ServiceUnavailable', what);
}

async function startServer(dataDir: string, extraArgs: string[] = [], ports?: { k2vPort: number; adminPort: number }) {
  const proc = new ServerProcess({
    dataDir,
    k2vPort: ports?.k2vPort ?? (await freePort()),
    adminPort: ports?.adminPort ?? (await freePort()),
    adminToken: 'disk-full-test-token',
    extraArgs,
  });
  cleanups.push(async () => {
    await proc.kill('SIGKILL');
  });
  await proc.waitHealthy();
  return proc;
}

/** Warnings and errors in the log, apart from the expected ones: the store's "full" line, 503s. */
function unexpectedProblems(proc: ServerProcess, expected: RegExp): string[] {
  return proc
    .problems()
    .filter((e) => !expected.test(e.msg) && e.msg !== 'request refused: service unavailable')
    .map((e) => e.raw);
}

test('map budget reached: 503 and a log line, reads work, deletes free space, a bigger map after restart', async (t) => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'k2v-mapfull-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  let proc = await startServer(dataDir, ['--map-size', '2']);
  const tenant: Tenant = await createTenant(proc.opts.adminPort, proc.opts.adminToken, 'mapfull');
  const filler = new Filler(new SignedClient({ url: proc.k2vUrl, ...tenant }), tenant.bucket);

  const written = await filler.fill('p');
  assert.ok(written >= 5, `only ${written} writes fit in 2 MiB`);
  const fullLines = async () => {
    await proc.logsSettled();
    return proc.logs().filter((e) => e.level >= LOG_ERROR && /store is full/.test(e.msg)).length;
  };
  const linesWhenFull = await fullLines();
  assert.ok(linesWhenFull >= 1, `a 'store is full' line: ${proc.stdout()}`);
  for (let i = 0; i < 5; i++) {
    assertUnavailable(await filler.insertItem('p', `one-more-${i}`, 512), 'InsertItem when full');
    assertUnavailable(await filler.insertBatch('p', [`batch-${i}a`, `batch-${i}b`], 512), 'InsertBatch when full');
  }
  assert.equal(await fullLines(), linesWhenFull, 'one line when the store becomes full, not one per refused request');
  assert.equal(await healthStatus(proc.opts.adminPort), 200, 'a full map is not a storage failure');

  // Reads keep working, and the refused writes left nothing behind.
  const items = await filler.verify('when full');

  // Deletes are admitted when full, and replacing large values by tombstones frees room.
  const victims = [...(filler.model.get('p')?.keys() ?? [])].slice(0, Math.ceil(written / 3));
  for (const sk of victims) {
    const res = await filler.deleteItem('p', sk);
    assert.equal(res.status, 204, `DeleteItem when full: ${describe(res)}`);
  }
  const again = await filler.insertItem('p', 'after-deletes');
  assert.equal(again.status, 204, `a write after deleting data: ${describe(again)}`);
  assert.ok(await proc.waitForLog('store has space again'), 'recovery is logged');
  await filler.fill('p');
  await filler.verify('full again');

  // A bigger map after a restart.
  filler.client.close();
  assert.equal(await proc.kill('SIGTERM'), 0);
  assert.deepEqual(unexpectedProblems(proc, /^store is full/), []);
  assert.equal(proc.unexpectedStderr(), '');
  proc = await startServer(dataDir, ['--map-size', '8'], proc.opts);
  filler.client = new SignedClient({ url: proc.k2vUrl, ...tenant });
  for (let i = 0; i < 10; i++) {
    const res = await filler.insertItem('p', `bigger-${i}`);
    assert.equal(res.status, 204, `after raising the map size: ${describe(res)}`);
  }
  const checked = await filler.verify('after restart with a bigger map');
  filler.client.close();
  assert.equal(await proc.kill('SIGTERM'), 0);
  assert.deepEqual(proc.problems(), []);
  t.diagnostic(`map budget: ${written} writes until full, ${items} items read when full, ${checked} at the end`);
});

test('full disk (small tmpfs): 503 not 500, server stays up, reads work, writes resume once space is freed', async (t) => {
  const mountPoint = await mkdtemp(path.join(os.tmpdir(), 'k2v-tmpfs-'));
  cleanups.push(() => rm(mountPoint, { recursive: true, force: true }));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mountPoint], { stdio: 'pipe' });
  } catch (err) {
    t.skip(`cannot mount a tmpfs here: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    return;
  }
  cleanups.push(async () => {
    execFileSync('umount', [mountPoint], { stdio: 'pipe' });
  });
  // Room to free later, as an operator would by deleting something else on the disk.
  const ballast = path.join(mountPoint, 'ballast');
  await writeFile(ballast, Buffer.alloc(2 * 1024 * 1024, 1));
  const dataDir = path.join(mountPoint, 'data');
  let proc = await startServer(dataDir);
  const tenant = await createTenant(proc.opts.adminPort, proc.opts.adminToken, 'diskfull');
  const filler = new Filler(new SignedClient({ url: proc.k2vUrl, ...tenant }), tenant.bucket);

  const written = await filler.fill('p');
  // Pages a failed commit managed to write can take a later small write: 204 or 503, nothing else.
  for (let i = 0; i < 3; i++) {
    for (const res of [
      await filler.insertItem('p', `one-more-${i}`, 512),
      await filler.insertBatch('p', [`batch-${i}a`, `batch-${i}b`], 512),
    ]) {
      if (res.status !== 204) assertUnavailable(res, 'a write on a full disk');
    }
  }
  assert.equal(proc.exitCode(), undefined, 'the server survives a failed commit');
  assert.ok(await proc.waitForLog('write failed: storage is full (map or disk)'), `a clear log line: ${proc.stdout()}`);
  assert.ok(proc.problems(LOG_ERROR).some((e) => e.msg === 'write failed: storage is full (map or disk)'), 'logged as an error');
  const items = await filler.verify('disk full');

  await rm(ballast);
  const res = await filler.insertItem('p', 'after-freeing');
  assert.equal(res.status, 204, `a write once space is freed: ${describe(res)}`);
  assert.equal(await healthStatus(proc.opts.adminPort), 200, 'healthy again after a successful commit');
  for (let i = 0; i < 5; i++) assert.equal((await filler.insertItem('p', `more-${i}`)).status, 204);
  assert.deepEqual(unexpectedProblems(proc, /^write failed: storage is full/), []);

  // Nothing acknowledged was lost or corrupted: kill, restart on the same files, read everything.
  filler.client.close();
  await proc.kill('SIGKILL');
  proc = await startServer(dataDir, [], proc.opts);
  filler.client = new SignedClient({ url: proc.k2vUrl, ...tenant });
  const checked = await filler.verify('after a restart');
  filler.client.close();
  assert.equal(await proc.kill('SIGTERM'), 0);
  assert.deepEqual(proc.problems(), []);
  t.diagnostic(`tmpfs: ${written} writes until the disk was full, ${items} items read when full, ${checked} after restart`);
});
