/**
 * ReadBatch's per-item work without HTTP, in-process: the handler's loop over one partition
 * (`store.read`, `scanItems`, the range walk, `JsonOut.item`) and the scan alone, on the bench's
 * grid (100 items per partition, 100-byte values) in a fresh LMDB store. Prints CPU µs per item
 * (process CPU time / items), which a shared machine disturbs less than wall time; run two
 * builds alternately to compare them (docs/performance.md "ReadBatch per item").
 *
 * Usage: node dist/bench/read-batch-loop.js [items (default 100000)] [rounds (default 5)]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { JsonOut } from '../src/http/json-out.js';
import { RangeWalker } from '../src/k2v/range.js';
import type { ItemView } from '../src/store/item-view.js';
import { openLmdbStore } from '../src/store/lmdb/open-lmdb-store.js';
import { itemFilterOf, itemScanQueryOf } from '../src/store/scan-query.js';
import type { ItemWrite, Store } from '../src/store/store.js';
import { gridItem, gridPk, ITEMS_PER_PARTITION, prng, valueOf } from './dataset.js';

const BUCKET = 'ab'.repeat(32);
const PARTITIONS_PER_ROUND = 4_000;
const WARMUP = 500;
const skOf = (v: ItemView): string => v.sk;

async function preload(store: Store, items: number): Promise<void> {
  let batch: ItemWrite[] = [];
  for (let i = 0; i < items; i++) {
    const { pk, sk } = gridItem(i);
    batch.push({ pk, sk, ct: undefined, value: valueOf(i) });
    if (batch.length === 5_000 || i === items - 1) {
      await store.write(BUCKET, batch);
      batch = [];
    }
  }
}

/** The loop of handlers/read-batch.ts writeItems for an unbounded query; returns the items written. */
function handlerLoop(store: Store, pk: string): Promise<number> {
  return store.read(async (snap) => {
    const q = itemScanQueryOf({ reverse: false }, { skipTombstones: true, conflictsOnly: false });
    const walker = new RangeWalker<ItemView>({ reverse: false }, skOf, itemFilterOf(q));
    const out = new JsonOut(32 * 1024);
    let n = 0;
    scan: for await (const page of snap.scanItems(BUCKET, pk, q)) {
      for (const item of page) {
        const o = walker.offer(item);
        if (o === 'stop') break scan;
        if (o === 'skip') continue;
        out.item(item, n === 0);
        n++;
      }
    }
    out.take();
    return n;
  });
}

function scanOnly(store: Store, pk: string): Promise<number> {
  return store.read(async (snap) => {
    let n = 0;
    const q = itemScanQueryOf({ reverse: false }, { skipTombstones: true, conflictsOnly: false });
    for await (const page of snap.scanItems(BUCKET, pk, q)) n += page.length;
    return n;
  });
}

async function cpuPerItem(run: (pk: string) => Promise<number>, pks: readonly string[]): Promise<number> {
  for (let i = 0; i < WARMUP; i++) await run(pks[i % pks.length]!);
  let items = 0;
  const t0 = process.cpuUsage();
  for (const pk of pks) items += await run(pk);
  const cpu = process.cpuUsage(t0);
  return (cpu.user + cpu.system) / items;
}

async function main(): Promise<void> {
  const items = Number(process.argv[2] ?? 100_000);
  const rounds = Number(process.argv[3] ?? 5);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k2v-read-batch-loop-'));
  const store = await openLmdbStore({ dataDir: dir, mapSizeBytes: 8 * 2 ** 30, tombstoneGcDelayMs: 86_400_000, maxValuesPerItem: 100 });
  try {
    await preload(store, items);
    const rnd = prng(7);
    const partitions = Math.ceil(items / ITEMS_PER_PARTITION);
    const pks = Array.from({ length: PARTITIONS_PER_ROUND }, () => gridPk(Math.floor(rnd() * partitions)));
    for (let r = 0; r < rounds; r++) {
      const full = await cpuPerItem((pk) => handlerLoop(store, pk), pks);
      const scan = await cpuPerItem((pk) => scanOnly(store, pk), pks);
      console.log(`round ${r + 1}: scan + JSON ${full.toFixed(3)} µs CPU per item, scan alone ${scan.toFixed(3)}`);
    }
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
