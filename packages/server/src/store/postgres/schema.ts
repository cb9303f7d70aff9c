/**
 * The PostgreSQL schema, as versioned migrations applied at start (`migrate`), safe when several
 * servers start at once: the whole check-and-apply runs in one transaction under a transaction
 * advisory lock, so one server migrates and the others then find the version done.
 *
 * Ready for Citus (docs/postgres.md "Sharding with Citus"): the primary key of every table that
 * grows with the data leads with its distribution column, and every statement of the store names
 * it, so a table can be distributed without code changes:
 * - k2v_item: `part` = sha256(bucket id ‖ partition key), the bucket and the partition in one
 *   column (a partition's items live together; a scan of one partition is one shard);
 * - k2v_counter, k2v_bucket_items: `bucket` (ReadIndex scans a bucket's partitions in order);
 * - k2v_node and the metadata tables are small and read everywhere: Citus reference tables.
 *
 * Keys are `bytea`, compared bytewise: exactly the contract's UTF-8 byte order, whatever the
 * database's collation, and a NUL in a key is stored as it is.
 */
import type { Db } from './pg-connection.js';

/** pg_advisory_xact_lock key of the migration ("k2v_mig" in ASCII). */
const MIGRATION_LOCK = 0x6b32765f6d6967n;

interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'items, counters, node clocks, metadata',
    sql: `
      -- One row per node of the causality tokens (each server process claims one at start,
      -- pg-node.ts). 'last' is the last timestamp the node issued, updated under this row's lock
      -- in every write transaction of the node, so its timestamps grow in commit order.
      CREATE TABLE k2v_node (
        node_id bigint PRIMARY KEY,
        last bigint NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );

      -- One row per item: the item-codec.ts FORMAT 1 record (partition key, sort key, DVVS
      -- state). tomb_since: ms since the epoch when the item became
      -- tombstone-only (NULL otherwise), for the GC; conflict: two or more distinct values.
      CREATE TABLE k2v_item (
        part bytea NOT NULL,
        sk bytea NOT NULL,
        bucket bytea NOT NULL,
        item bytea NOT NULL,
        tomb_since bigint,
        conflict boolean NOT NULL DEFAULT false,
        PRIMARY KEY (part, sk)
      );
      CREATE INDEX k2v_item_gc ON k2v_item (tomb_since) WHERE tomb_since IS NOT NULL;

      -- ReadIndex counters of a partition, exact: changed in the writing transaction; a row
      -- whose four counters are zero is deleted.
      CREATE TABLE k2v_counter (
        bucket bytea NOT NULL,
        pk bytea NOT NULL,
        n_entries bigint NOT NULL,
        n_conflicts bigint NOT NULL,
        n_values bigint NOT NULL,
        n_bytes bigint NOT NULL,
        PRIMARY KEY (bucket, pk)
      );

      -- Items (tombstones included) of a bucket, one row per writing node so that two servers
      -- never wait on each other's row: the bucket's count is the sum.
      CREATE TABLE k2v_bucket_items (
        bucket bytea NOT NULL,
        node_id bigint NOT NULL,
        items bigint NOT NULL,
        PRIMARY KEY (bucket, node_id)
      );

      -- Metadata (store/metadata.ts): records as JSON, one table per entity (a bucket's record
      -- holds its aliases, permissions and CORS rules); every change runs under the lock of the
      -- version row, which serializes metadata changes across servers (pg-metadata-store.ts).
      CREATE TABLE k2v_access_key (id text PRIMARY KEY, record jsonb NOT NULL);
      CREATE TABLE k2v_used_key_id (id text PRIMARY KEY);
      CREATE TABLE k2v_bucket (id text PRIMARY KEY, record jsonb NOT NULL);
      -- Bumped by every metadata change (the caches' invalidation, pg-metadata-store.ts).
      CREATE TABLE k2v_meta_version (one boolean PRIMARY KEY DEFAULT true CHECK (one), version bigint NOT NULL);
      INSERT INTO k2v_meta_version (version) VALUES (0);
    `,
  },
  {
    version: 2,
    name: 'admin API tokens',
    sql: `
      -- Admin tokens created through the admin API v2 (store/metadata.ts AdminToken): the record
      -- holds the token's hash, never its secret. Changed under the version row's lock, as the
      -- other metadata tables.
      CREATE TABLE k2v_admin_token (id text PRIMARY KEY, record jsonb NOT NULL);
    `,
  },
  {
    version: 3,
    name: 'metadata leases, removed buckets',
    sql: `
      -- One row per live server (pg-meta-lease.ts): the metadata version it has applied, and
      -- until when (database clock) it may serve without a renewal. A metadata change waits
      -- until every server with a lease in force has applied it (or its lease has run out).
      CREATE TABLE k2v_server_lease (
        node_id bigint PRIMARY KEY,
        meta_version bigint NOT NULL,
        lease_until timestamptz NOT NULL
      );
      -- Ids of removed buckets (never reused): an item write that waited for a bucket's removal
      -- finds it here and is refused (write-txn.ts).
      CREATE TABLE k2v_bucket_gone (id text PRIMARY KEY);
    `,
  },
  {
    version: 4,
    name: 'used admin token ids',
    sql: `
      -- Every admin token id ever stored (store/metadata.ts usedAdminTokenIds): a restore does
      -- not bring back a token deleted here.
      CREATE TABLE k2v_used_admin_token_id (id text PRIMARY KEY);
      INSERT INTO k2v_used_admin_token_id (id) SELECT id FROM k2v_admin_token;
    `,
  },
  {
    version: 5,
    name: 'node owners',
    sql: `
      -- The random token of the process that claimed the node (pg-node.ts); every write
      -- transaction of the node checks it under the row's lock, so only the last claimer writes.
      ALTER TABLE k2v_node ADD COLUMN owner text;
    `,
  },
];

/** Creates or migrates the schema; returns the version now in force. */
export async function migrate(sql: Db): Promise<number> {
  return sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK.toString()}::bigint)`;
    await tx`CREATE TABLE IF NOT EXISTS k2v_schema_migrations (
      version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`;
    const rows = await tx<{ version: number }[]>`SELECT version FROM k2v_schema_migrations`;
    const done = new Set(rows.map((r) => r.version));
    const newest = MIGRATIONS[MIGRATIONS.length - 1]!.version;
    const unknown = [...done].filter((v) => v > newest);
    if (unknown.length > 0) {
      throw new Error(`the database has schema version ${Math.max(...unknown)}, newer than this server knows (${newest}): upgrade the server`);
    }
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      await tx.unsafe(m.sql);
      await tx`INSERT INTO k2v_schema_migrations (version, name) VALUES (${m.version}, ${m.name})`;
    }
    return newest;
  });
}
