/**
 * Two PostgreSQL stores on one database, as two K2V servers: each is its own node, changes made
 * through one wake the other's subscribers (LISTEN/NOTIFY), concurrent writes through both
 * become siblings, metadata (keys, admin tokens) changed through one is seen by the other, and a lost notification
 * connection is re-established by itself and makes subscribers re-read (onResync).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import postgres from 'postgres';
import { StoreError } from '../../../src/store/errors.js';
import { openPgStore } from '../../../src/store/postgres/open-pg-store.js';
import type { PgStore } from '../../../src/store/postgres/pg-store.js';
import { eventually } from '../../e2e/support-http.js';
import { startPgCluster, type PgCluster } from '../../support/pg-cluster.js';
import { ctOf, newBucketId, put, texts } from '../store-case-support.js';

describe('PostgreSQL: two servers on one database', () => {
  let cluster: PgCluster;
  let url: string;
  let a: PgStore;
  let b: PgStore;
  const open = () => openPgStore({ url, tombstoneGcDelayMs: 24 * 3600 * 1000, maxValuesPerItem: 100, statementTimeoutMs: 30_000 });

  before(async () => {
    cluster = await startPgCluster();
    url = await cluster.createDatabase();
    [a, b] = await Promise.all([open(), open()]);
  });
  after(async () => {
    await Promise.allSettled([a?.close(), b?.close()]);
    await cluster?.destroy();
  });

  it('are two nodes of the causality tokens, each seeing the other as a writer', async () => {
    assert.notEqual(a.nodeId, b.nodeId);
    const bucket = newBucketId();
    await a.write(bucket, [put('p', 'x', 'one')]);
    const wm = await b.read((snap) => snap.watermark());
    assert.ok((wm.get(a.nodeId) ?? 0n) > 0n, 'B sees the clock of A');
    assert.ok(wm.has(b.nodeId));
  });

  it('a write through B wakes a subscriber of A, after it is visible through A', async () => {
    const bucket = newBucketId();
    const seen: string[] = [];
    let visible: (string | null)[] | undefined;
    const woke = new Promise<void>((resolve) => {
      const unsubscribe = a.subscribe(
        bucket,
        'p',
        (c) => {
          seen.push(c.sk);
          void a.getItem(bucket, 'p', c.sk).then((v) => {
            visible = texts(v);
            unsubscribe();
            resolve();
          });
        },
        () => {},
      );
    });
    await b.write(bucket, [put('p', 's1', 'from B')]);
    await woke;
    assert.deepEqual(seen, ['s1']);
    assert.deepEqual(visible, ['from B']);
  });

  it('concurrent writes through both with the same context become siblings', async () => {
    const bucket = newBucketId();
    await a.write(bucket, [put('p', 'k', 'base')]);
    const ct = ctOf(await a.getItem(bucket, 'p', 'k'));
    await Promise.all([a.write(bucket, [put('p', 'k', 'via A', ct)]), b.write(bucket, [put('p', 'k', 'via B', ct)])]);
    const v = texts(await b.getItem(bucket, 'p', 'k'));
    assert.deepEqual([...(v ?? [])].sort(), ['via A', 'via B']);
    // Counters are exact whichever server wrote.
    const index = await a.read(async (snap) => {
      const out = [];
      for await (const page of snap.scanIndex(bucket, { reverse: false })) out.push(...page);
      return out;
    });
    assert.deepEqual(index, [{ pk: 'p', counts: { entries: 1, conflicts: 1, values: 2, bytes: 10 } }]);
  });

  it('refuses on B a token naming A with a timestamp A never issued (FutureToken)', async () => {
    const bucket = newBucketId();
    await a.write(bucket, [put('p', 'k', 'v')]);
    const forged = new Map([[a.nodeId, 2n ** 62n]]);
    await assert.rejects(b.write(bucket, [put('p', 'k', 'w', forged)]), (err: unknown) => err instanceof StoreError && err.code === 'FutureToken');
  });

  it('a key created then deleted through A is known, then refused, by B', async () => {
    const id = 'GK' + 'ab'.repeat(12);
    await a.meta.update((d) => {
      d.keys.set(id, { id, secret: 'cd'.repeat(32), name: 'k', created: Date.now(), allowCreateBucket: false });
    });
    await eventually(() => b.meta.getKey(id) !== undefined, 10_000, 'B knows the key');
    await a.meta.update((d) => {
      d.keys.delete(id);
    });
    await eventually(() => b.meta.getKey(id) === undefined, 10_000, 'B refuses the deleted key');
    assert.equal(b.meta.keyIdEverUsed(id), true);
  });

  it('an admin token created, narrowed then deleted through A is seen so by B', async () => {
    const id = 'ef'.repeat(12);
    await a.meta.update((d) => {
      d.adminTokens.set(id, { id, tokenHash: `sha256:${'00'.repeat(32)}`, name: 't', created: Date.now(), expiration: null, scope: ['*'] });
    });
    await eventually(() => b.meta.getAdminToken(id) !== undefined, 10_000, 'B knows the token');
    await a.meta.update((d) => {
      d.adminTokens.get(id)!.scope = ['ListKeys'];
    });
    await eventually(() => b.meta.getAdminToken(id)?.scope[0] === 'ListKeys', 10_000, 'B sees the narrowed scope');
    await a.meta.update((d) => {
      d.adminTokens.delete(id);
    });
    await eventually(() => b.meta.getAdminToken(id) === undefined, 10_000, 'B forgets the deleted token');
  });

  it('a lost notification connection is re-established by itself; then subscribers re-read (onResync) and metadata is served again', async () => {
    const bucket = newBucketId();
    let resyncs = 0;
    const unsubscribe = a.subscribe(bucket, 'p', () => {}, () => resyncs++);
    const admin = postgres(cluster.url(), { max: 1, onnotice: () => {} });
    try {
      await admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'k2v-listen'`;
    } finally {
      await admin.end();
    }
    await eventually(() => resyncs > 0, 10_000, 'onResync after the connection is back');
    assert.doesNotThrow(() => a.meta.listKeys());
    assert.equal(a.healthy(), true);
    unsubscribe();
  });

  it('PostgreSQL stopped (immediate): calls fail with Unavailable, never succeed; after it starts, both servers recover by themselves', async () => {
    const bucket = newBucketId();
    await a.write(bucket, [put('p', 'before', 'v')]);
    await cluster.stop('immediate');
    try {
      // Every outcome taken at once: one may fail while an earlier one is still awaited.
      const ops = [a.write(bucket, [put('p', 'during', 'v')]), b.getItem(bucket, 'p', 'before'), b.bucketHasItems(bucket)];
      const outcomes = await Promise.all(ops.map((op) => op.then((v: unknown) => ({ v }), (err: unknown) => ({ err }))));
      for (const o of outcomes) {
        assert.ok('err' in o && o.err instanceof StoreError && o.err.code === 'Unavailable', `a 503: ${JSON.stringify(o)}`);
      }
    } finally {
      await cluster.start();
    }
    let ok = false;
    for (let i = 0; i < 100 && !ok; i++) {
      ok = await Promise.all([a.write(bucket, [put('p', 'after', 'v')]), b.write(bucket, [put('p', 'after-b', 'v')])]).then(
        () => true,
        () => new Promise<boolean>((r) => setTimeout(() => r(false), 200)),
      );
    }
    assert.ok(ok, 'writes succeed again without a restart');
    assert.deepEqual(texts(await b.getItem(bucket, 'p', 'before')), ['v']);
    assert.deepEqual(texts(await a.getItem(bucket, 'p', 'after-b')), ['v']);
    await eventually(() => a.healthy() && b.healthy(), 10_000, 'both healthy again');
  });
});
