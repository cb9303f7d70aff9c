/**
 * Two K2V servers on one PostgreSQL database (issue 11): what must hold the moment an answer is
 * given, with no waiting for "eventually".
 * - Metadata freshness: once the admin API of server A has answered a revocation, server B
 *   refuses the key (403, or 503 while it cannot confirm its metadata), never serves it; even
 *   when B cannot reload (its reload held on a table lock), A's answer waits until B's lease has
 *   run out, and B is fenced (503) until it has reloaded.
 * - A bucket removed through A while item writes commit through B never keeps an item.
 * - Tombstones written by another server's node are collected by the GC, by one server at a time.
 * - A locked database answers 503 within the lock timeout, and recovers once the lock is released.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import postgres from 'postgres';
import { DEFAULT_CONFIG, type ServerConfig } from '../../../src/config/config.js';
import { tcpAddress, type RunningServer } from '../../../src/server/running-server.js';
import { startServer } from '../../../src/server/server.js';
import { StoreError } from '../../../src/store/errors.js';
import { openPgStore, timeoutsOfUrl, type PgStoreOptions } from '../../../src/store/postgres/open-pg-store.js';
import type { PgStore } from '../../../src/store/postgres/pg-store.js';
import { startPgCluster, type PgCluster } from '../../support/pg-cluster.js';
import { SignedClient } from '../../support/signed-client.js';
import { ctOf, newBucketId, put, texts } from '../store-case-support.js';

let cluster: PgCluster;
before(async () => {
  cluster = await startPgCluster();
});
after(async () => {
  await cluster?.destroy();
});

interface AdminAnswer {
  status: number;
  json: Record<string, unknown>;
}

function admin(server: RunningServer, token: string, method: string, path: string, body?: unknown): Promise<AdminAnswer> {
  const { host, port } = tcpAddress(server.admin);
  const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host,
        port,
        method,
        path,
        agent: false,
        headers: {
          authorization: `Bearer ${token}`,
          ...(data === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(data.length) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: Record<string, unknown> = {};
          try {
            json = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
          } catch {
            json = { text };
          }
          resolve({ status: res.statusCode ?? 0, json });
        });
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

describe('metadata freshness through two K2V servers', () => {
  let url: string;
  let a: RunningServer;
  let b: RunningServer;
  const token = randomBytes(16).toString('hex');

  before(async () => {
    url = await cluster.createDatabase();
    const config: ServerConfig = {
      ...DEFAULT_CONFIG,
      k2vBind: '127.0.0.1:0',
      adminBind: '127.0.0.1:0',
      adminToken: token,
      logLevel: 'silent',
      dbEngine: 'postgres',
      postgresUrl: url,
      dataDir: '/nonexistent-k2v-data-dir',
    };
    [a, b] = await Promise.all([startServer(config), startServer(config)]);
  });
  after(async () => {
    await Promise.allSettled([a?.close(), b?.close()]);
  });

  /** A key allowed to read and write a new bucket, created through A; a client of B for it. */
  async function tenant(): Promise<{ keyId: string; bucketId: string; alias: string; viaB: SignedClient }> {
    const key = await admin(a, token, 'POST', '/v1/key', { name: 'k' });
    const alias = `b-${randomBytes(4).toString('hex')}`;
    const bucket = await admin(a, token, 'POST', '/v1/bucket', { globalAlias: alias });
    const keyId = key.json['accessKeyId'] as string;
    const bucketId = bucket.json['id'] as string;
    const allowed = await admin(a, token, 'POST', '/v1/bucket/allow', { bucketId, accessKeyId: keyId, permissions: { read: true, write: true, owner: false } });
    assert.equal(allowed.status, 200);
    const { host, port } = tcpAddress(b.k2v);
    const viaB = new SignedClient({ url: `http://${host}:${port}`, accessKeyId: keyId, secretAccessKey: key.json['secretAccessKey'] as string });
    return { keyId, bucketId, alias, viaB };
  }

  it('a grant through A is in force on B when A answers; a revocation through A is refused by B right after A answers', async () => {
    const t = await tenant();
    // No waiting: the allow was answered, so B must accept the key at once.
    assert.equal((await t.viaB.request({ method: 'PUT', path: `/${t.alias}/p?sort_key=s`, body: 'v' })).status, 204);
    for (let i = 0; i < 5; i++) {
      const denied = await admin(a, token, 'POST', '/v1/bucket/deny', { bucketId: t.bucketId, accessKeyId: t.keyId, permissions: { read: true, write: true, owner: true } });
      assert.equal(denied.status, 200);
      const res = await t.viaB.request({ path: `/${t.alias}/p?sort_key=s` });
      assert.equal(res.status, 403, `read through B right after the revocation: ${res.status} ${res.body.toString()}`);
      const again = await admin(a, token, 'POST', '/v1/bucket/allow', { bucketId: t.bucketId, accessKeyId: t.keyId, permissions: { read: true, write: true, owner: false } });
      assert.equal(again.status, 200);
      assert.equal((await t.viaB.request({ path: `/${t.alias}/p?sort_key=s` })).status, 200, 'the grant is in force on B at once');
    }
    const deleted = await admin(a, token, 'DELETE', `/v1/key?id=${t.keyId}`);
    assert.equal(deleted.status, 204);
    assert.equal((await t.viaB.request({ path: `/${t.alias}/p?sort_key=s` })).status, 403, 'a deleted key is refused by B at once');
    t.viaB.close();
  });

  it('when B cannot reload, A answers only after B has fenced itself: B refuses (503) until it has reloaded, then 403', async () => {
    const t = await tenant();
    assert.equal((await t.viaB.request({ method: 'PUT', path: `/${t.alias}/p?sort_key=s`, body: 'v' })).status, 204);
    // B's reload reads k2v_used_key_id (a revocation does not write it): hold it locked.
    const locker = postgres(url, { max: 1, onnotice: () => {} });
    const release = await new Promise<() => void>((resolveRelease, rejectRelease) => {
      locker
        .begin(async (tx) => {
          await tx`LOCK TABLE k2v_used_key_id IN ACCESS EXCLUSIVE MODE`;
          await new Promise<void>((done) => resolveRelease(done));
        })
        .catch(rejectRelease);
    });
    try {
      const denied = await admin(a, token, 'POST', '/v1/bucket/deny', { bucketId: t.bucketId, accessKeyId: t.keyId, permissions: { read: true, write: true, owner: true } });
      assert.equal(denied.status, 200);
      const res = await t.viaB.request({ path: `/${t.alias}/p?sort_key=s` });
      assert.equal(res.status, 503, `B cannot confirm its metadata, so it refuses: ${res.status} ${res.body.toString()}`);
      assert.equal(JSON.parse(res.body.toString())['code'], 'ServiceUnavailable');
    } finally {
      release();
      await locker.end();
    }
    // Once B has reloaded, the revocation is in force there.
    let status = 0;
    for (let i = 0; i < 200 && status !== 403; i++) {
      status = (await t.viaB.request({ path: `/${t.alias}/p?sort_key=s` })).status;
      if (status !== 403) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(status, 403);
    t.viaB.close();
  });
});

describe('stores of two servers on one database', () => {
  let url: string;
  let a: PgStore;
  let b: PgStore;
  const options = (): PgStoreOptions => ({ url, tombstoneGcDelayMs: 24 * 3600 * 1000, maxValuesPerItem: 100, statementTimeoutMs: 30_000, gcIntervalMs: 3_600_000 });

  before(async () => {
    url = await cluster.createDatabase();
    [a, b] = await Promise.all([openPgStore(options()), openPgStore(options())]);
  });
  after(async () => {
    await Promise.allSettled([a?.close(), b?.close()]);
  });

  async function createBucket(): Promise<string> {
    const id = newBucketId();
    await a.meta.update((d) => {
      d.buckets.set(id, {
        id,
        created: Date.now(),
        globalAliases: [],
        localAliases: [],
        keys: {},
        corsRules: [],
        websiteAccess: false,
        websiteConfig: null,
        quotas: { maxSize: null, maxObjects: null },
      } as Parameters<typeof d.buckets.set>[1]);
    });
    return id;
  }

  async function itemsIn(bucketId: string): Promise<number> {
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      const [r] = await sql<{ n: string }[]>`SELECT count(*) AS n FROM k2v_item WHERE bucket = ${Buffer.from(bucketId, 'hex')}`;
      return Number(r?.n ?? 0);
    } finally {
      await sql.end();
    }
  }

  it('a bucket removed through A while writes commit through B is left with no item; later writes are refused (NoSuchBucket)', async () => {
    for (let round = 0; round < 5; round++) {
      const bucketId = await createBucket();
      let stop = false;
      const outcomes = { ok: 0, gone: 0 };
      const writer = async (w: number): Promise<void> => {
        // Bounded, so that a store that never refuses cannot make the test hang.
        for (let i = 0; !stop && i < 300; i++) {
          try {
            await b.write(bucketId, [put(`p${w}`, `s${i}`, 'v')]);
            outcomes.ok++;
          } catch (err) {
            assert.ok(err instanceof StoreError && err.code === 'NoSuchBucket', `a write is refused only as NoSuchBucket: ${String(err)}`);
            outcomes.gone++;
            return;
          }
        }
      };
      // Every round: the removal races the first writes; it succeeds (and later writes are refused)
      // or finds items (BucketNotEmpty): never a removed bucket with items.
      const writers = [0, 1, 2, 3].map((w) => writer(w));
      const removal = a.meta
        .update((d) => {
          d.mustBeEmpty.add(bucketId);
          d.buckets.delete(bucketId);
        })
        .then(
          () => true,
          (err: unknown) => {
            assert.ok(err instanceof StoreError && err.code === 'BucketNotEmpty', String(err));
            return false;
          },
        );
      const removed = await removal;
      if (!removed) {
        stop = true;
        await Promise.all(writers);
        continue;
      }
      await Promise.all(writers);
      assert.equal(await itemsIn(bucketId), 0, `round ${round}: the removed bucket holds no item (${JSON.stringify(outcomes)})`);
      await assert.rejects(b.write(bucketId, [put('late', 's', 'v')]), (err: unknown) => err instanceof StoreError && err.code === 'NoSuchBucket');
      await assert.rejects(b.deleteRange(bucketId, 'p0', { reverse: false }), (err: unknown) => err instanceof StoreError && err.code === 'NoSuchBucket');
      assert.equal(await itemsIn(bucketId), 0);
    }
  });

  it("the GC removes tombstones written by the other server's node, through one server at a time", async () => {
    const bucketId = newBucketId();
    await b.write(bucketId, [put('p', 'gone', 'v'), put('p', 'kept', 'v')]);
    const seen = await b.getItem(bucketId, 'p', 'gone');
    assert.ok(seen !== undefined);
    await b.write(bucketId, [put('p', 'gone', null, ctOf(seen))]);
    assert.deepEqual(texts(await a.getItem(bucketId, 'p', 'gone')), [null]);
    // Not yet expired: kept.
    assert.equal(await a.gcOnce(), 0);
    // A store of A's database with a zero delay: B's node wrote the tombstone, A's collects it.
    const gc = await openPgStore({ ...options(), tombstoneGcDelayMs: 0 });
    try {
      // Several GC passes at once collect it once (one runs, the others find nothing to do).
      const removed = await Promise.all([gc.gcOnce(), gc.gcOnce(), gc.gcOnce()]);
      assert.equal(removed.reduce((x, y) => x + y, 0), 1);
      assert.equal(await a.getItem(bucketId, 'p', 'gone'), undefined);
      assert.deepEqual(texts(await a.getItem(bucketId, 'p', 'kept')), ['v']);
      assert.equal(await b.bucketHasItems(bucketId), true);
      await b.write(bucketId, [put('p', 'kept', null, ctOf(await b.getItem(bucketId, 'p', 'kept')))]);
      assert.equal(await gc.gcOnce(), 1);
      assert.equal(await a.bucketHasItems(bucketId), false, 'the item counts of both nodes sum to zero');
    } finally {
      await gc.close();
    }
  });
});

describe('a locked database', () => {
  it('answers 503 (Unavailable) within the lock timeout while a row or table is locked, and serves again once released', async () => {
    const url = await cluster.createDatabase();
    const store = await openPgStore({ url, tombstoneGcDelayMs: 24 * 3600 * 1000, maxValuesPerItem: 100, statementTimeoutMs: 3_000, lockTimeoutMs: 500 });
    const bucketId = newBucketId();
    const locker = postgres(url, { max: 1, onnotice: () => {} });
    try {
      await store.write(bucketId, [put('p', 's', 'v')]);
      // A row lock (another session's SELECT ... FOR UPDATE on the node's clock row), then a
      // table lock: both make writes wait, and a table lock makes reads wait too.
      for (const lock of ['row', 'table'] as const) {
        let release!: () => void;
        const held = new Promise<void>((resolveHeld, rejectHeld) => {
          locker
            .begin(async (tx) => {
              if (lock === 'row') await tx`SELECT * FROM k2v_node FOR UPDATE`;
              else await tx`LOCK TABLE k2v_item IN ACCESS EXCLUSIVE MODE`;
              await new Promise<void>((done) => {
                release = done;
                resolveHeld();
              });
            })
            .catch(rejectHeld);
        });
        await held;
        try {
          const refused = (err: unknown) => err instanceof StoreError && err.code === 'Unavailable';
          await assert.rejects(store.write(bucketId, [put('p', 's', lock)]), refused);
          if (lock === 'table') await assert.rejects(store.getItem(bucketId, 'p', 's'), refused);
        } finally {
          release();
        }
        await store.write(bucketId, [put('p', 's', `after ${lock}`)]);
      }
      const v = texts(await store.getItem(bucketId, 'p', 's'));
      assert.ok(v?.includes('after table'), JSON.stringify(v));
    } finally {
      await locker.end();
      await store.close();
    }
  });

  it('through HTTP: with statement_timeout and lock_timeout in the URL, a PUT on a locked table is 503 ServiceUnavailable, then 204 once released', async () => {
    assert.deepEqual(timeoutsOfUrl('postgres://k@h1:5432,h2:5432/db?target_session_attrs=read-write&statement_timeout=2000&lock_timeout=300'), {
      statementTimeoutMs: 2000,
      lockTimeoutMs: 300,
    });
    const url = await cluster.createDatabase();
    const token = randomBytes(16).toString('hex');
    const server = await startServer({
      ...DEFAULT_CONFIG,
      k2vBind: '127.0.0.1:0',
      adminBind: '127.0.0.1:0',
      adminToken: token,
      logLevel: 'silent',
      dbEngine: 'postgres',
      postgresUrl: `${url}?statement_timeout=3000&lock_timeout=500`,
      dataDir: '/nonexistent-k2v-data-dir',
    });
    const locker = postgres(url, { max: 1, onnotice: () => {} });
    try {
      const key = await admin(server, token, 'POST', '/v1/key', { name: 'k' });
      const bucket = await admin(server, token, 'POST', '/v1/bucket', { globalAlias: 'locked' });
      await admin(server, token, 'POST', '/v1/bucket/allow', {
        bucketId: bucket.json['id'],
        accessKeyId: key.json['accessKeyId'],
        permissions: { read: true, write: true, owner: false },
      });
      const { host, port } = tcpAddress(server.k2v);
      const client = new SignedClient({ url: `http://${host}:${port}`, accessKeyId: key.json['accessKeyId'] as string, secretAccessKey: key.json['secretAccessKey'] as string });
      let release!: () => void;
      await new Promise<void>((held, failed) => {
        locker
          .begin(async (tx) => {
            await tx`LOCK TABLE k2v_item IN ACCESS EXCLUSIVE MODE`;
            await new Promise<void>((done) => {
              release = done;
              held();
            });
          })
          .catch(failed);
      });
      try {
        const res = await client.request({ method: 'PUT', path: '/locked/p?sort_key=s', body: 'v' });
        assert.equal(res.status, 503, res.body.toString());
        assert.equal(JSON.parse(res.body.toString())['code'], 'ServiceUnavailable');
      } finally {
        release();
      }
      assert.equal((await client.request({ method: 'PUT', path: '/locked/p?sort_key=s', body: 'v' })).status, 204);
      assert.equal((await client.request({ path: '/locked/p?sort_key=s' })).status, 200);
      client.close();
    } finally {
      await locker.end();
      await server.close();
    }
  });
});
