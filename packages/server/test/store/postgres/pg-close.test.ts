/**
 * Once close() has resolved, a PostgreSQL store is done with the database: no connection of it is
 * left open, none is attempted later, and nothing it started rejects unhandled (in a server,
 * an unhandled rejection at shutdown; in CI, pg-cross-server.test.ts failed once after its last
 * test on an ECONNREFUSED from a store closed in its `after` hook, the cluster being gone).
 *
 * The stores connect through a TCP proxy (test/support/tcp-proxy.ts) that counts connections and
 * can refuse them or fall silent. Closing while PostgreSQL is unreachable is the case that leaves
 * the most behind: lease renewals queued on a connection waiting to reconnect, the node lock
 * being retaken, the notification connection reconnecting, the watchdog probing; closing while
 * it is silent leaves heartbeats and checks in flight. The proxy listens again once close() has
 * resolved, so any later attempt is seen (and counted) instead of failing unseen with
 * ECONNREFUSED.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import postgres from 'postgres';
import { pino } from 'pino';
import { openPgStore } from '../../../src/store/postgres/open-pg-store.js';
import { connect } from '../../../src/store/postgres/pg-connection.js';
import { claimNode } from '../../../src/store/postgres/pg-node.js';
import { migrate } from '../../../src/store/postgres/schema.js';
import type { PgStore } from '../../../src/store/postgres/pg-store.js';
import { eventually } from '../../e2e/support-http.js';
import { makeCert } from '../../e2e/support-tls.js';
import { startPgCluster } from '../../support/pg-cluster.js';
import { pgFaultSetup } from '../../support/pg-fault-setup.js';
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy.js';
import { newBucketId, put } from '../store-case-support.js';

/**
 * How long connection attempts are watched for after close(). postgres.js schedules a reconnect
 * after a backoff of 0.5-1 x min(3^retries / 100, 20) s; a few seconds of refused connects at
 * 1 s statement bounds keep it to a few seconds (the attempts seen before the fix came 0.5-4 s
 * after close).
 */
const WATCH_MS = 8_000;

describe('PostgreSQL store: nothing connects after close()', () => {
  const pg = pgFaultSetup();

  /** Two stores (two servers) through `proxy`, with short bounds (by default) so that close() is quick. */
  const openTwo = (proxy: TcpProxy, statementTimeoutMs = 1_000): Promise<PgStore[]> => {
    const u = new URL(pg.dbUrl);
    u.port = String(proxy.port);
    const open = () =>
      openPgStore({ url: u.toString(), tombstoneGcDelayMs: 24 * 3600 * 1000, maxValuesPerItem: 100, statementTimeoutMs, metaLeaseMs: 1_000 });
    return Promise.all([open(), open()]);
  };

  /** Closes the stores with the proxy in the given state, then watches it for WATCH_MS. */
  async function closeAndWatch(proxy: TcpProxy, stores: readonly PgStore[]): Promise<void> {
    pg.unhandled.length = 0;
    await Promise.all(stores.map((s) => s.close()));
    const atClose = proxy.accepted;
    // A stalled proxy reads nothing, not even the end of a connection the store closed: it sees
    // them once it reads again.
    proxy.unstall();
    await proxy.resume();
    await new Promise((r) => setTimeout(r, 500));
    const openAtClose = proxy.open;
    await new Promise((r) => setTimeout(r, WATCH_MS));
    const later = proxy.accepted - atClose;
    const openLater = proxy.open;
    await proxy.close();
    assert.equal(openAtClose, 0, 'no connection left open once close() resolved');
    assert.equal(later, 0, `no connection attempted after close() resolved (${later} were)`);
    assert.equal(openLater, 0, 'no connection open after close()');
    assert.deepEqual(pg.unhandled, [], 'no unhandled rejection');
  }

  it('closed while PostgreSQL is unreachable (renewals, reconnects, node lock checks due)', async () => {
    const proxy = await startTcpProxy(pg.cluster.port);
    const stores = await openTwo(proxy);
    await stores[0]!.write(newBucketId(), [put('p', 's', 'v')]);
    await proxy.refuse();
    // Long enough for every periodic task to have failed at least once and for the pools'
    // reconnect backoff to have grown past a second.
    await new Promise((r) => setTimeout(r, 3_000));
    await closeAndWatch(proxy, stores);
  });

  it('closed while PostgreSQL is silent (heartbeats, node lock checks, renewals in flight)', async () => {
    const proxy = await startTcpProxy(pg.cluster.port);
    // Statements bounded at 11 s: the node lock's 2 s heartbeat, sent into the silence, is still
    // unanswered when close() releases the node (the lease's calls, bounded by its 1 s lease, and
    // the notification connection, ended within 1 s, come before it).
    const stores = await openTwo(proxy, 10_000);
    await stores[0]!.write(newBucketId(), [put('p', 's', 'v')]);
    proxy.stall();
    await new Promise((r) => setTimeout(r, 2_500));
    await closeAndWatch(proxy, stores);
  });

  it('a node claim released while its lock check is unanswered takes no lock again (no session left after release)', async () => {
    const proxy = await startTcpProxy(pg.cluster.port);
    const u = new URL(pg.dbUrl);
    u.port = String(proxy.port);
    const conn = { url: u.toString(), maxConnections: 1, statementTimeoutMs: 10_000, lockTimeoutMs: 1_000 };
    const sql = connect(conn);
    await migrate(sql);
    await sql.end();
    // No SocketGate here: what is seen is the claim's own doing.
    const claim = await claimNode(() => conn, 11_000, pino({ level: 'silent' }));
    proxy.stall();
    // The 2 s check's SELECT 1 is sent into the silence; release() ends the session under it.
    await new Promise((r) => setTimeout(r, 2_500));
    const before = proxy.accepted;
    await claim.release();
    proxy.unstall();
    await new Promise((r) => setTimeout(r, 1_000));
    const opened = proxy.accepted - before;
    const open = proxy.open;
    await proxy.close();
    assert.equal(opened, 0, 'no lock session opened by release()');
    assert.equal(open, 0, 'no session left open');
  });

  it('closed after an outage the stores recovered from (their first pools replaced)', async () => {
    const proxy = await startTcpProxy(pg.cluster.port);
    const stores = await openTwo(proxy);
    const bucket = newBucketId();
    await stores[0]!.write(bucket, [put('p', 's', 'v')]);
    await proxy.refuse();
    await new Promise((r) => setTimeout(r, 3_000));
    await proxy.resume();
    await eventually(() => stores.every((s) => s.healthy()), 20_000, 'both stores healthy again');
    await stores[1]!.write(bucket, [put('p', 't', 'v')]);
    await closeAndWatch(proxy, stores);
  });

  it('over TLS (sslmode=require): close() resolves, and no session of the store is left', async () => {
    // The driver removes every listener of the socket it wraps in TLS: the gate must not wait for
    // a 'close' it can no longer hear (a close() that never resolved, before).
    const dir = await mkdtemp(path.join(os.tmpdir(), 'k2v-pg-tls-'));
    const cert = makeCert(dir, 'pg');
    await chmod(cert.keyFile, 0o600);
    if (process.getuid?.() === 0) {
      // The cluster runs as `postgres` (pg-cluster.ts), which must read the key it alone may read.
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
      for (const f of [dir, cert.certFile, cert.keyFile]) await chown(f, uid, gid);
    }
    const tls = await startPgCluster({ conf: ['ssl = on', `ssl_cert_file = '${cert.certFile}'`, `ssl_key_file = '${cert.keyFile}'`] });
    const admin = postgres(tls.url(), { max: 1, onnotice: () => {} });
    try {
      const url = `${await tls.createDatabase()}?sslmode=require`;
      const store = await openPgStore({ url, tombstoneGcDelayMs: 24 * 3600 * 1000, maxValuesPerItem: 100, statementTimeoutMs: 2_000 });
      await store.write(newBucketId(), [put('p', 's', 'v')]);
      const [overTls] = await admin<{ n: number }[]>`
        SELECT count(*)::int AS n FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE s.ssl AND a.application_name LIKE 'k2v%'`;
      assert.ok((overTls?.n ?? 0) > 0, 'the store connects over TLS');
      const closed = await Promise.race([store.close().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 15_000))]);
      assert.ok(closed, 'close() resolved');
      const sessions = async (): Promise<number> => (await admin<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE 'k2v%'`)[0]?.n ?? -1;
      await eventually(async () => (await sessions()) === 0, 5_000, 'no session of the store left');
    } finally {
      await admin.end();
      await tls.destroy();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
