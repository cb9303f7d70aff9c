/**
 * The connection watchdog (src/store/postgres/pg-watchdog.ts), its decisions alone: a rebuild only
 * once PostgreSQL has answered a fresh connection for the grace period while the store stayed
 * unhealthy; never while the database is down; rate-limited while the condition persists.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { PgWatchdog } from '../../../src/store/postgres/pg-watchdog.js';

function rig() {
  const state = { healthy: false, dbUp: false, t: 0, rebuilds: 0 };
  const dog = new PgWatchdog({
    healthy: () => state.healthy,
    probe: () => Promise.resolve(state.dbUp),
    rebuild: () => void state.rebuilds++,
    logger: pino({ level: 'silent' }),
    now: () => state.t,
  });
  const at = async (t: number): Promise<void> => {
    state.t = t;
    await dog.tick();
  };
  return { state, at };
}

test('no rebuild while PostgreSQL is down, however long the store is unhealthy', async () => {
  const { state, at } = rig();
  for (let t = 0; t <= 60_000; t += 1_000) await at(t);
  assert.equal(state.rebuilds, 0);
});

test('no rebuild when the store recovers within the grace period after PostgreSQL is back', async () => {
  const { state, at } = rig();
  await at(0);
  state.dbUp = true;
  for (let t = 1_000; t <= 4_000; t += 1_000) await at(t);
  state.healthy = true;
  for (let t = 5_000; t <= 20_000; t += 1_000) await at(t);
  assert.equal(state.rebuilds, 0);
});

test('a rebuild once PostgreSQL has answered for the grace period, then backing off while it persists', async () => {
  const { state, at } = rig();
  state.dbUp = true;
  for (let t = 0; t < 5_000; t += 1_000) await at(t);
  assert.equal(state.rebuilds, 0, 'not within the grace period');
  await at(5_000);
  assert.equal(state.rebuilds, 1, 'after it');
  // Still unhealthy: the next rebuild waits for the grace period and the backoff (5 s, then 10 s).
  for (let t = 6_000; t < 10_000; t += 1_000) await at(t);
  assert.equal(state.rebuilds, 1);
  for (let t = 10_000; t <= 40_000; t += 1_000) await at(t);
  assert.ok(state.rebuilds >= 2 && state.rebuilds <= 4, `rate-limited: ${state.rebuilds} rebuilds in 40 s`);
});
