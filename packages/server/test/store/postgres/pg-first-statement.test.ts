/**
 * PostgreSQL lost while a fresh connection sends its first statement: the statement fails (503
 * for a store call), the process sees no unhandled rejection, and the store works again once
 * PostgreSQL is back.
 *
 * With postgres.js 3.4.9's default `fetch_types: true`, the first statement of every new
 * connection is the driver's own array-types lookup, whose promise the driver never handles
 * (porsager/postgres#1192, #1223): cut during that lookup, the connection reconnects at once and,
 * the reconnect refused, the lookup rejects with "connect ECONNREFUSED" unhandled, which ends a
 * server (Node's default). The connections go through a TCP proxy (test/support/tcp-proxy.ts)
 * that cuts the first connection to send a statement, at that statement, and then refuses.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connect } from '../../../src/store/postgres/pg-connection.js';
import { openPgStore } from '../../../src/store/postgres/open-pg-store.js';
import { StoreError } from '../../../src/store/errors.js';
import { eventually } from '../../e2e/support-http.js';
import { pgFaultSetup } from '../../support/pg-fault-setup.js';
import { startTcpProxy } from '../../support/tcp-proxy.js';
import { newBucketId, put, texts } from '../store-case-support.js';

/** How long rejections are waited for after the cut: the refused reconnect comes at once. */
const SETTLE_MS = 1_000;

describe('PostgreSQL lost during the first statement of a new connection', () => {
  const pg = pgFaultSetup();

  const viaProxy = (port: number): string => {
    const u = new URL(pg.dbUrl);
    u.port = String(port);
    return u.toString();
  };

  it('the pool of connect(): the query fails, nothing rejects unhandled, and the pool connects again', async () => {
    pg.unhandled.length = 0;
    const proxy = await startTcpProxy(pg.cluster.port);
    const sql = connect({ url: viaProxy(proxy.port), maxConnections: 1, statementTimeoutMs: 1_000, lockTimeoutMs: 1_000 });
    try {
      const cut = proxy.refuseAtFirstStatement();
      await assert.rejects(Promise.resolve(sql`SELECT 1 AS one`));
      await cut;
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      assert.deepEqual(pg.unhandled.map(String), [], 'no unhandled rejection');
      await proxy.resume();
      const [row] = await sql<{ one: number }[]>`SELECT 1 AS one`;
      assert.equal(row?.one, 1);
    } finally {
      await sql.end({ timeout: 0 });
      await proxy.close();
    }
  });

  it('a store: its calls fail with 503 (Unavailable), nothing rejects unhandled, and it works again once PostgreSQL is back', async () => {
    pg.unhandled.length = 0;
    const proxy = await startTcpProxy(pg.cluster.port);
    const store = await openPgStore({
      url: viaProxy(proxy.port),
      tombstoneGcDelayMs: 24 * 3600 * 1000,
      maxValuesPerItem: 100,
      maxConnections: 4,
      statementTimeoutMs: 1_000,
      metaLeaseMs: 1_000,
    });
    try {
      const bucket = newBucketId();
      await store.write(bucket, [put('p', 's', 'v')]);
      // More reads at once than the pool has connections open: it opens new ones, and the
      // first of them to send a statement is cut there. One per event-loop turn: the reads of
      // one turn share a statement (pg-point-reads.ts).
      const cut = proxy.refuseAtFirstStatement();
      const asked: Promise<unknown>[] = [];
      for (let i = 0; i < 8; i++) {
        asked.push(store.getItem(bucket, 'p', 's'));
        await new Promise((r) => setImmediate(r));
      }
      const reads = await Promise.allSettled(asked);
      await cut;
      const failures = reads.filter((r) => r.status === 'rejected').map((r) => r.reason as unknown);
      assert.ok(failures.length > 0, 'the cut read failed');
      for (const err of failures) {
        assert.ok(err instanceof StoreError && err.code === 'Unavailable', `a 503, not ${String(err)}`);
      }
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      assert.deepEqual(pg.unhandled.map(String), [], 'no unhandled rejection');

      await proxy.resume();
      let last: unknown;
      await eventually(
        async () => {
          try {
            await store.write(bucket, [put('p', 't', 'w')]);
            return texts(await store.getItem(bucket, 'p', 't'))?.[0] === 'w';
          } catch (err) {
            last = err;
            return false;
          }
        },
        20_000,
        'the store writes and reads again',
      ).catch((err: unknown) => {
        throw new Error(`${String(err)} (last failure: ${String(last)})`);
      });
      assert.deepEqual(pg.unhandled.map(String), [], 'no unhandled rejection');
    } finally {
      await store.close();
      await proxy.close();
    }
  });
});
