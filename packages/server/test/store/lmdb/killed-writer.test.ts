/**
 * A worker process SIGKILLed while it commits (`k2v server --workers N`): another process's next
 * read must already show whatever that commit put on disk, not first the state before it and
 * later the state after (store/lmdb/peer-processes.ts: killed between its meta page write and
 * the publication of its transaction id, LMDB readers elsewhere keep the older snapshot until the
 * write lock is taken again). A child rewrites one item in a loop and is killed at random
 * moments; after each kill this process reads the item, then takes the write lock (a write of
 * its own, which makes LMDB repair a dead owner's commit) and reads it again: both reads must
 * agree. Without the check, 9 kills of 40 landed in that window in one run here.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openLmdbStore } from '../../../src/store/lmdb/open-lmdb-store.js';
import { Rng, seedFrom } from '../../support/rng.js';
import { newBucketId, put, SILENT_PEERS, texts } from '../store-case-support.js';

const CHILD = fileURLToPath(new URL('../../support/lmdb-kill-writer.js', import.meta.url));
const KILLS = Number(process.env['K2V_KILL_WRITER_KILLS'] ?? '') || 40;

test('a read after a writer process is SIGKILLed mid-commit already shows what it committed', { timeout: 180_000 }, async (t) => {
  const seed = seedFrom('K2V_KILL_WRITER_SEED');
  const rng = new Rng(seed);
  t.diagnostic(`seed ${seed} (replay with K2V_KILL_WRITER_SEED=${seed})`);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'k2v-killed-writer-'));
  const store = await openLmdbStore({ dataDir: dir, mapSizeBytes: 1 << 30, tombstoneGcDelayMs: 86_400_000, maxValuesPerItem: 100, worker: { slot: 0, peers: SILENT_PEERS, runsGc: false } });
  const bucket = newBucketId();
  const mismatches: string[] = [];
  let from = 0;
  try {
    for (let k = 0; k < KILLS; k++) {
      const child = spawn(process.execPath, [CHILD], {
        env: { ...process.env, K2V_KILL_WRITER_DIR: dir, K2V_KILL_WRITER_BUCKET: bucket, K2V_KILL_WRITER_FROM: String(from) },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const exited = once(child, 'exit');
      let out = '';
      child.stdout.setEncoding('utf8');
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: string) => {
          out += d;
          if (out.includes('writing')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`the writer exited (${String(code)}) before writing`)));
      });
      await new Promise((r) => setTimeout(r, 5 + rng.int(60)));
      child.kill('SIGKILL');
      await exited;
      const first = texts(await store.getItem(bucket, 'p', 'n'));
      // A write of this process takes the write lock: whatever the dead writer left half
      // published is published now.
      await store.write(bucket, [put('q', 'lock', String(k))]);
      const second = texts(await store.getItem(bucket, 'p', 'n'));
      if (JSON.stringify(first) !== JSON.stringify(second)) mismatches.push(`kill ${k}: read ${JSON.stringify(first)}, then ${JSON.stringify(second)}`);
      assert.equal(second?.length, 1, `one value: ${JSON.stringify(second)}`);
      from = Number(second![0]) + 1;
    }
    assert.ok(from > KILLS, `the writer wrote: ${from}`);
    assert.deepEqual(mismatches, []);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});
