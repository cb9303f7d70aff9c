/**
 * The database engine the end-to-end tests run on, chosen by `K2V_TEST_DB_ENGINE` as Garage's
 * tests choose theirs by GARAGE_TEST_INTEGRATION_DB_ENGINE (src/garage/tests/common/garage.rs).
 * `lmdb` is the default, `postgres` runs each test server on a fresh database of a throwaway
 * cluster: the one `K2V_TEST_PG_URL` names (a superuser URL; `npm test` starts one cluster for
 * the whole run, test/support/e2e-on-postgres.ts), else one of this test process's own. An
 * unknown value fails every e2e test file at load, loudly, rather than silently testing the
 * default. A new backend joins with one entry of
 * ENGINES: what it adds to a test server's config, and how it cleans up after it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import type { ServerConfig } from '../../src/config/config.js';
import { createDatabaseAt, startPgCluster, type PgCluster } from '../support/pg-cluster.js';

/** The run's shared cluster, if the runner started one (a superuser URL). */
const SHARED_PG_URL = process.env['K2V_TEST_PG_URL'];

/** Else one throwaway PostgreSQL cluster per test process; a fresh database per test server. */
let pgCluster: Promise<PgCluster> | undefined;
let dbCount = 0;

/** Where one test server keeps its data, and how to remove it. */
export interface TestDatabase {
  /** Config fields of this engine (the data dir for LMDB). */
  readonly config: Partial<ServerConfig> & { readonly dataDir: string };
  remove(): Promise<void>;
}

const ENGINES = {
  lmdb: async (): Promise<TestDatabase> => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'k2v-e2e-'));
    return { config: { dataDir }, remove: () => rm(dataDir, { recursive: true, force: true }) };
  },
  postgres: async (): Promise<TestDatabase> => {
    let postgresUrl: string;
    if (SHARED_PG_URL !== undefined) {
      // Several test processes share the cluster: the pid keeps their database names apart.
      postgresUrl = await createDatabaseAt(SHARED_PG_URL, `k2v_e2e_${process.pid}_${++dbCount}`);
    } else {
      pgCluster ??= startPgCluster();
      postgresUrl = await (await pgCluster).createDatabase();
    }
    // The data dir is not used by this engine; it exists so tests that look at it still can.
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'k2v-e2e-'));
    return {
      config: { dataDir, dbEngine: 'postgres', postgresUrl },
      remove: () => rm(dataDir, { recursive: true, force: true }),
    };
  },
} satisfies Record<string, () => Promise<TestDatabase>>;

export type TestDbEngine = keyof typeof ENGINES;

function engineFromEnv(): TestDbEngine {
  const name = process.env['K2V_TEST_DB_ENGINE'] ?? 'lmdb';
  if (Object.hasOwn(ENGINES, name)) return name as TestDbEngine;
  throw new Error(`K2V_TEST_DB_ENGINE=${JSON.stringify(name)} is not a database engine the tests know (known: ${Object.keys(ENGINES).join(', ')})`);
}

export const TEST_DB_ENGINE: TestDbEngine = engineFromEnv();

if (TEST_DB_ENGINE === 'postgres') {
  after(async () => {
    if (pgCluster !== undefined) await (await pgCluster).destroy();
  });
}

/** A fresh, empty database of the engine under test. */
export function newTestDatabase(): Promise<TestDatabase> {
  return ENGINES[TEST_DB_ENGINE]();
}
