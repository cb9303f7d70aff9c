/**
 * Once close() has resolved, a PostgreSQL store is done with the database: no connection of it is
 * left open, none is attempted later, and nothing it started rejects unhandled (in a server,
 * an unhandled rejection at shutdown; in CI, pg-cross-server.test.ts failed once after its last
 * test on an ECONNREFUSED from a store closed in its `after` hook, the cluster being gone).
 *
 * The stores connect through a TCP proxy (test/support/tcp-proxy.ts) that counts connections and
 * can refuse them. Closing while PostgreSQL is unreachable is the case that leaves the most
 * behind: lease renewals queued on a connection waiting to reconnect, the node lock being
 * retaken, the notification connection reconnecting, the watchdog probing. The proxy listens
 * again once close() has resolved, so any later attempt is seen (and counted) instead of failing
 * unseen with ECONNREFUSED.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openPgStore } from '../../../src/store/postgres/open-pg-store.js';
import type { PgStore } from '../../../src/store/postgres/pg-store.js';
import { eventually } from '../../e2e/support-http.js';
import { startPgCluster, type PgCluster } from '../../support/pg-cluster.js';
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
  let cluster: PgCluster;
  let dbUrl: string;
  const unhandled: unknown[] = [];
  const onUnhandled = (err: unknown): void => void unhandled.push(err);

  before(async () => {
    cluster = await startPgCluster();
    dbUrl = await cluster.createDatabase();
    process.on('unhandledRejection', onUnhandled);
  });
  after(async () => {
    process.off('unhandledRejection', onUnhandled);
    await cluster?.destroy();
  });

  /** Two stores (two servers) through `proxy`, with short bounds so that close() is quick. */
  const openTwo = (proxy: TcpProxy): Promise<PgStore[]> => {
    const u = new URL(dbUrl);
    u.port = String(proxy.port);
    const open = () =>
      openPgStore({ url: u.toString(), tombstoneGcDelayMs: 24 * 3600 * 1000, maxValuesPerItem: 100, statementTimeoutMs: 1_000, metaLeaseMs: 1_000 });
    return Promise.all([open(), open()]);
  };

  /** Closes the stores with the proxy in the given state, then watches it for WATCH_MS. */
  async function closeAndWatch(proxy: TcpProxy, stores: readonly PgStore[]): Promise<void> {
    unhandled.length = 0;
    await Promise.all(stores.map((s) => s.close()));
    const atClose = proxy.accepted;
    const openAtClose = proxy.open;
    await proxy.resume();
    await new Promise((r) => setTimeout(r, WATCH_MS));
    const later = proxy.accepted - atClose;
    const openLater = proxy.open;
    await proxy.close();
    assert.equal(openAtClose, 0, 'no connection left open once close() resolved');
    assert.equal(later, 0, `no connection attempted after close() resolved (${later} were)`);
    assert.equal(openLater, 0, 'no connection open after close()');
    assert.deepEqual(unhandled, [], 'no unhandled rejection');
  }

  it('closed while PostgreSQL is unreachable (renewals, reconnects, node lock checks due)', async () => {
    const proxy = await startTcpProxy(cluster.port);
    const stores = await openTwo(proxy);
    await stores[0]!.write(newBucketId(), [put('p', 's', 'v')]);
    await proxy.refuse();
    // Long enough for every periodic task to have failed at least once and for the pools'
    // reconnect backoff to have grown past a second.
    await new Promise((r) => setTimeout(r, 3_000));
    await closeAndWatch(proxy, stores);
  });

  it('closed after an outage the stores recovered from (their first pools replaced)', async () => {
    const proxy = await startTcpProxy(cluster.port);
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
});
