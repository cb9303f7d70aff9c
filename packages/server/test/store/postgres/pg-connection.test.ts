/**
 * Ending a pool (src/store/postgres/pg-connection.ts), through a counting TCP proxy
 * (test/support/tcp-proxy.ts). With PostgreSQL unreachable and queries queued, a postgres.js
 * 3.4.9 connection waits out a reconnect backoff; `end({ timeout })` terminates it but leaves the
 * reconnect scheduled, and it connects after end() resolved (the first test shows the driver
 * still does, so the SocketGate is still needed); with the pool's sockets opened by a SocketGate
 * closed after end(), nothing is attempted.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connect, SocketGate, type Db } from '../../../src/store/postgres/pg-connection.js';
import { startPgCluster, type PgCluster } from '../../support/pg-cluster.js';
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy.js';

/** How long attempts are watched for after end(): the backoff reached below is 1-3 s. */
const WATCH_MS = 6_000;

let cluster: PgCluster;
before(async () => {
  cluster = await startPgCluster();
});
after(async () => {
  await cluster?.destroy();
});

/**
 * A one-connection pool through `proxy`, used once, then cut off while queries keep coming (each
 * refused connect fails one and raises the backoff), so that when this returns a reconnect is
 * scheduled with queries still queued.
 */
async function poolWaitingToReconnect(proxy: TcpProxy, gate?: SocketGate): Promise<Db> {
  const u = new URL(cluster.url());
  u.port = String(proxy.port);
  const sql = connect({ url: u.toString(), maxConnections: 1, statementTimeoutMs: 1_000, lockTimeoutMs: 1_000, ...(gate === undefined ? {} : { gate }) });
  await sql`SELECT 1`;
  await proxy.refuse();
  const until = performance.now() + 1_500;
  while (performance.now() < until) {
    void sql`SELECT 1`.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 50));
  }
  return sql;
}

/** Connections accepted by the proxy within WATCH_MS after it listens again. */
async function attemptsAfter(proxy: TcpProxy): Promise<number> {
  const before = proxy.accepted;
  await proxy.resume();
  await new Promise((r) => setTimeout(r, WATCH_MS));
  const n = proxy.accepted - before;
  await proxy.close();
  return n;
}

test('bare postgres.js: a pool ended while waiting to reconnect connects again after end() resolved (the driver fault worked around)', async () => {
  const proxy = await startTcpProxy(cluster.port);
  const sql = await poolWaitingToReconnect(proxy);
  await sql.end({ timeout: 0 });
  // If a postgres.js release cancels the scheduled reconnect, this fails: the gate may then go.
  assert.ok((await attemptsAfter(proxy)) > 0, 'the ended pool connected again');
});

test('with its sockets opened by a SocketGate closed after end(), an ended pool attempts nothing', async () => {
  const proxy = await startTcpProxy(cluster.port);
  const gate = new SocketGate();
  const sql = await poolWaitingToReconnect(proxy, gate);
  await sql.end({ timeout: 0 });
  await gate.close();
  assert.equal(await attemptsAfter(proxy), 0);
});
