/**
 * Opens the embedded LMDB store in a data directory: takes the directory lock, opens the
 * environment (the directory holds data.mdb, lock.mdb and k2v.pid), its two databases (`k2v`:
 * items, counters, GC index, node state, with raw binary keys and values; `meta`: the metadata
 * store's msgpack records), and loads the node identity and the metadata.
 */
import fs from 'node:fs';
import path from 'node:path';
import { open, type RootDatabase } from 'lmdb';
import { pino, type Logger } from 'pino';
import { guardCommitFailures } from './commit-failure-guard.js';
import { CommitStamp } from './commit-stamp.js';
import type { StoreObserver } from '../store-metrics.js';
import { StoreError } from '../errors.js';
import { acquireDirLock, workerLockName, type DirLock } from './dir-lock.js';
import { freeBytes } from './disk-space.js';
import { LmdbStore } from './lmdb-store.js';
import { LmdbMetadataStore, type MetaGeneration } from './metadata-store.js';
import { bucketBytes, bucketCountKey, lastKey } from './keys.js';
import { ReadFreshness, type PeerLink } from './peer-processes.js';
import { loadNodeState } from './node-identity.js';
import { observedTransactions, type Transact } from './observed-transactions.js';
import { pagesInUseBytes, SizeBudget } from './size-budget.js';
import { openViewDbs } from './view-dbs.js';
import type { ItemsDb } from './writer-state.js';

export interface LmdbStoreOptions {
  readonly dataDir: string;
  /** Budget for stored data, bytes (see size-budget.ts). */
  readonly mapSizeBytes: number;
  readonly tombstoneGcDelayMs: number;
  /** Stored values (duplicates included) one item may hold; a write beyond -> 'TooManyValues'. */
  readonly maxValuesPerItem: number;
  /** Wall clock in ms since the epoch (injected by tests). */
  readonly now?: () => number;
  readonly logger?: Logger;
  /** How often the GC timer runs; default a tenth of the delay, between 1 s and 60 s. */
  readonly gcIntervalMs?: number;
  /** Told of commits and asked for sizes (metrics); none: nothing is measured. */
  readonly observer?: StoreObserver;
  /** One of several worker processes on this environment (`k2v server --workers N`). */
  readonly worker?: WorkerRole;
}

/** A worker process's part: its slot (its node), its link to the others, whether it runs GC. */
export interface WorkerRole {
  readonly slot: number;
  readonly peers: PeerLink;
  readonly runsGc: boolean;
}

/** How long a worker waits for its slot's previous process (a worker still draining) to exit. */
const SLOT_LOCK_WAIT_MS = 15_000;
const GENERATION_KEY = 'generation';

export async function openLmdbStore(opts: LmdbStoreOptions): Promise<LmdbStore> {
  const logger = opts.logger ?? pino({ level: 'silent' });
  guardCommitFailures();
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const worker = opts.worker;
  const lock = worker === undefined ? acquireDirLock(opts.dataDir) : await slotLock(opts.dataDir, worker.slot);
  let env: RootDatabase | undefined;
  try {
    env = open({
      path: opts.dataDir,
      // a directory, even when its name has a dot (lmdb-js would take it for a file name)
      noSubdir: false,
      // durable commits: see the comment at the top of lmdb-store.ts
      overlappingSync: false,
      maxDbs: 4,
      // Each snapshot pinned across a commit (a streaming ReadBatch, a poll) holds a reader slot;
      // LMDB's default of 126 is too few for a busy server. A slot costs 64 bytes of lock.mdb.
      maxReaders: 1024,
    });
    const db: ItemsDb = env.openDB<Buffer, Buffer>({ name: 'k2v', keyEncoding: 'binary', encoding: 'binary' });
    const views = openViewDbs(env);
    const metaDb = env.openDB({ name: 'meta' });
    const slot = worker?.slot ?? 0;
    // With several processes every write transaction carries its id (commit-stamp.ts).
    const stamp = new CommitStamp(worker === undefined ? undefined : db);
    const state = await loadNodeState(db, slot, stamp);
    const freshness = new ReadFreshness(worker === undefined ? undefined : { env, db, stamp });
    const generation: MetaGeneration = {
      read: () => {
        const g: unknown = metaDb.get(GENERATION_KEY);
        return typeof g === 'number' ? g : 0;
      },
      write: (n) => {
        void metaDb.put(GENERATION_KEY, n);
        stamp.mark();
      },
      freshen: () => freshness.ensure(),
    };
    const meta = LmdbMetadataStore.load(metaDb, (bucketId) => db.get(bucketCountKey(bucketBytes(bucketId))) !== undefined, generation);
    freshness.afterRenew(() => meta.checkGeneration());
    const measure = () => {
      const s = db.getStats() as Record<string, unknown>;
      return pagesInUseBytes([s, s['root'], s['free'], metaDb.getStats()]);
    };
    const budget = new SizeBudget(opts.mapSizeBytes, measure, logger, worker !== undefined);
    opts.observer?.sizeProbe(() => ({
      usedBytes: measure(),
      limitBytes: opts.mapSizeBytes,
      fileBytes: fileSize(path.join(opts.dataDir, 'data.mdb')),
      diskFreeBytes: freeBytes(opts.dataDir),
    }));
    const gcIntervalMs = opts.gcIntervalMs ?? Math.min(60_000, Math.max(1_000, Math.floor(opts.tombstoneGcDelayMs / 10)));
    logger.info({ dataDir: opts.dataDir, nodeId: state.nodeId.toString(16), slot }, 'LMDB store open');
    return new LmdbStore({
      env,
      w: {
        db,
        nodeId: state.nodeId,
        lastKey: lastKey(slot),
        last: state.last,
        now: opts.now ?? Date.now,
        maxValuesPerItem: opts.maxValuesPerItem,
        budget,
      },
      views,
      meta,
      metaDb,
      lock,
      logger,
      tombstoneGcDelayMs: opts.tombstoneGcDelayMs,
      gcIntervalMs,
      runsGc: worker?.runsGc ?? true,
      freshness,
      ...(worker === undefined ? {} : { peers: worker.peers }),
      transact: stamped(observedTransactions(env, db, opts.observer), stamp),
      ...(opts.observer === undefined ? {} : { observer: opts.observer }),
    });
  } catch (err) {
    if (env !== undefined) await env.close().catch(() => undefined);
    lock.release();
    throw err;
  }
}

/** Each transaction callback also stamps the transaction's id (several workers only). */
function stamped(transact: Transact, stamp: CommitStamp): Transact {
  if (!stamp.enabled) return transact;
  return (fn, writes) =>
    transact(() => {
      const result = fn();
      stamp.mark();
      return result;
    }, writes);
}

/** A worker's slot lock; a previous holder may still be draining its requests: wait for it. */
async function slotLock(dataDir: string, slot: number): Promise<DirLock> {
  const deadline = Date.now() + SLOT_LOCK_WAIT_MS;
  for (;;) {
    try {
      return acquireDirLock(dataDir, workerLockName(slot));
    } catch (err) {
      if (!(err instanceof StoreError) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function fileSize(file: string): number | undefined {
  try {
    return fs.statSync(file).size;
  } catch {
    return undefined;
  }
}
