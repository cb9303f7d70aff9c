import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { DEFAULT_LIMITS } from '../../src/config/limits.js';
import { keyLimitsProblem } from '../../src/server/key-limits.js';
import { startServer, StartupError } from '../../src/server/server.js';
import { MAX_PARTITION_KEY_BYTES, MAX_SORT_KEY_BYTES } from '../../src/store/lmdb/keys.js';

const LMDB = { maxPartitionKeyBytes: MAX_PARTITION_KEY_BYTES, maxSortKeyBytes: MAX_SORT_KEY_BYTES };

describe('key limits against the store', () => {
  it('accepts the defaults and the store limits themselves, refuses anything longer, naming it', () => {
    assert.equal(keyLimitsProblem(DEFAULT_LIMITS, LMDB), undefined);
    assert.equal(keyLimitsProblem({ ...DEFAULT_LIMITS, ...LMDB }, LMDB), undefined);
    assert.match(
      keyLimitsProblem({ ...DEFAULT_LIMITS, maxSortKeyBytes: MAX_SORT_KEY_BYTES + 1 }, LMDB) ?? '',
      new RegExp(`sort keys of ${MAX_SORT_KEY_BYTES + 1} bytes \\(the store holds at most ${MAX_SORT_KEY_BYTES}\\)`),
    );
    const both = keyLimitsProblem({ ...DEFAULT_LIMITS, maxPartitionKeyBytes: 1 << 20, maxSortKeyBytes: 1 << 20 }, LMDB) ?? '';
    assert.match(both, /partition keys of 1048576 bytes .* and sort keys of 1048576 bytes/);
  });

  it('a server whose limits exceed the store does not start, and leaves the data dir free', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'k2v-limits-'));
    try {
      const config = {
        ...DEFAULT_CONFIG,
        dataDir,
        k2vBind: '127.0.0.1:0',
        adminBind: '127.0.0.1:0',
        adminToken: 'x'.repeat(32),
        logLevel: 'silent',
        limits: { ...DEFAULT_LIMITS, maxPartitionKeyBytes: MAX_PARTITION_KEY_BYTES + 1 },
      };
      await assert.rejects(startServer(config), (err: unknown) => err instanceof StartupError && /partition keys/.test(err.message));
      const server = await startServer({ ...config, limits: DEFAULT_LIMITS });
      await server.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
