/**
 * Metadata on PostgreSQL (store/metadata.ts): keys, buckets (with their aliases, permissions and
 * CORS rules), admin tokens (schema version 2) and the ids of every key ever used, one row per record, cached in memory on each
 * server for the synchronous reads of the auth path.
 *
 * Until the metadata port becomes per-entity (design-review.md recommendation 3), the records,
 * their invariants and `update(fn)` are those of the LMDB metadata store, run over this
 * database: `update` locks the version row (which serializes metadata changes across every
 * server), reloads the cache first if another server changed it, lets the LMDB store's logic
 * compute the changed records, and writes them, bumps the version and NOTIFYs `k2v_meta` in the
 * same transaction. The cache changes only after COMMIT.
 *
 * Freshness rule. Every other server reloads its cache on that notification. While a server's
 * notification connection is down, it cannot know its cache is fresh: every metadata read then
 * fails with 'Unavailable' (503) until LISTEN is back and the cache has been reloaded. What this
 * does not close: the few milliseconds between the revoking server's COMMIT and another server's
 * reload (see docs/postgres.md).
 */
import { Buffer } from 'node:buffer';
import type { Logger } from 'pino';
import type { ReservedSql } from 'postgres';
import { StoreError } from '../errors.js';
import { LmdbMetadataStore, type MetaDatabase } from '../lmdb/metadata-store.js';
import type { AccessKey, AdminToken, Bucket, MetadataDraft, MetadataStore } from '../metadata.js';
import type { Db } from './pg-connection.js';
import { toStoreError } from './pg-errors.js';
import { META_CHANNEL } from './pg-notify.js';

type Tx = ReservedSql<{ bigint: bigint }>;

const TABLES = [
  { prefix: 'key/', table: 'k2v_access_key' },
  { prefix: 'bucket/', table: 'k2v_bucket' },
  { prefix: 'admintoken/', table: 'k2v_admin_token' },
] as const;
const USED_PREFIX = 'used/';

interface Record_ {
  readonly key: string;
  readonly value: unknown;
}

/** The LMDB store's view of its database, over rows read from PostgreSQL and one transaction. */
class RecordsDb implements MetaDatabase {
  readonly flushed = Promise.resolve(true);
  private ops: (['put', string, unknown] | ['remove', string])[] = [];
  /** Writes the collected records and commits; set for the duration of one update. */
  persist: ((ops: readonly (['put', string, unknown] | ['remove', string])[]) => Promise<void>) | undefined;

  constructor(private readonly records: readonly Record_[]) {}

  getRange(): Iterable<{ key: string; value: unknown }> {
    return this.records;
  }

  put(key: string, value: unknown): Promise<boolean> {
    this.ops.push(['put', key, value]);
    return Promise.resolve(true);
  }

  remove(key: string): Promise<boolean> {
    this.ops.push(['remove', key]);
    return Promise.resolve(true);
  }

  async transaction<T>(action: () => T): Promise<T> {
    this.ops = [];
    const result = action();
    if (this.persist === undefined) throw new Error('metadata written outside an update');
    await this.persist(this.ops);
    return result;
  }
}

async function loadRecords(sql: Db): Promise<{ version: bigint; records: Record_[] }> {
  const [v] = await sql<{ version: bigint }[]>`SELECT version FROM k2v_meta_version`;
  const records: Record_[] = [];
  for (const { prefix, table } of TABLES) {
    for (const r of await sql<{ id: string; record: unknown }[]>`SELECT id, record FROM ${sql(table)}`) {
      records.push({ key: prefix + r.id, value: r.record });
    }
  }
  for (const r of await sql<{ id: string }[]>`SELECT id FROM k2v_used_key_id`) records.push({ key: USED_PREFIX + r.id, value: true });
  return { version: v?.version ?? 0n, records };
}

export class PgMetadataStore implements MetadataStore {
  private inner: LmdbMetadataStore;
  private db: RecordsDb;
  private version: bigint;
  private queue: Promise<unknown> = Promise.resolve();
  private fresh = true;

  private constructor(
    private readonly sql: Db,
    loaded: { version: bigint; records: Record_[] },
    private readonly logger: Logger,
  ) {
    this.db = new RecordsDb(loaded.records);
    this.inner = LmdbMetadataStore.load(this.db);
    this.version = loaded.version;
  }

  static async load(sql: Db, logger: Logger): Promise<PgMetadataStore> {
    return new PgMetadataStore(sql, await loadRecords(sql), logger);
  }

  /** The notification connection is down: the cache may be stale. */
  markStale(): void {
    this.fresh = false;
  }

  /**
   * Reloads the cache (after a notification, or once LISTEN is back) and marks it fresh. Queued
   * with the updates: a reload that read the records before an update committed must not install
   * them over that update's result (a deleted bucket would come back in the cache).
   */
  reload(): Promise<void> {
    const run = this.queue.then(() => this.reloadNow());
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async reloadNow(): Promise<void> {
    const loaded = await loadRecords(this.sql);
    if (loaded.version >= this.version) this.install(loaded);
    this.fresh = true;
  }

  /** A `k2v_meta` notification: another server committed metadata version `payload`. */
  onNotify(payload: string): void {
    if (/^\d+$/.test(payload) && BigInt(payload) <= this.version) return;
    this.reload().catch((err: unknown) => {
      this.logger.error({ err }, 'metadata reload failed; refusing metadata reads until it succeeds');
      this.fresh = false;
    });
  }

  getKey(id: string): AccessKey | undefined {
    return this.current().getKey(id);
  }

  listKeys(): AccessKey[] {
    return this.current().listKeys();
  }

  getBucket(id: string): Bucket | undefined {
    return this.current().getBucket(id);
  }

  listBuckets(): Bucket[] {
    return this.current().listBuckets();
  }

  resolveGlobalAlias(alias: string): string | undefined {
    return this.current().resolveGlobalAlias(alias);
  }

  resolveLocalAlias(accessKeyId: string, alias: string): string | undefined {
    return this.current().resolveLocalAlias(accessKeyId, alias);
  }

  keyIdEverUsed(id: string): boolean {
    return this.current().keyIdEverUsed(id);
  }

  getAdminToken(id: string): AdminToken | undefined {
    return this.current().getAdminToken(id);
  }

  listAdminTokens(): AdminToken[] {
    return this.current().listAdminTokens();
  }

  update<T>(fn: (draft: MetadataDraft) => T | Promise<T>): Promise<T> {
    const run = this.queue.then(() => this.runUpdate(fn));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private current(): LmdbMetadataStore {
    if (!this.fresh) throw new StoreError('Unavailable', 'metadata cache cannot be confirmed fresh (PostgreSQL notification connection down)');
    return this.inner;
  }

  private install(loaded: { version: bigint; records: Record_[] }): void {
    this.db = new RecordsDb(loaded.records);
    this.inner = LmdbMetadataStore.load(this.db);
    this.version = loaded.version;
  }

  private async runUpdate<T>(fn: (draft: MetadataDraft) => T | Promise<T>): Promise<T> {
    let tx: Tx;
    try {
      tx = await this.sql.reserve();
    } catch (err) {
      throw toStoreError(err, 'metadata update');
    }
    let open = false;
    /** A database failure (as opposed to `fn`'s own refusal, which propagates as it is). */
    let dbError: unknown;
    try {
      try {
        await tx`BEGIN`;
        open = true;
        const [v] = await tx<{ version: bigint }[]>`SELECT version FROM k2v_meta_version FOR UPDATE`;
        if (v!.version !== this.version) this.install(await loadRecords(tx));
      } catch (err) {
        dbError = err;
        throw err;
      }
      const next = this.version + 1n;
      this.db.persist = async (ops) => {
        // A removed bucket must hold no item (the port's mustBeEmpty), checked in this
        // transaction. Not yet race-free against an item write committing on another server at
        // the same moment (item writes do not lock anything the bucket's removal locks).
        for (const op of ops) {
          if (op[0] !== 'remove' || !op[1].startsWith('bucket/')) continue;
          const id = op[1].slice('bucket/'.length);
          const [r] = await tx<{ n: bigint }[]>`
            SELECT coalesce(sum(items), 0)::int8 AS n FROM k2v_bucket_items WHERE bucket = ${Buffer.from(id, 'hex')}`;
          if ((r?.n ?? 0n) > 0n) throw new StoreError('BucketNotEmpty', `bucket ${id} still holds K2V items`);
        }
        const stmts: Promise<unknown>[] = [];
        for (const op of ops) stmts.push(this.writeOp(tx, op));
        stmts.push(tx`UPDATE k2v_meta_version SET version = ${next}`);
        stmts.push(tx`SELECT pg_notify(${META_CHANNEL}, ${next.toString()})`);
        const settled = await Promise.allSettled([...stmts, tx`COMMIT`]);
        open = false;
        const failed = settled.find((s) => s.status === 'rejected');
        if (failed !== undefined) {
          dbError = (failed as PromiseRejectedResult).reason;
          throw dbError;
        }
        this.version = next;
      };
      const result = await this.inner.update(fn);
      if (open) {
        await tx`ROLLBACK`;
        open = false;
      }
      return result;
    } catch (err) {
      if (open) await tx`ROLLBACK`.catch(() => undefined);
      if (dbError === undefined) throw err instanceof StoreError && err.cause instanceof StoreError ? err.cause : err;
      // The cache may now differ from the database: read it again.
      await this.reloadNow().catch(() => {
        this.fresh = false;
      });
      throw toStoreError(dbError, 'metadata update');
    } finally {
      this.db.persist = undefined;
      tx.release();
    }
  }

  private writeOp(tx: Tx, op: ['put', string, unknown] | ['remove', string]): Promise<unknown> {
    const [kind, key] = op;
    if (key.startsWith(USED_PREFIX)) {
      const id = key.slice(USED_PREFIX.length);
      return kind === 'put' ? tx`INSERT INTO k2v_used_key_id (id) VALUES (${id}) ON CONFLICT DO NOTHING` : tx`DELETE FROM k2v_used_key_id WHERE id = ${id}`;
    }
    const t = TABLES.find((x) => key.startsWith(x.prefix));
    if (t === undefined) throw new Error(`unknown metadata record ${key}`);
    const id = key.slice(t.prefix.length);
    if (kind === 'remove') return tx`DELETE FROM ${tx(t.table)} WHERE id = ${id}`;
    const record = JSON.parse(JSON.stringify(op[2])) as Parameters<typeof tx.json>[0];
    return tx`INSERT INTO ${tx(t.table)} (id, record) VALUES (${id}, ${tx.json(record)})
              ON CONFLICT (id) DO UPDATE SET record = EXCLUDED.record`;
  }
}
