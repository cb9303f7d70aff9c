/**
 * Metadata on PostgreSQL (store/metadata.ts): keys, buckets (with their aliases, permissions and
 * CORS rules), admin tokens (schema version 2), the ids of every key and (version 4) every admin token ever used, one row per record, cached in memory on each
 * server for the synchronous reads of the auth path.
 *
 * Until the metadata port becomes per-entity (design-review.md recommendation 3), the records,
 * their invariants and `update(fn)` are those of the LMDB metadata store, run over this
 * database: `update` locks the version row (which serializes metadata changes across every
 * server), reloads the cache first if another server changed it, lets the LMDB store's logic
 * compute the changed records, and writes them, bumps the version and NOTIFYs `k2v_meta` in the
 * same transaction. The cache changes only after COMMIT.
 *
 * Freshness rule (pg-meta-lease.ts, docs/postgres.md): a change waits, after its COMMIT and
 * before its answer, until every live server has applied its version; a server that has not
 * renewed its lease with the current version in time fences itself (every metadata read fails
 * 'Unavailable', 503) until it has reloaded. While a server's notification connection is down
 * its reads fail the same way, until LISTEN is back and the cache has been reloaded. Reloads
 * and updates run one at a time (one queue), each load in one snapshot.
 *
 * A removed bucket must hold no item (the port's mustBeEmpty): its row is locked FOR UPDATE
 * before the count, so the count waits for every item write holding the bucket's KEY SHARE
 * lock (write-txn.ts), and the removal records the bucket in k2v_bucket_gone, where a write that
 * waited for it finds it.
 */
import { Buffer } from 'node:buffer';
import type { Logger } from 'pino';
import type { PendingQuery, ReservedSql, Row } from 'postgres';
import { StoreError } from '../errors.js';
import { LmdbMetadataStore, type MetaDatabase } from '../lmdb/metadata-store.js';
import type { AccessKey, AdminToken, Bucket, MetadataDraft, MetadataStore } from '../metadata.js';
import type { Db } from './pg-connection.js';
import { toStoreError } from './pg-errors.js';
import { MetaLease } from './pg-meta-lease.js';
import { inTransaction, reserve, type Reservation } from './pg-transaction.js';
import { META_CHANNEL } from './pg-notify.js';

type Tx = ReservedSql<{ bigint: bigint }>;

const TABLES = [
  { prefix: 'key/', table: 'k2v_access_key' },
  { prefix: 'bucket/', table: 'k2v_bucket' },
  { prefix: 'admintoken/', table: 'k2v_admin_token' },
] as const;
const USED_PREFIX = 'used/';
/** The LMDB store's records of used admin token ids (schema version 4). */
const USED_TOKEN_PREFIX = 'usedtoken/';

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

/** Every record and the version, in one snapshot. */
function loadRecords(sql: Db, boundMs: number): Promise<{ version: bigint; records: Record_[] }> {
  return inTransaction(sql, 'ISOLATION LEVEL REPEATABLE READ READ ONLY', boundMs, loadRecordsIn);
}

function loadRecordsIn(r: Reservation): Promise<{ version: bigint; records: Record_[] }> {
  return selectRecords(r.tx, (q) => r.run(q));
}

/**
 * The version and every record, read with `tx` and sent by `run` (in one snapshot: the caller's
 * transaction). Also what a read snapshot's `metadata()` reads (pg-snapshot.ts).
 */
export async function selectRecords(
  tx: Db | Tx,
  run: <T extends readonly Row[]>(q: PendingQuery<T>) => Promise<T>,
): Promise<{ version: bigint; records: Record_[] }> {
  const [v] = await run(tx<{ version: bigint }[]>`SELECT version FROM k2v_meta_version`);
  const records: Record_[] = [];
  for (const { prefix, table } of TABLES) {
    for (const row of await run(tx<{ id: string; record: unknown }[]>`SELECT id, record FROM ${tx(table)}`)) {
      records.push({ key: prefix + row.id, value: row.record });
    }
  }
  for (const row of await run(tx<{ id: string }[]>`SELECT id FROM k2v_used_key_id`)) records.push({ key: USED_PREFIX + row.id, value: true });
  for (const row of await run(tx<{ id: string }[]>`SELECT id FROM k2v_used_admin_token_id`)) records.push({ key: USED_TOKEN_PREFIX + row.id, value: true });
  return { version: v?.version ?? 0n, records };
}

export class PgMetadataStore implements MetadataStore {
  private inner: LmdbMetadataStore;
  private db: RecordsDb;
  private version: bigint;
  /** Updates and reloads, one at a time. */
  private queue: Promise<unknown> = Promise.resolve();
  private fresh = true;
  private closed = false;
  readonly lease: MetaLease;

  private constructor(
    private readonly sql: Db,
    loaded: { version: bigint; records: Record_[] },
    private readonly logger: Logger,
    leaseSql: Db,
    nodeId: bigint,
    leaseMs: number | undefined,
    /** The bound of one statement and of the wait for a connection (ms). */
    private readonly boundMs: number,
    private readonly nodeLost: (() => boolean) | undefined,
  ) {
    this.db = new RecordsDb(loaded.records);
    this.inner = LmdbMetadataStore.load(this.db);
    this.version = loaded.version;
    this.lease = new MetaLease(leaseSql, nodeId, () => this.version, () => this.refresh(undefined), leaseMs, nodeLost);
  }

  /** `leaseSql`: the lease's own connection; `nodeId`: this server's node; `boundMs`: a statement's bound. */
  static async load(
    sql: Db,
    logger: Logger,
    leaseSql: Db,
    nodeId: bigint,
    boundMs: number,
    leaseMs?: number,
    /** Whether another process may have this node: its lease row is then no longer this server's. */
    nodeLost?: () => boolean,
  ): Promise<PgMetadataStore> {
    return new PgMetadataStore(sql, await loadRecords(sql, boundMs), logger, leaseSql, nodeId, leaseMs, boundMs, nodeLost);
  }

  /** The notification connection is down: the cache may be stale. */
  markStale(): void {
    this.fresh = false;
  }

  /** Reloads the cache (once LISTEN is back, or when behind), marks it fresh, renews the lease. */
  reload(): Promise<void> {
    return this.enqueue(() => this.reloadNow());
  }

  /** reload()'s work, for a caller already in the queue. */
  private async reloadNow(): Promise<void> {
    const loaded = await loadRecords(this.sql, this.boundMs);
    if (loaded.version >= this.version) this.install(loaded);
    this.fresh = true;
    await this.lease.renew();
  }

  /** A `k2v_meta` notification: a server committed metadata version `payload`. */
  onNotify(payload: string): void {
    this.refresh(/^\d+$/.test(payload) ? BigInt(payload) : undefined);
  }

  /** Reloads unless `version` is already applied (a change of this server's own, or a repeat). */
  private refresh(version: bigint | undefined): void {
    // A notification or a refused renewal while closing: nothing to keep fresh any more.
    if (this.closed) return;
    this.enqueue(async () => {
      if (version !== undefined && version <= this.version) return;
      const loaded = await loadRecords(this.sql, this.boundMs);
      if (loaded.version >= this.version) this.install(loaded);
      // The acknowledgement another server's change is waiting for.
      await this.lease.renew();
    }).catch((err: unknown) => {
      this.logger.error({ err }, 'metadata reload failed; this server refuses requests once its lease runs out, until a reload succeeds');
    });
  }

  /**
   * Takes no more reloads or updates, and resolves once those queued are over: nothing of the
   * metadata runs on the store's connections after it closed them (the lease is closed apart).
   */
  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
  }

  private enqueue<T>(op: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new StoreError('Unavailable', 'the store is closed'));
    const run = this.queue.then(op);
    this.queue = run.catch(() => undefined);
    return run;
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

  adminTokenIdEverUsed(id: string): boolean {
    return this.current().adminTokenIdEverUsed(id);
  }

  getAdminToken(id: string): AdminToken | undefined {
    return this.current().getAdminToken(id);
  }

  listAdminTokens(): AdminToken[] {
    return this.current().listAdminTokens();
  }

  update<T>(fn: (draft: MetadataDraft) => T | Promise<T>): Promise<T> {
    return this.enqueue(() => this.runUpdate(fn));
  }

  private current(): LmdbMetadataStore {
    if (!this.fresh) throw new StoreError('Unavailable', 'metadata cache cannot be confirmed fresh (PostgreSQL notification connection down)');
    if (!this.lease.valid) throw new StoreError('Unavailable', 'metadata lease expired: this server has not confirmed the current metadata version');
    return this.inner;
  }

  private install(loaded: { version: bigint; records: Record_[] }): void {
    this.db = new RecordsDb(loaded.records);
    this.inner = LmdbMetadataStore.load(this.db);
    this.version = loaded.version;
  }

  private async runUpdate<T>(fn: (draft: MetadataDraft) => T | Promise<T>): Promise<T> {
    // Another process on this node shares its lease row: a change could not wait for it.
    if (this.nodeLost?.() === true) throw new StoreError('Unavailable', 'this server no longer owns its node; restart it');
    let r: Reservation;
    try {
      // Bounded: an exhausted or stuck pool is a 503, never a hang of the metadata queue.
      r = await reserve(this.sql, this.boundMs);
    } catch (err) {
      throw toStoreError(err, 'metadata update');
    }
    const tx = r.tx;
    let open = false;
    /** A database failure (as opposed to `fn`'s own refusal, which propagates as it is). */
    let dbError: unknown;
    try {
      try {
        await r.run(tx`BEGIN`);
        open = true;
        const [v] = await r.run(tx<{ version: bigint }[]>`SELECT version FROM k2v_meta_version FOR UPDATE`);
        if (v!.version !== this.version) this.install(await loadRecordsIn(r));
      } catch (err) {
        dbError = err;
        throw err;
      }
      const next = this.version + 1n;
      this.db.persist = async (ops) => {
        // A removed bucket must hold no item (the port's mustBeEmpty): the row lock waits for
        // every item write in flight on the bucket (they hold KEY SHARE on it), and the count,
        // a statement after it, sees what they committed (READ COMMITTED).
        const removed: string[] = [];
        try {
          for (const op of ops) {
            if (op[0] !== 'remove' || !op[1].startsWith('bucket/')) continue;
            const id = op[1].slice('bucket/'.length);
            await r.run(tx`SELECT id FROM k2v_bucket WHERE id = ${id} FOR UPDATE`);
            const [row] = await r.run(tx<{ n: bigint }[]>`
              SELECT coalesce(sum(items), 0)::int8 AS n FROM k2v_bucket_items WHERE bucket = ${Buffer.from(id, 'hex')}`);
            if ((row?.n ?? 0n) > 0n) throw new StoreError('BucketNotEmpty', `bucket ${id} still holds K2V items`);
            removed.push(id);
          }
        } catch (err) {
          if (!(err instanceof StoreError && err.code === 'BucketNotEmpty')) dbError = err;
          throw err;
        }
        const stmts: PendingQuery<readonly Row[]>[] = [];
        for (const id of removed) stmts.push(tx`INSERT INTO k2v_bucket_gone (id) VALUES (${id}) ON CONFLICT DO NOTHING`);
        for (const op of ops) stmts.push(this.writeOp(tx, op));
        stmts.push(tx`UPDATE k2v_meta_version SET version = ${next}`);
        stmts.push(tx`SELECT pg_notify(${META_CHANNEL}, ${next.toString()})`);
        const settling = r.settleAll([...stmts, tx`COMMIT`]);
        open = false;
        try {
          await settling;
        } catch (err) {
          dbError = err;
          throw err;
        }
        this.version = next;
      };
      const versionBefore = this.version;
      const result = await this.inner.update(fn);
      if (open) {
        // Nothing was written (`fn` refused or changed nothing): its answer stands whatever the ROLLBACK does.
        open = false;
        await r.abort(undefined);
      }
      if (this.version !== versionBefore) {
        // Committed: answer only once every live server has applied it (or fenced itself).
        try {
          await this.lease.awaitApplied(this.version);
        } catch (err) {
          dbError = err;
          throw err;
        }
      }
      return result;
    } catch (err) {
      if (open) await r.abort(err);
      if (dbError === undefined) throw err instanceof StoreError && err.cause instanceof StoreError ? err.cause : err;
      // The cache may now differ from the database: read it again.
      await this.reloadNow().catch(() => {
        this.fresh = false;
      });
      throw toStoreError(dbError, 'metadata update');
    } finally {
      this.db.persist = undefined;
      r.end();
    }
  }

  private writeOp(tx: Tx, op: ['put', string, unknown] | ['remove', string]): PendingQuery<readonly Row[]> {
    const [kind, key] = op;
    if (key.startsWith(USED_PREFIX)) {
      const id = key.slice(USED_PREFIX.length);
      return kind === 'put' ? tx`INSERT INTO k2v_used_key_id (id) VALUES (${id}) ON CONFLICT DO NOTHING` : tx`DELETE FROM k2v_used_key_id WHERE id = ${id}`;
    }
    if (key.startsWith(USED_TOKEN_PREFIX)) {
      const id = key.slice(USED_TOKEN_PREFIX.length);
      return kind === 'put'
        ? tx`INSERT INTO k2v_used_admin_token_id (id) VALUES (${id}) ON CONFLICT DO NOTHING`
        : tx`DELETE FROM k2v_used_admin_token_id WHERE id = ${id}`;
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
