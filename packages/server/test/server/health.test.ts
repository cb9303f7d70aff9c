import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { STORE_UNAVAILABLE } from '../../src/admin/admin-server.js';
import { healthCheck } from '../../src/server/health.js';
import { openLmdbStore } from '../../src/store/lmdb/open-lmdb-store.js';

describe('health check', () => {
  it('healthy with an open store and room on the disk; the disk full or the store closed is not', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'k2v-health-'));
    const store = await openLmdbStore({ dataDir: dir, mapSizeBytes: 64 * 1024 * 1024, tombstoneGcDelayMs: 60_000, maxValuesPerItem: 16 });
    try {
      assert.deepEqual(healthCheck(store, dir)(), { ok: true });
      // A threshold above any real disk's free space stands for a full disk.
      const full = healthCheck(store, dir, Number.MAX_SAFE_INTEGER)();
      assert.equal(full.ok, false);
      assert.match(full.ok ? '' : full.reason, /^K2V server disk is full \(\d+ bytes free on the data directory's file system\)/);
      await store.close();
      assert.deepEqual(healthCheck(store, dir)(), { ok: false, reason: STORE_UNAVAILABLE });
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
