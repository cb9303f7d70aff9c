/**
 * Crash safety of a large DeleteBatch query (README: "each DeleteBatch query is applied in
 * transactions of up to 10 000 items, in sort-key order"): the real server in a child process is
 * SIGKILLed at a random moment while it deletes a 25 000-item range, then restarted. The range
 * must then hold a first part deleted (tombstone-only) and the rest untouched, cut at a chunk
 * boundary, the ReadIndex counters must equal a recount, and the same query run again must finish
 * the deletion. Replay with K2V_CRASH_SEED=<seed>.
 *
 * LMDB only (test/support/e2e-on-postgres.ts LMDB_ONLY): LMDB's DeleteBatch chunks of 10 000 items (on PostgreSQL a query is one transaction).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { assertIndexMatches, readPartitions } from '../support/bucket-check.js';
import { Rng, seedFrom } from '../support/rng.js';
import { createTenant, freePort, ServerProcess, sleep, type ServerProcessOptions } from '../support/server-process.js';
import { describe as describeResponse, SignedClient } from '../support/signed-client.js';

const ITEMS = 25_000;
/** store/lmdb/delete-range.ts DELETE_CHUNK_ITEMS */
const CHUNK = 10_000;
const ROUNDS = 3;

let dataDir: string | undefined;
let current: ServerProcess | undefined;
after(async () => {
  if (current !== undefined && current.exitCode() === undefined) await current.kill('SIGKILL');
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
});

const sk = (i: number): string => `k${String(i).padStart(6, '0')}`;

test('a DeleteBatch query cut by SIGKILL leaves whole chunks deleted, in order, and finishes when repeated', { timeout: 240_000 }, async (t) => {
  const seed = seedFrom('K2V_CRASH_SEED');
  const rng = new Rng(seed);
  t.diagnostic(`seed ${seed} (replay with K2V_CRASH_SEED=${seed})`);
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'k2v-crash-delete-'));
  const opts: ServerProcessOptions = {
    dataDir,
    k2vPort: await freePort(),
    adminPort: await freePort(),
    adminToken: randomBytes(16).toString('hex'),
  };
  const start = async (): Promise<ServerProcess> => {
    const proc = new ServerProcess(opts);
    current = proc;
    await proc.waitHealthy();
    return proc;
  };
  let proc = await start();
  const tenant = await createTenant(opts.adminPort, opts.adminToken, `crash-del-${randomBytes(4).toString('hex')}`);
  let client = new SignedClient({ url: proc.k2vUrl, ...tenant });
  const fill = async (pk: string): Promise<void> => {
    for (let i = 0; i < ITEMS; i += CHUNK) {
      const entries = Array.from({ length: Math.min(CHUNK, ITEMS - i) }, (_, j) => ({ pk, sk: sk(i + j), ct: null, v: 'dmFsdWU=' }));
      const res = await client.request({ method: 'POST', path: `/${tenant.bucket}`, body: JSON.stringify(entries) });
      assert.equal(res.status, 204, describeResponse(res));
    }
  };
  // How long a whole query takes here: kills land anywhere in it.
  await fill('calibration');
  const t0 = Date.now();
  const whole = await client.request({ method: 'POST', path: `/${tenant.bucket}?delete`, body: JSON.stringify([{ partitionKey: 'calibration' }]) });
  assert.equal(whole.status, 200, describeResponse(whole));
  const wholeMs = Date.now() - t0;
  const cutsSeen: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const pk = `round-${round}`;
    await fill(pk);
    const query = JSON.stringify([{ partitionKey: pk }]);
    const deleting = client.request({ method: 'POST', path: `/${tenant.bucket}?delete`, body: query }).then(
      (res) => res.status,
      () => 'cut' as const,
    );
    await sleep(rng.int(wholeMs + 1));
    assert.equal(await proc.kill('SIGKILL'), 'SIGKILL');
    const answer = await deleting;
    client.close();
    proc = await start();
    client = new SignedClient({ url: proc.k2vUrl, ...tenant });

    const items = await readPartitions(client, tenant.bucket, [pk]);
    const part = items.get(pk)!;
    assert.equal(part.size, ITEMS, 'every item is still there (live or tombstone)');
    const states = [...part.entries()].map(([k, vals]) => ({ k, deleted: vals.every((v) => v === null), live: vals.length === 1 && vals[0] !== null }));
    const cut = states.findIndex((s) => !s.deleted);
    const deleted = cut < 0 ? ITEMS : cut;
    for (const [i, s] of states.entries()) {
      if (i < deleted) assert.ok(s.deleted, `${s.k} before the cut is deleted`);
      else assert.ok(s.live, `${s.k} after the cut is untouched`);
    }
    assert.ok(deleted % CHUNK === 0 || deleted === ITEMS, `the cut (${deleted} items) is at a chunk boundary`);
    if (answer === 200) assert.equal(deleted, ITEMS, 'an acknowledged query was applied whole');
    cutsSeen.push(deleted);
    await assertIndexMatches(client, tenant.bucket, items);

    const again = await client.request({ method: 'POST', path: `/${tenant.bucket}?delete`, body: query });
    assert.equal(again.status, 200, describeResponse(again));
    const [result] = JSON.parse(again.body.toString('utf8')) as { deletedItems: number }[];
    assert.equal(result!.deletedItems, ITEMS - deleted, 'the repeated query deletes exactly the rest');
    const after = await readPartitions(client, tenant.bucket, [pk]);
    assert.ok([...after.get(pk)!.values()].every((vals) => vals.every((v) => v === null)));
    await assertIndexMatches(client, tenant.bucket, after);
  }
  client.close();
  t.diagnostic(`a whole query took ${wholeMs} ms; items deleted when the server was killed, per round: ${cutsSeen.join(', ')} (of ${ITEMS})`);
  assert.equal(await proc.kill('SIGTERM'), 0);
});
