/**
 * The child of test/store/lmdb/killed-writer.test.ts: worker slot 1 of the LMDB environment in
 * K2V_KILL_WRITER_DIR, rewriting one item (with its token, so it keeps one value) as fast as it
 * commits, until it is SIGKILLed. Prints `writing` once the first write is durable.
 */
import { openLmdbStore } from '../../src/store/lmdb/open-lmdb-store.js';
import { ctOf, put, SILENT_PEERS } from '../store/store-case-support.js';

const dir = process.env['K2V_KILL_WRITER_DIR'];
const bucket = process.env['K2V_KILL_WRITER_BUCKET'];

// `node --test dist/test/` runs every file under test/, this one too: without its environment it
// was not started by the test, and does nothing.
if (dir !== undefined && bucket !== undefined) {
  const store = await openLmdbStore({ dataDir: dir, mapSizeBytes: 1 << 30, tombstoneGcDelayMs: 86_400_000, maxValuesPerItem: 100, worker: { slot: 1, peers: SILENT_PEERS, runsGc: false } });
  let first = true;
  for (let i = Number(process.env['K2V_KILL_WRITER_FROM'] ?? '0'); ; i++) {
    const cur = await store.getItem(bucket, 'p', 'n');
    await store.write(bucket, [put('p', 'n', String(i), cur === undefined ? undefined : ctOf(cur))]);
    if (first) process.stdout.write('writing\n');
    first = false;
  }
}
