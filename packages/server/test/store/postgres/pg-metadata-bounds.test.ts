/**
 * A metadata update's wait for a pool connection is bounded like every other store call: with the
 * pool exhausted it fails 'Unavailable' (503) after the store's bound (statement timeout + 1 s)
 * instead of holding the admin request, and the metadata queue behind it, for as long as the pool
 * stays busy.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { StoreError } from '../../../src/store/errors.js';
import { openPgStore } from '../../../src/store/postgres/open-pg-store.js';
import type { PgStore } from '../../../src/store/postgres/pg-store.js';
import { startPgCluster, type PgCluster } from '../../support/pg-cluster.js';

const STATEMENT_TIMEOUT_MS = 1_000;
/** The store's bound on a call (open-pg-store.ts: statement timeout + 1 s). */
const BOUND_MS = STATEMENT_TIMEOUT_MS + 1_000;

let cluster: PgCluster;
let store: PgStore;

before(async () => {
  cluster = await startPgCluster();
  const url = await cluster.createDatabase();
  store = await openPgStore({ url, tombstoneGcDelayMs: 24 * 3600 * 1000, maxValuesPerItem: 100, statementTimeoutMs: STATEMENT_TIMEOUT_MS, maxConnections: 1 });
});
after(async () => {
  await store?.close();
  await cluster?.destroy();
});

test('a metadata update with every pool connection taken fails Unavailable at the bound, and succeeds once one is free', async () => {
  const id = 'GK' + '12'.repeat(12);
  const addKey = () =>
    store.meta.update((d) => {
      d.keys.set(id, { id, secret: '34'.repeat(32), name: 'k', created: Date.now(), allowCreateBucket: false });
    });
  // The pool's only connection, held by a read transaction until released.
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let entered!: () => void;
  const inside = new Promise<void>((r) => (entered = r));
  const reading = store.read(async () => {
    entered();
    await held;
  });
  await inside;
  try {
    const t0 = performance.now();
    // Without a bound this would wait as long as the read holds the connection (here: for ever).
    const outcome = await Promise.race([
      addKey().then(
        () => 'succeeded',
        (err: unknown) => err,
      ),
      new Promise((r) => setTimeout(() => r('still waiting'), BOUND_MS + 5_000)),
    ]);
    const waited = performance.now() - t0;
    assert.ok(outcome instanceof StoreError && outcome.code === 'Unavailable', `refused with Unavailable, got ${String(outcome)}`);
    assert.ok(waited >= BOUND_MS - 100 && waited < BOUND_MS + 3_000, `refused at its bound (${Math.round(waited)} ms)`);
  } finally {
    release();
    await reading;
  }
  await addKey();
  assert.equal(store.meta.getKey(id)?.name, 'k');
});
