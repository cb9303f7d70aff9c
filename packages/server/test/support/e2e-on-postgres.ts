/**
 * The second half of `npm test`: the end-to-end suites again, on PostgreSQL
 * (K2V_TEST_DB_ENGINE=postgres), as CI must run them on both backends. One throwaway cluster
 * serves the whole run (K2V_TEST_PG_URL; every test server gets a fresh database of it), so the
 * run pays one initdb instead of one per test file.
 *
 * Suites that test LMDB itself stay LMDB-only (LMDB_ONLY, each with its reason; the files say so
 * too). The PostgreSQL fault suites (crash-postgres, pg-failover, pg-poll-kill) make their own
 * clusters and skip themselves on the LMDB pass, so they run once, here. Exit code: the test runner's, or 1 if the cluster could not be started.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPgCluster } from './pg-cluster.js';

/** e2e files that do not apply to PostgreSQL, and why. */
export const LMDB_ONLY: Readonly<Record<string, string>> = {
  'crash.test.js': 'SIGKILLs one server on its LMDB data dir (on PostgreSQL: crash-postgres.test.ts, pg-failover.test.ts)',
  'crash-delete-range.test.js': "LMDB's DeleteBatch chunks of 10 000 items (on PostgreSQL a query is one transaction)",
  'disk-full.test.js': "LMDB's map size and a full disk under the data dir",
  'config.test.js': "the binary with --data-dir (LMDB's configuration)",
  'first-run.test.js': 'the first run creates credentials only on a new LMDB store (never on a shared PostgreSQL one)',
  'crash-workers.test.js': 'SIGKILLs the workers and the primary of --workers 2 on an LMDB data dir',
  'workers.test.js': '--workers N runs several processes over one LMDB data dir (refused with PostgreSQL)',
  'conformance-workers.test.js': 'runs the conformance suites with --workers 2, which is LMDB only',
  'slow-clients.test.js': 'connection limits of the HTTP layer, independent of the store (spawns LMDB servers)',
};

/**
 * hostile-input.test.js sends half as many requests here (the first 6 000 of the same seed): the
 * mutations are of HTTP and SigV4 input, which the LMDB run covers in full; this run is for what
 * reaches the store. HOSTILE_COUNT set by the caller wins.
 */
const PG_HOSTILE_COUNT = '6000';

const e2eDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'e2e');

async function main(): Promise<number> {
  const files = readdirSync(e2eDir)
    .filter((f) => f.endsWith('.test.js') && !Object.hasOwn(LMDB_ONLY, f))
    .sort()
    .map((f) => path.join(e2eDir, f));
  const cluster = await startPgCluster();
  try {
    return await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, ['--test', '--test-concurrency=2', ...files], {
        stdio: 'inherit',
        env: { HOSTILE_COUNT: PG_HOSTILE_COUNT, ...process.env, K2V_TEST_DB_ENGINE: 'postgres', K2V_TEST_PG_URL: cluster.url() },
      });
      child.on('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
    });
  } finally {
    await cluster.destroy();
  }
}

// `node --test dist/test/` runs every file under test/, this one too (NODE_TEST_CONTEXT set): only
// `npm test`'s second command, run directly, starts the PostgreSQL pass.
if (process.env['NODE_TEST_CONTEXT'] === undefined) {
  process.exitCode = await main().catch((err: unknown) => {
    console.error(err);
    return 1;
  });
}
