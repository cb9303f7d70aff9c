/**
 * The throughput workloads (issue: ReadItem, InsertItem, InsertBatch, ReadBatch, ReadIndex) on
 * K2V and their closest etcd equivalents, each a request file replayed by the load generator.
 *
 * Reads pick items uniformly over what is loaded. Writes cannot be replayed twice without
 * changing their meaning (a token is only "the latest" once), so write files are sized from a
 * probe run: the probe doubles as warm-up, and the measured run gets twice the requests the
 * probe's rate needs; if a file still wraps around, the result says so.
 */
import { type BenchContext, requestFilePath } from '../context.js';
import { ITEMS_PER_PARTITION, gridItem, gridPk, newItem, prng, shuffle, valueOf, type ItemName } from '../dataset.js';
import { writeRequestFile, type RequestFile } from '../load/request-file.js';
import type { EtcdTarget } from '../targets/etcd-target.js';
import type { K2vTarget } from '../targets/k2v-target.js';
import { drive, type Measured, type MeasuredServer } from './drive.js';
import { insertBatch, insertItem, readBatch, readIndex, readItem, type K2vBucket } from './k2v-requests.js';

/** Distinct signed read requests per file (replayed in a loop). */
const READ_REQUESTS = 100_000;
const MAX_WRITE_REQUESTS = 600_000;

export type Server = MeasuredServer;

/** New items are taken from one counter so no two runs write the same new key. */
let nextNew = 0;
function takeNew(n: number, align = 1): number {
  nextNew = Math.ceil(nextNew / align) * align;
  const first = nextNew;
  nextNew += n;
  return first;
}

const uniform = (seed: number, n: number, loaded: number): number[] => {
  const rnd = prng(seed);
  return Array.from({ length: n }, () => Math.floor(rnd() * loaded));
};

async function readRun(ctx: BenchContext, server: Server, name: string, reqs: Buffer[], itemsPerRequest: number): Promise<Measured> {
  const file = writeRequestFile(requestFilePath(ctx, name), reqs, itemsPerRequest, true);
  return drive(ctx.drive, server, file);
}

/**
 * A write workload: `make(n)` signs n requests of fresh writes. A probe of a few thousand items
 * warms up and measures the rate; the measured file is sized from it.
 */
export async function writeRun(
  ctx: BenchContext,
  server: Server,
  name: string,
  itemsPerRequest: number,
  make: (n: number) => Promise<Buffer[]>,
): Promise<Measured> {
  const probeCount = Math.max(300, Math.ceil(3_000 / itemsPerRequest));
  const probe = writeRequestFile(requestFilePath(ctx, `${name}-probe`), await make(probeCount), itemsPerRequest);
  // The probe is warm-up (its few requests are replayed over and over): not worth a profile.
  const warm = await drive({ ...ctx.drive, warmupS: 0, durationS: Math.max(0.5, ctx.drive.warmupS) }, { ...server, profiler: undefined }, probe);
  const n = Math.min(MAX_WRITE_REQUESTS, Math.max(1_000, Math.ceil(warm.rps * ctx.drive.durationS * 2) + 2 * ctx.drive.connections));
  const file = writeRequestFile(requestFilePath(ctx, name), await make(n), itemsPerRequest);
  return drive({ ...ctx.drive, warmupS: 0 }, server, file);
}

// ---- K2V ------------------------------------------------------------------------------------

/** Signed ReadItems picked uniformly over the loaded items (also the bare server's requests). */
export function readItemFile(ctx: BenchContext, b: K2vBucket, loaded: number, seed: number, name = 'read-item'): RequestFile {
  const reqs = uniform(seed, Math.min(READ_REQUESTS, Math.max(1_000, loaded)), loaded).map((i) => readItem(b, gridItem(i)));
  return writeRequestFile(requestFilePath(ctx, name), reqs, 1, true);
}

export function k2vReadItem(ctx: BenchContext, server: Server, b: K2vBucket, loaded: number, seed: number): Promise<Measured> {
  return drive(ctx.drive, server, readItemFile(ctx, b, loaded, seed));
}

/**
 * Half new items, half updates of existing items with their latest token, alternating. Updates
 * take distinct items while the store has enough; past that (small stores) an item comes round
 * again with a token that is no longer the latest, and the write adds a concurrent value.
 */
export function k2vInsertItem(
  ctx: BenchContext,
  server: Server,
  k2v: K2vTarget,
  b: K2vBucket,
  loaded: number,
  seed: number,
): Promise<Measured> {
  const pool = shuffle(
    Array.from({ length: loaded }, (_, i) => i),
    prng(seed),
  );
  let used = 0;
  return writeRun(ctx, server, 'insert-item', 1, async (n) => {
    const updates: ItemName[] = [];
    for (let k = 0; k < Math.ceil(n / 2); k++) updates.push(gridItem(pool[used++ % pool.length]!));
    const tokens = await k2v.tokens(b.bucketId, updates);
    const first = takeNew(Math.floor(n / 2));
    const reqs: Buffer[] = [];
    for (let k = 0; k < n; k++) {
      const u = k >> 1;
      reqs.push(k % 2 === 0 ? insertItem(b, updates[u]!, valueOf(k), tokens[u]) : insertItem(b, newItem(first + u), valueOf(k), undefined));
    }
    return reqs;
  });
}

/** 100 new items per request, one new partition per request (an import, a mailbox sync). */
export function k2vInsertBatch(ctx: BenchContext, server: Server, b: K2vBucket): Promise<Measured> {
  return writeRun(ctx, server, 'insert-batch', ITEMS_PER_PARTITION, async (n) => {
    const first = takeNew(n * ITEMS_PER_PARTITION, ITEMS_PER_PARTITION);
    return Array.from({ length: n }, (_, r) => {
      const entries = [];
      for (let k = 0; k < ITEMS_PER_PARTITION; k++) {
        const j = first + r * ITEMS_PER_PARTITION + k;
        const it = newItem(j);
        entries.push({ pk: it.pk, sk: it.sk, ct: null, v: valueOf(j).toString('base64') });
      }
      return insertBatch(b, entries);
    });
  });
}

/** One query per request: a whole 100-item partition. */
export function k2vReadBatch(ctx: BenchContext, server: Server, b: K2vBucket, loaded: number, seed: number): Promise<Measured> {
  const partitions = Math.max(1, Math.floor(loaded / ITEMS_PER_PARTITION));
  const reqs = uniform(seed, Math.min(20_000, partitions * 4), partitions).map((p) => readBatch(b, [{ partitionKey: gridPk(p) }]));
  return readRun(ctx, server, 'read-batch', reqs, ITEMS_PER_PARTITION);
}

/** 100 partitions of the grid's index from a random start (prefix `p` keeps other writes out). */
export function k2vReadIndex(ctx: BenchContext, server: Server, b: K2vBucket, loaded: number, seed: number): Promise<Measured> {
  const partitions = Math.max(1, Math.floor(loaded / ITEMS_PER_PARTITION));
  const limit = Math.min(100, partitions);
  const reqs = uniform(seed, 20_000, Math.max(1, partitions - limit + 1)).map((p) => readIndex(b, { prefix: 'p', start: gridPk(p), limit }));
  return readRun(ctx, server, 'read-index', reqs, limit);
}

// ---- etcd -----------------------------------------------------------------------------------

export function etcdRange(ctx: BenchContext, etcd: EtcdTarget, loaded: number, seed: number): Promise<Measured> {
  const reqs = uniform(seed, Math.min(READ_REQUESTS, Math.max(1_000, loaded)), loaded).map((i) => etcd.range(gridItem(i)));
  return readRun(ctx, etcd, 'etcd-range', reqs, 1);
}

/** Half new keys, half overwrites of existing keys (etcd has no causality tokens). */
export function etcdPut(ctx: BenchContext, etcd: EtcdTarget, loaded: number, seed: number): Promise<Measured> {
  const rnd = prng(seed);
  return writeRun(ctx, etcd, 'etcd-put', 1, async (n) => {
    const first = takeNew(Math.floor(n / 2));
    return Array.from({ length: n }, (_, k) =>
      k % 2 === 0 ? etcd.put(gridItem(Math.floor(rnd() * loaded)), valueOf(k)) : etcd.put(newItem(first + (k >> 1)), valueOf(k)),
    );
  });
}

export function etcdTxn(ctx: BenchContext, etcd: EtcdTarget): Promise<Measured> {
  return writeRun(ctx, etcd, 'etcd-txn', ITEMS_PER_PARTITION, async (n) => {
    const first = takeNew(n * ITEMS_PER_PARTITION, ITEMS_PER_PARTITION);
    return Array.from({ length: n }, (_, r) =>
      etcd.txnPut(
        Array.from({ length: ITEMS_PER_PARTITION }, (_, k) => {
          const j = first + r * ITEMS_PER_PARTITION + k;
          return { it: newItem(j), value: valueOf(j) };
        }),
      ),
    );
  });
}

export function etcdRangePartition(ctx: BenchContext, etcd: EtcdTarget, loaded: number, seed: number): Promise<Measured> {
  const partitions = Math.max(1, Math.floor(loaded / ITEMS_PER_PARTITION));
  const reqs = uniform(seed, Math.min(20_000, partitions * 4), partitions).map((p) => etcd.rangePartition(p));
  return readRun(ctx, etcd, 'etcd-range-partition', reqs, ITEMS_PER_PARTITION);
}
