/**
 * The LMDB store on a real environment in a temporary directory: the contract suite, then what is
 * specific to LMDB (directory lock, group commit, the size budget, the GC timer).
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { StoreError } from '../../../src/store/errors.js';
import type { LmdbStore } from '../../../src/store/lmdb/lmdb-store.js';
import { MAX_PARTITION_KEY_BYTES, MAX_SORT_KEY_BYTES } from '../../../src/store/lmdb/keys.js';
import { openLmdbStore, type LmdbStoreOptions } from '../../../src/store/lmdb/open-lmdb-store.js';
import { PAGE_BYTES } from '../../../src/store/lmdb/page-scan.js';
import type { ItemScanQuery } from '../../../src/store/store.js';
import { collect, ctOf, listIndex, newBucketId, put, rejectsWith, texts, type SuiteStoreOptions, type StoreUnderTest } from '../store-case-support.js';
import { runStoreSuite } from '../store.case.js';

async function tempDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'k2v-lmdb-test-'));
}

function options(dataDir: string, opts: SuiteStoreOptions & Partial<LmdbStoreOptions> = {}): LmdbStoreOptions {
  return {
    dataDir,
    mapSizeBytes: 1 << 30,
    tombstoneGcDelayMs: 24 * 3600 * 1000,
    maxValuesPerItem: 100,
    ...opts,
  };
}

async function newLmdbStore(opts: SuiteStoreOptions = {}): Promise<StoreUnderTest> {
  const dir = await tempDir();
  let store: LmdbStore = await openLmdbStore(options(dir, opts));
  return {
    get store() {
      return store;
    },
    async cleanup() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
    async restart() {
      await store.close();
      store = await openLmdbStore(options(dir, opts));
      return store;
    },
    gcOnce: () => store.gcOnce(),
  };
}

runStoreSuite('lmdb', newLmdbStore);

describe('LmdbStore', () => {
  it('refuses a second open of the same data dir, then allows it after close', async () => {
    const dir = await tempDir();
    try {
      const first = await openLmdbStore(options(dir));
      await assert.rejects(openLmdbStore(options(dir)), (err: unknown) => {
        assert.ok(err instanceof StoreError);
        assert.equal(err.code, 'Unavailable');
        assert.match(err.message, new RegExp(`in use by pid ${process.pid}`));
        return true;
      });
      const b = newBucketId();
      await first.write(b, [put('p', 's', 'still works')]);
      await first.close();
      const second = await openLmdbStore(options(dir));
      assert.equal(second.nodeId, first.nodeId);
      assert.deepEqual(texts(await second.getItem(b, 'p', 's')), ['still works']);
      await second.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('opens a data dir whose name has a dot in it', async () => {
    const dir = path.join(await tempDir(), 'data.v1');
    try {
      const store = await openLmdbStore(options(dir));
      await store.write(newBucketId(), [put('p', 's', 'v')]);
      await store.close();
      // A directory holding the environment, not a file named data.v1 (lmdb-js's guess for a dotted name).
      assert.ok(statSync(path.join(dir, 'data.mdb')).isFile());
    } finally {
      await rm(path.dirname(dir), { recursive: true, force: true });
    }
  });

  it('holds keys up to its documented limits, and refuses longer ones before writing', async () => {
    const dir = await tempDir();
    let clock = 1_700_000_000_000;
    const store = await openLmdbStore(options(dir, { tombstoneGcDelayMs: 0, now: () => clock }));
    try {
      const b = newBucketId();
      const pk = 'p'.repeat(MAX_PARTITION_KEY_BYTES);
      const sk = 's'.repeat(MAX_SORT_KEY_BYTES);
      await store.write(b, [put(pk, sk, 'v'), put(pk, 't', 'v')]);
      assert.deepEqual(texts(await store.getItem(b, pk, sk)), ['v']);
      await store.read(async (snap) => {
        // a scan may start from a key longer than any stored key
        const start = sk + 'x'.repeat(100);
        const sks = async (q: ItemScanQuery) => (await collect(snap.scanItems(b, pk, q))).map((e) => e.sk);
        assert.deepEqual(await sks({ start, reverse: false }), ['t']);
        assert.deepEqual(await sks({ start, reverse: true }), [sk]);
        // in reverse with a prefix only, the scan starts just below the first key after the prefix
        assert.deepEqual(await sks({ prefix: sk, reverse: true }), [sk]);
        assert.deepEqual(await sks({ prefix: sk, reverse: false }), [sk]);
      });
      await store.write(b, [put(pk, 't', null, ctOf(await store.getItem(b, pk, 't')))]);
      await store.write(b, [put(pk, sk, null, ctOf(await store.getItem(b, pk, sk)))]);
      clock += 10;
      assert.equal(await store.gcOnce(), 2, 'the GC record of the longest key fits too');
      await assert.rejects(store.write(b, [put('ok', 'a', 'v'), put('p', sk + 's', 'v')]), RangeError);
      await assert.rejects(store.write(b, [put('ok', 'a', 'v'), put(pk + 'p', 's', 'v')]), RangeError);
      assert.equal(await store.getItem(b, 'ok', 'a'), undefined);
      assert.equal(await store.bucketHasItems(b), false);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('ends a page at PAGE_BYTES of records, so large values stream in bounded memory', async () => {
    const dir = await tempDir();
    const store = await openLmdbStore(options(dir));
    try {
      const b = newBucketId();
      const big = 'x'.repeat(300 * 1024);
      await store.write(b, Array.from({ length: 12 }, (_, i) => put('p', `k${String(i).padStart(2, '0')}`, i % 3 === 0 ? 'small' : big)));
      const pages = await store.read(async (snap) => {
        const out: { n: number; bytes: number; last: number }[] = [];
        for await (const page of snap.scanItems(b, 'p', { reverse: false })) {
          const sizes = page.map((v) => v.recordBytes);
          out.push({ n: page.length, bytes: sizes.reduce((x, y) => x + y, 0), last: sizes.at(-1)! });
        }
        return out;
      });
      assert.equal(pages.reduce((n, p) => n + p.n, 0), 12);
      for (const p of pages) assert.ok(p.bytes - p.last < PAGE_BYTES, `a page goes on only while under ${PAGE_BYTES} bytes: ${JSON.stringify(p)}`);
      assert.ok(pages.length >= 8, `${pages.length} pages`);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('group-commits concurrent writes into far fewer transactions', async () => {
    const dir = await tempDir();
    const store = await openLmdbStore(options(dir));
    try {
      const b = newBucketId();
      const before = store.commitCount;
      await Promise.all(Array.from({ length: 1_000 }, (_, i) => store.write(b, [put('p', `k${i}`, 'v')])));
      const commits = store.commitCount - before;
      // A burst that waited for the main thread with the writer idle is split in two
      // (write-queue.ts): the older half commits first, the rest in the next transaction.
      assert.ok(commits >= 2 && commits <= 20, `1000 writes took ${commits} commits`);
      for (let i = 0; i < 1_000; i++) assert.deepEqual(texts(await store.getItem(b, 'p', `k${i}`)), ['v']);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('shares one transaction among concurrent write calls: a refusal stays alone, bucket counts and the clock come out as if written one by one', async () => {
    const dir = await tempDir();
    let clock = 1_700_000_000_000;
    const opts = options(dir, { tombstoneGcDelayMs: 1_000, now: () => clock });
    let store = await openLmdbStore(opts);
    try {
      const [b1, b2] = [newBucketId(), newBucketId()];
      // A token of this node from far in the future: refused (FutureToken) before anything is written.
      const future = new Map([[store.nodeId, 1n << 60n]]);
      const before = store.commitCount;
      const calls: Promise<void>[] = [];
      for (let i = 0; i < 120; i++) calls.push(store.write(b1, [put(`p${i % 4}`, `k${i}`, 'v')]));
      calls.push(store.write(b1, [put('p0', 'refused', 'v', future)]));
      for (let i = 0; i < 80; i++) calls.push(store.write(b2, [put('q', `k${i}`, 'v'), put('r', `k${i}`, 'w')]));
      calls.push(store.write(b2, [put('q', 'refused', 'v', future)]));
      const settled = await Promise.allSettled(calls);
      assert.ok(store.commitCount - before < 20, `${calls.length} calls took ${store.commitCount - before} commits`);
      const refused = settled.flatMap((r, i) => (r.status === 'rejected' ? [i] : []));
      assert.deepEqual(refused, [120, 201], 'only the two calls with a future token fail');
      await rejectsWith(calls[120]!, 'FutureToken');
      assert.equal(await store.getItem(b1, 'p0', 'refused'), undefined);
      assert.equal(await store.getItem(b2, 'q', 'refused'), undefined);
      assert.deepEqual(texts(await store.getItem(b2, 'r', 'k7')), ['w']);

      // The clock was persisted: after a restart, tokens of the batch's writes are not "from the future".
      await store.close();
      store = await openLmdbStore(opts);
      await store.write(b1, [put('p1', 'k1', 'again', ctOf(await store.getItem(b1, 'p1', 'k1')))]);
      assert.deepEqual(texts(await store.getItem(b1, 'p1', 'k1')), ['again']);

      // The item count of b1 is exactly its 120 items: it stays above zero until the last one is collected.
      for (const pk of ['p0', 'p1', 'p2']) assert.equal(await store.deleteRange(b1, pk, { reverse: false }), 30);
      clock += 10_000;
      assert.equal(await store.gcOnce(), 90);
      assert.equal(await store.bucketHasItems(b1), true, '30 items left');
      assert.equal(await store.deleteRange(b1, 'p3', { reverse: false }), 30);
      clock += 10_000;
      assert.equal(await store.gcOnce(), 30);
      assert.equal(await store.bucketHasItems(b1), false, 'none left');
      assert.equal(await store.bucketHasItems(b2), true);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('deletes a huge range in chunks of 10 000 items', async () => {
    const dir = await tempDir();
    const store = await openLmdbStore(options(dir));
    try {
      const b = newBucketId();
      const writes: Promise<void>[] = [];
      for (let i = 0; i < 25_000; i += 1_000) {
        writes.push(store.write(b, Array.from({ length: 1_000 }, (_, j) => put('p', `k${String(i + j).padStart(5, '0')}`, 'v'))));
      }
      await Promise.all(writes);
      await store.write(b, [put('p', 'k12345', null, ctOf(await store.getItem(b, 'p', 'k12345')))]);
      const before = store.commitCount;
      assert.equal(await store.deleteRange(b, 'p', { start: 'k00000', reverse: false }), 24_999);
      assert.equal(store.commitCount - before, 3);
      assert.deepEqual(texts(await store.getItem(b, 'p', 'k24999')), [null]);
      assert.equal((await listIndex(store, b)).has('p'), false);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('answers Unavailable when the map budget is full, keeps reads, and writes again once space is freed', async () => {
    const dir = await tempDir();
    let clock = 1_700_000_000_000;
    const store = await openLmdbStore(options(dir, { mapSizeBytes: 256 * 1024, tombstoneGcDelayMs: 1_000, now: () => clock }));
    try {
      const b = newBucketId();
      const value = 'x'.repeat(1_000);
      let written = 0;
      let refused: unknown;
      for (; written < 10_000; written++) {
        try {
          await store.write(b, [put('p', `k${String(written).padStart(5, '0')}`, value)]);
        } catch (err) {
          refused = err;
          break;
        }
      }
      assert.ok(refused instanceof StoreError && refused.code === 'Unavailable', `refused with ${String(refused)}`);
      assert.ok(written > 50, `${written} values fit in 256 KiB`);
      assert.deepEqual(texts(await store.getItem(b, 'p', 'k00000')), [value], 'reads still work');
      await rejectsWith(store.write(b, [put('p', 'more', value)]), 'Unavailable');
      assert.equal(await store.deleteRange(b, 'p', { reverse: false }), written, 'deletes are admitted when full');
      clock += 5_000;
      assert.equal(await store.gcOnce(), written);
      await store.write(b, [put('p', 'after', value)]);
      assert.deepEqual(texts(await store.getItem(b, 'p', 'after')), [value]);
      assert.equal(store.healthy(), true);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('runs tombstone GC on its own timer', async () => {
    const dir = await tempDir();
    const store = await openLmdbStore(options(dir, { tombstoneGcDelayMs: 0, gcIntervalMs: 10 }));
    try {
      const b = newBucketId();
      await store.write(b, [put('p', 's', 'v')]);
      await store.write(b, [put('p', 's', null, ctOf(await store.getItem(b, 'p', 's')))]);
      const deadline = Date.now() + 5_000;
      while (await store.getItem(b, 'p', 's') !== undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.equal(await store.getItem(b, 'p', 's'), undefined);
      assert.equal(await store.bucketHasItems(b), false);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('closes open snapshots and their unfinished scans when the store closes', async () => {
    const dir = await tempDir();
    const store = await openLmdbStore(options(dir));
    try {
      const b = newBucketId();
      await store.write(b, Array.from({ length: 50 }, (_, i) => put('p', `k${i}`, 'v')));
      await store.write(b, Array.from({ length: 950 }, (_, i) => put('p', `l${i}`, 'v')));
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const reading = store.read(async (snap) => {
        const scan = snap.scanItems(b, 'p', { reverse: false })[Symbol.asyncIterator]();
        const first = await scan.next();
        assert.ok(first.done === false && first.value.length < 1_000, 'one page, more to come');
        await gate;
        assert.equal((await scan.next()).done, true, 'cut short, not crashed');
        await assert.rejects(snap.getItem(b, 'p', 'k1'), StoreError);
        await assert.rejects(snap.watermark(), StoreError);
      });
      const idle = store.read(async (snap) => {
        await gate;
        await assert.rejects(snap.watermark(), StoreError);
      });
      await store.write(b, [put('p', 'later', 'v')]); // pins the first read transaction
      await store.close();
      release();
      await reading;
      await idle;
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('waits for in-flight writes on close, then refuses reads and writes', async () => {
    const dir = await tempDir();
    const store = await openLmdbStore(options(dir));
    try {
      const b = newBucketId();
      const pending = store.write(b, [put('p', 's', 'v')]);
      const closed = store.close();
      await pending;
      await closed;
      assert.equal(store.healthy(), false);
      await assert.rejects(store.getItem(b, 'p', 's'), StoreError);
      await assert.rejects(store.read(() => Promise.resolve()), StoreError);
      await assert.rejects(store.bucketHasItems(b), StoreError);
      const reopened = await openLmdbStore(options(dir));
      assert.deepEqual(texts(await reopened.getItem(b, 'p', 's')), ['v']);
      await reopened.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
