/**
 * The PostgreSQL store on a throwaway cluster (test/support/pg-cluster.ts): the contract suite,
 * each store on a fresh database, then what is specific to PostgreSQL.
 */
import { after } from 'node:test';
import type { PgStore } from '../../../src/store/postgres/pg-store.js';
import { openPgStore, type PgStoreOptions } from '../../../src/store/postgres/open-pg-store.js';
import { startPgCluster, type PgCluster } from '../../support/pg-cluster.js';
import type { StoreUnderTest, SuiteStoreOptions } from '../store-case-support.js';
import { runStoreSuite } from '../store.case.js';

let cluster: Promise<PgCluster> | undefined;
/** One cluster for the file, started on first use (a failure to start fails the tests). */
export function testCluster(): Promise<PgCluster> {
  cluster ??= startPgCluster();
  return cluster;
}
after(async () => {
  if (cluster !== undefined) await (await cluster).destroy();
});

function options(url: string, opts: SuiteStoreOptions): PgStoreOptions {
  // A generous bound: this machine's two cores are shared, and a 100 000-item test queues 100 calls.
  return { url, tombstoneGcDelayMs: 24 * 3600 * 1000, maxValuesPerItem: 100, statementTimeoutMs: 60_000, ...opts };
}

async function newPgStore(opts: SuiteStoreOptions = {}): Promise<StoreUnderTest> {
  const url = await (await testCluster()).createDatabase();
  let store: PgStore = await openPgStore(options(url, opts));
  return {
    get store() {
      return store;
    },
    async cleanup() {
      await store.close();
    },
    async restart() {
      await store.close();
      store = await openPgStore(options(url, opts));
      return store;
    },
    gcOnce: () => store.gcOnce(),
  };
}

runStoreSuite('postgres', newPgStore);
