import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { open, type RootDatabase } from 'lmdb';
import { LmdbMetadataStore, type MetaDatabase } from '../../../src/store/lmdb/metadata-store.js';
import { StoreError } from '../../../src/store/errors.js';
import type { AccessKey, Bucket } from '../../../src/store/metadata.js';

const KEY_A = 'GK' + 'a'.repeat(24);
const KEY_B = 'GK' + 'b'.repeat(24);
const BUCKET_1 = '1'.repeat(64);
const BUCKET_2 = '2'.repeat(64);

function key(id: string, name = 'k'): AccessKey {
  return { id, secret: 'f'.repeat(64), name, created: 1, allowCreateBucket: false };
}

function bucket(id: string, extra: Partial<Bucket> = {}): Bucket {
  return {
    id,
    created: 2,
    globalAliases: [],
    localAliases: [],
    keys: {},
    corsRules: [],
    websiteAccess: false,
    websiteConfig: null,
    quotas: { maxSize: null, maxObjects: null },
    ...extra,
  };
}

describe('LmdbMetadataStore', () => {
  let dir: string;
  let env: RootDatabase;
  let n = 0;

  // Each test gets its own named database in one environment.
  const freshDb = () => env.openDB({ name: `meta${n++}` });

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'k2v-meta-'));
    env = open({ path: dir, maxDbs: 64 });
  });
  after(async () => {
    await env.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts empty', () => {
    const meta = LmdbMetadataStore.load(freshDb());
    assert.deepEqual(meta.listKeys(), []);
    assert.deepEqual(meta.listBuckets(), []);
    assert.equal(meta.getKey(KEY_A), undefined);
    assert.equal(meta.keyIdEverUsed(KEY_A), false);
  });

  it('commits keys, buckets and aliases, and reloads them from disk', async () => {
    const db = freshDb();
    const meta = LmdbMetadataStore.load(db);
    const result = await meta.update((d) => {
      d.keys.set(KEY_A, key(KEY_A, 'alice'));
      d.buckets.set(
        BUCKET_1,
        bucket(BUCKET_1, {
          globalAliases: ['photos'],
          localAliases: [{ accessKeyId: KEY_A, alias: 'mine' }],
          keys: { [KEY_A]: { read: true, write: false, owner: true } },
          corsRules: [{ id: 'r', allowedOrigins: ['*'], allowedMethods: ['GET'], allowedHeaders: [], exposeHeaders: [], maxAgeSeconds: 60 }],
        }),
      );
      return 42;
    });
    assert.equal(result, 42);
    assert.equal(meta.getKey(KEY_A)?.name, 'alice');
    assert.equal(meta.resolveGlobalAlias('photos'), BUCKET_1);
    assert.equal(meta.resolveLocalAlias(KEY_A, 'mine'), BUCKET_1);
    assert.equal(meta.resolveLocalAlias(KEY_B, 'mine'), undefined);
    assert.equal(meta.keyIdEverUsed(KEY_A), true);

    const reloaded = LmdbMetadataStore.load(db);
    assert.deepEqual(reloaded.getKey(KEY_A), meta.getKey(KEY_A));
    assert.deepEqual(reloaded.getBucket(BUCKET_1), meta.getBucket(BUCKET_1));
    assert.equal(reloaded.resolveGlobalAlias('photos'), BUCKET_1);
    assert.equal(reloaded.resolveLocalAlias(KEY_A, 'mine'), BUCKET_1);
  });

  it('keeps deleted key ids as used, across reloads', async () => {
    const db = freshDb();
    const meta = LmdbMetadataStore.load(db);
    await meta.update((d) => void d.keys.set(KEY_A, key(KEY_A)));
    await meta.update((d) => {
      d.keys.delete(KEY_A);
      d.usedKeyIds.delete(KEY_A); // ignored: the set only grows
    });
    assert.equal(meta.getKey(KEY_A), undefined);
    assert.equal(meta.keyIdEverUsed(KEY_A), true);
    const reloaded = LmdbMetadataStore.load(db);
    assert.equal(reloaded.getKey(KEY_A), undefined);
    assert.equal(reloaded.keyIdEverUsed(KEY_A), true);
  });

  it('removes deleted records from disk', async () => {
    const db = freshDb();
    const meta = LmdbMetadataStore.load(db);
    await meta.update((d) => {
      d.keys.set(KEY_A, key(KEY_A));
      d.buckets.set(BUCKET_1, bucket(BUCKET_1, { globalAliases: ['gone'] }));
    });
    await meta.update((d) => void d.buckets.delete(BUCKET_1));
    assert.equal(meta.resolveGlobalAlias('gone'), undefined);
    const reloaded = LmdbMetadataStore.load(db);
    assert.equal(reloaded.getBucket(BUCKET_1), undefined);
    assert.equal(reloaded.listKeys().length, 1);
  });

  it('checks mustBeEmpty inside the commit: a bucket with items is not deleted (BucketNotEmpty)', async () => {
    const db = freshDb();
    let hasItems = true;
    const asked: string[] = [];
    const meta = LmdbMetadataStore.load(db, (id) => {
      asked.push(id);
      return hasItems;
    });
    await meta.update((d) => void d.buckets.set(BUCKET_1, bucket(BUCKET_1, { globalAliases: ['full'] })));
    assert.deepEqual(asked, [], 'only asked for buckets an update names');
    await assert.rejects(
      meta.update(async (d) => {
        await Promise.resolve(); // fn may be asynchronous
        d.mustBeEmpty.add(BUCKET_1);
        d.buckets.delete(BUCKET_1);
      }),
      (err: unknown) => err instanceof StoreError && err.code === 'BucketNotEmpty',
    );
    assert.deepEqual(asked, [BUCKET_1]);
    assert.equal(meta.resolveGlobalAlias('full'), BUCKET_1, 'unchanged in memory');
    assert.ok(LmdbMetadataStore.load(db).getBucket(BUCKET_1) !== undefined, 'unchanged on disk');
    hasItems = false;
    await meta.update((d) => {
      d.mustBeEmpty.add(BUCKET_1);
      d.buckets.delete(BUCKET_1);
    });
    assert.equal(meta.getBucket(BUCKET_1), undefined);
  });

  it('changes nothing when fn throws', async () => {
    const db = freshDb();
    const meta = LmdbMetadataStore.load(db);
    await meta.update((d) => void d.keys.set(KEY_A, key(KEY_A, 'before')));
    await assert.rejects(
      meta.update((d) => {
        d.keys.get(KEY_A)!.name = 'after';
        d.keys.set(KEY_B, key(KEY_B));
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(meta.getKey(KEY_A)?.name, 'before');
    assert.equal(meta.getKey(KEY_B), undefined);
    assert.equal(meta.keyIdEverUsed(KEY_B), false);
    assert.equal(LmdbMetadataStore.load(db).getKey(KEY_B), undefined);
  });

  it('changes nothing when the commit fails, and reports Unavailable', async () => {
    const db = freshDb();
    let fail = true;
    const failing: MetaDatabase = {
      getRange: (o) => db.getRange(o),
      put: (k, v) => db.put(k, v),
      remove: (k) => db.remove(k),
      get flushed() {
        return db.flushed;
      },
      transaction: (action) => (fail ? Promise.reject(new Error('MDB_MAP_FULL')) : db.transaction(action)),
    };
    const meta = LmdbMetadataStore.load(failing);
    await assert.rejects(
      meta.update((d) => void d.keys.set(KEY_A, key(KEY_A))),
      (err: unknown) => err instanceof StoreError && err.code === 'Unavailable',
    );
    assert.equal(meta.getKey(KEY_A), undefined);
    assert.equal(meta.keyIdEverUsed(KEY_A), false);
    fail = false;
    await meta.update((d) => void d.keys.set(KEY_B, key(KEY_B)));
    assert.deepEqual(
      meta.listKeys().map((k) => k.id),
      [KEY_B],
    );
  });

  it('serialises concurrent updates, each seeing the previous one', async () => {
    const meta = LmdbMetadataStore.load(freshDb());
    await meta.update((d) => void d.keys.set(KEY_A, key(KEY_A, '')));
    const all = Array.from({ length: 20 }, (_, i) =>
      meta.update((d) => {
        d.keys.get(KEY_A)!.name += String.fromCharCode(97 + i);
        return i;
      }),
    );
    assert.deepEqual(await Promise.all(all), [...Array(20).keys()]);
    assert.equal(meta.getKey(KEY_A)?.name, 'abcdefghijklmnopqrst');
  });

  it('keeps the queue going after a failed update', async () => {
    const meta = LmdbMetadataStore.load(freshDb());
    const failed = meta.update(() => {
      throw new Error('first');
    });
    const next = meta.update((d) => void d.keys.set(KEY_A, key(KEY_A)));
    await assert.rejects(failed, /first/);
    await next;
    assert.notEqual(meta.getKey(KEY_A), undefined);
  });

  it('hands out frozen records, and a draft that does not alias them', async () => {
    const meta = LmdbMetadataStore.load(freshDb());
    await meta.update((d) => void d.buckets.set(BUCKET_1, bucket(BUCKET_1, { globalAliases: ['a-b'] })));
    const b = meta.getBucket(BUCKET_1)!;
    assert.throws(() => {
      b.globalAliases.push('x');
    }, TypeError);
    await meta.update((d) => {
      const draft = d.buckets.get(BUCKET_1)!;
      assert.notEqual(draft, b);
      draft.globalAliases.push('c-d');
    });
    assert.deepEqual(b.globalAliases, ['a-b']);
    assert.deepEqual(meta.getBucket(BUCKET_1)?.globalAliases, ['a-b', 'c-d']);
    assert.equal(meta.resolveGlobalAlias('c-d'), BUCKET_1);
  });

  it('rejects a draft with a global alias on two buckets', async () => {
    const meta = LmdbMetadataStore.load(freshDb());
    await assert.rejects(
      meta.update((d) => {
        d.buckets.set(BUCKET_1, bucket(BUCKET_1, { globalAliases: ['same'] }));
        d.buckets.set(BUCKET_2, bucket(BUCKET_2, { globalAliases: ['same'] }));
      }),
      (err: unknown) => err instanceof StoreError && err.code === 'Conflict',
    );
    assert.deepEqual(meta.listBuckets(), []);
  });

  it('rejects a draft whose buckets reference a missing key', async () => {
    const meta = LmdbMetadataStore.load(freshDb());
    await assert.rejects(
      meta.update((d) => void d.buckets.set(BUCKET_1, bucket(BUCKET_1, { keys: { [KEY_A]: { read: true, write: true, owner: false } } }))),
      (err: unknown) => err instanceof StoreError && err.code === 'Conflict',
    );
    await assert.rejects(
      meta.update((d) => void d.buckets.set(BUCKET_1, bucket(BUCKET_1, { localAliases: [{ accessKeyId: KEY_A, alias: 'x-y' }] }))),
      (err: unknown) => err instanceof StoreError && err.code === 'Conflict',
    );
    assert.deepEqual(meta.listBuckets(), []);
  });

  it('rejects a local alias naming two buckets for one key', async () => {
    const meta = LmdbMetadataStore.load(freshDb());
    await assert.rejects(
      meta.update((d) => {
        d.keys.set(KEY_A, key(KEY_A));
        d.buckets.set(BUCKET_1, bucket(BUCKET_1, { localAliases: [{ accessKeyId: KEY_A, alias: 'dup' }] }));
        d.buckets.set(BUCKET_2, bucket(BUCKET_2, { localAliases: [{ accessKeyId: KEY_A, alias: 'dup' }] }));
      }),
      (err: unknown) => err instanceof StoreError && err.code === 'Conflict',
    );
  });

  it('refuses to load a corrupt record', async () => {
    const db = freshDb();
    await db.put(`key/${KEY_A}`, { id: KEY_A, name: 3 });
    assert.throws(() => LmdbMetadataStore.load(db), /corrupt metadata record/);
  });

  it('ignores records of other kinds', async () => {
    const db = freshDb();
    await db.put('something-else', { whatever: true });
    assert.deepEqual(LmdbMetadataStore.load(db).listKeys(), []);
  });
});
