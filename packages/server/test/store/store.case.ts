/**
 * The Store contract suite (architecture "Testing strategy"; as Garage's src/db/test.rs and Hono's
 * common.case.test.ts): every backend runs it through its own test file, e.g.
 * test/store/lmdb/lmdb-store.test.ts, with a factory giving a fresh, empty store.
 */
import { describe } from 'node:test';
import { adminTokenCases } from './store-case-admin-tokens.js';
import { backupCases } from './store-case-backup.js';
import { lifecycleCases } from './store-case-lifecycle.js';
import { scanCases } from './store-case-scans.js';
import type { NewStore } from './store-case-support.js';
import { writeCases } from './store-case-writes.js';

export type { NewStore, StoreUnderTest, SuiteStoreOptions } from './store-case-support.js';

export function runStoreSuite(name: string, newStore: NewStore): void {
  describe(`Store contract: ${name}`, () => {
    writeCases(newStore);
    scanCases(newStore);
    lifecycleCases(newStore);
    adminTokenCases(newStore);
    backupCases(newStore);
  });
}
