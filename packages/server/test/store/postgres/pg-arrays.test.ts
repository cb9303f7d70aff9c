/**
 * Array literals (src/store/postgres/pg-arrays.ts) read back by PostgreSQL as the values written,
 * through a pool of connect() (no driver array types: `fetch_types: false`): text that looks like
 * array syntax or NULL, empty and binary values, int8 bounds and NULLs.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { boolArray, byteaArray, int8Array, textArray } from '../../../src/store/postgres/pg-arrays.js';
import { connect, type Db } from '../../../src/store/postgres/pg-connection.js';
import { startPgCluster, type PgCluster } from '../../support/pg-cluster.js';

let cluster: PgCluster;
let sql: Db;
before(async () => {
  cluster = await startPgCluster();
  sql = connect({ url: cluster.url(), maxConnections: 2, statementTimeoutMs: 5_000, lockTimeoutMs: 5_000 });
});
after(async () => {
  await sql?.end({ timeout: 0 });
  await cluster?.destroy();
});

/** Text PostgreSQL can store (no NUL), with the array syntax's special characters often. */
const pgText = fc.string({ unit: fc.constantFrom('a', '"', '\\', ',', '{', '}', ' ', 'N', 'U', 'L', 'é', '\n', '\'') }).map((s) => s);

test('text[]: every string read back as written, in order', async () => {
  const edge = ['', 'NULL', 'null', '"', '\\', '{}', '{a,b}', ' x ', 'a,b', "'", 'é€😀'];
  const rows = await sql<{ v: string }[]>`SELECT v FROM unnest(${textArray(edge)}::text[]) WITH ORDINALITY AS u(v, i) ORDER BY i`;
  assert.deepEqual(
    rows.map((r) => r.v),
    edge,
  );
  await fc.assert(
    fc.asyncProperty(fc.array(pgText, { maxLength: 20 }), async (xs) => {
      const [r] = await sql<{ n: number; same: boolean }[]>`
        SELECT count(*)::int AS n, bool_and(v = x) AS same
        FROM unnest(${textArray(xs)}::text[], ${textArray(xs.map((x) => x))}::text[]) AS u(v, x)`;
      const got = await sql<{ v: string }[]>`SELECT v FROM unnest(${textArray(xs)}::text[]) WITH ORDINALITY AS u(v, i) ORDER BY i`;
      assert.equal(r?.n, xs.length);
      assert.deepEqual(
        got.map((g) => g.v),
        xs,
      );
    }),
    { numRuns: 50 },
  );
});

test('bytea[]: every value read back as written (empty, binary, views into a larger buffer)', async () => {
  const big = Buffer.from([9, 0, 1, 2, 255, 92, 34, 44]);
  const xs = [Buffer.alloc(0), Buffer.from([0]), big.subarray(1, 6), new Uint8Array([123, 125, 92]), Buffer.from('NULL')];
  const rows = await sql<{ v: Buffer }[]>`SELECT v FROM unnest(${byteaArray(xs)}::bytea[]) WITH ORDINALITY AS u(v, i) ORDER BY i`;
  assert.deepEqual(
    rows.map((r) => Buffer.from(r.v).toString('hex')),
    xs.map((x) => Buffer.from(x).toString('hex')),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 20 }), async (vs) => {
      const got = await sql<{ v: Buffer }[]>`SELECT v FROM unnest(${byteaArray(vs)}::bytea[]) WITH ORDINALITY AS u(v, i) ORDER BY i`;
      assert.deepEqual(
        got.map((g) => Buffer.from(g.v).toString('hex')),
        vs.map((v) => Buffer.from(v).toString('hex')),
      );
    }),
    { numRuns: 50 },
  );
});

test('int8[] with NULLs and bool[]; empty arrays', async () => {
  const ns = [0n, -1n, 9223372036854775807n, -9223372036854775808n, null, 42n];
  const bs = [true, false, true, false, true, false];
  const rows = await sql<{ n: bigint | null; b: boolean }[]>`
    SELECT n, b FROM unnest(${int8Array(ns)}::int8[], ${boolArray(bs)}::bool[]) WITH ORDINALITY AS u(n, b, i) ORDER BY i`;
  assert.deepEqual(
    rows.map((r) => r.n),
    ns,
  );
  assert.deepEqual(
    rows.map((r) => r.b),
    bs,
  );
  const [e] = await sql<{ n: number }[]>`
    SELECT (SELECT count(*) FROM unnest(${textArray([])}::text[])) + (SELECT count(*) FROM unnest(${byteaArray([])}::bytea[]))
         + (SELECT count(*) FROM unnest(${int8Array([])}::int8[])) + (SELECT count(*) FROM unnest(${boolArray([])}::bool[])) AS n`;
  assert.equal(Number(e?.n), 0);
});
