/**
 * A full disk on the database side: the items table (with its TOAST table) moved to a tablespace
 * on a small tmpfs, nearly filled by a ballast file. Writes then fail with 503 (StoreError
 * 'Unavailable', from PostgreSQL's 53100 disk_full), never a success for a write that is not
 * there; reads keep working; once the ballast is removed, writes succeed again with no restart,
 * and every acknowledged write reads back. The WAL stays on the cluster's own disk (a full WAL
 * disk makes PostgreSQL itself stop: that is its availability, not ours).
 *
 * Mounting a tmpfs needs root; where it is refused, the test says so (skip with the reason).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import postgres from 'postgres';
import { StoreError } from '../../../src/store/errors.js';
import { openPgStore } from '../../../src/store/postgres/open-pg-store.js';
import { startPgCluster } from '../../support/pg-cluster.js';
import { newBucketId, put, texts } from '../store-case-support.js';

const VALUE_BYTES = 60 * 1024;

async function ownedByPostgres(dir: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  await chown(dir, uid, gid);
}

test('items tablespace on a full disk: writes 503, reads work, writes resume once space is freed', async (t) => {
  const mountPoint = await mkdtemp(path.join(os.tmpdir(), 'k2v-pg-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mountPoint], { stdio: 'pipe' });
  } catch (err) {
    await rm(mountPoint, { recursive: true, force: true });
    t.skip(`cannot mount a tmpfs here: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    return;
  }
  const cluster = await startPgCluster().catch(async (err: unknown) => {
    execFileSync('umount', [mountPoint]);
    throw err;
  });
  try {
    await ownedByPostgres(mountPoint);
    const tsDir = path.join(mountPoint, 'ts');
    await mkdir(tsDir);
    await ownedByPostgres(tsDir);
    const ballast = path.join(mountPoint, 'ballast');
    await writeFile(ballast, Buffer.alloc(6 * 1024 * 1024));

    const url = await cluster.createDatabase();
    const store = await openPgStore({ url, tombstoneGcDelayMs: 24 * 3600 * 1000, maxValuesPerItem: 100, statementTimeoutMs: 30_000 });
    const admin = postgres(cluster.url(), { max: 1, onnotice: () => {} });
    const db = postgres(url, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`CREATE TABLESPACE k2v_small LOCATION '${tsDir}'`);
      await db`ALTER TABLE k2v_item SET TABLESPACE k2v_small`;

      const bucketId = newBucketId();
      const acked: string[] = [];
      let refused: unknown;
      for (let i = 0; i < 1_000 && refused === undefined; i++) {
        const sk = `s${i}`;
        try {
          await store.write(bucketId, [put('p', sk, randomBytes(VALUE_BYTES / 2).toString('hex'))]);
          acked.push(sk);
        } catch (err) {
          refused = err;
        }
      }
      assert.ok(refused !== undefined, 'the disk filled up');
      assert.ok(refused instanceof StoreError && refused.code === 'Unavailable', `a full disk is Unavailable (503): ${String(refused)}`);
      assert.ok(acked.length > 0);
      t.diagnostic(`${acked.length} writes of ${VALUE_BYTES} bytes until the tablespace was full`);
      // Reads keep working, and the refused write is not there.
      assert.equal((texts(await store.getItem(bucketId, 'p', acked[0]!)) ?? [])[0]?.length, VALUE_BYTES);
      assert.equal(await store.getItem(bucketId, 'p', `s${acked.length}`), undefined);

      await rm(ballast);
      await store.write(bucketId, [put('p', 'after', 'v')]);
      assert.deepEqual(texts(await store.getItem(bucketId, 'p', 'after')), ['v']);
      for (const sk of acked) assert.equal((texts(await store.getItem(bucketId, 'p', sk)) ?? [])[0]?.length, VALUE_BYTES, sk);
    } finally {
      await store.close();
      await db.end();
      await admin.end();
    }
  } finally {
    await cluster.destroy();
    execFileSync('umount', [mountPoint]);
    await rm(mountPoint, { recursive: true, force: true });
  }
});
