/**
 * This store's node identity (architecture "Node identity and clock"): a random u64 created on
 * the first open and the last timestamp it issued, both kept in the `k2v` database, plus the
 * format version of the key layout so that a future layout can refuse or migrate old data.
 *
 * Several processes (`k2v server --workers N`) write one environment: each worker slot is its
 * own node, with its own id and clock (keys.ts nodeIdKey/lastKey). A slot is held by one live
 * process at a time (its lock file, open-lmdb-store.ts), so the clock of each node id is only
 * ever advanced by one process, inside LMDB's one write transaction: its timestamps grow in
 * commit order, which PollRange's seen markers rely on.
 */
import { randomBytes } from 'node:crypto';
import type { Transaction } from 'lmdb';
import { StoreError } from '../errors.js';
import type { CommitStamp } from './commit-stamp.js';
import { FORMAT_KEY, lastKey, lastKeyOfNodeKey, NODE_ID_KEY, NODE_IDS_END, nodeIdKey } from './keys.js';
import { decodeU64, encodeU64 } from './values.js';
import type { ItemsDb } from './writer-state.js';

export const FORMAT_VERSION = 1n;

export interface NodeState {
  readonly nodeId: bigint;
  readonly last: bigint;
}

/** Reads (or, on a new store, creates) the node state of one worker slot, durably. */
export async function loadNodeState(db: ItemsDb, slot = 0, stamp?: CommitStamp): Promise<NodeState> {
  return db.transaction(() => {
    stamp?.mark();
    const format = db.get(FORMAT_KEY);
    if (format === undefined) {
      void db.put(FORMAT_KEY, encodeU64(FORMAT_VERSION));
    } else if (decodeU64(format) !== FORMAT_VERSION) {
      throw new StoreError('Unavailable', `unsupported data format version ${decodeU64(format)} (expected ${FORMAT_VERSION})`);
    }
    let nodeId: bigint;
    const storedId = db.get(nodeIdKey(slot));
    if (storedId === undefined) {
      const taken = new Set(writerClocks(db).keys());
      do nodeId = newNodeId();
      while (taken.has(nodeId));
      void db.put(nodeIdKey(slot), encodeU64(nodeId));
    } else {
      nodeId = decodeU64(storedId);
    }
    const storedLast = db.get(lastKey(slot));
    return { nodeId, last: storedLast === undefined ? 0n : decodeU64(storedLast) };
  });
}

/**
 * Every node that ever wrote this environment (every slot, in use or not) and its `last`, as of
 * `transaction` (else the current write transaction or the shared read snapshot).
 */
export function writerClocks(db: ItemsDb, transaction?: Transaction): Map<bigint, bigint> {
  const out = new Map<bigint, bigint>();
  const opts = transaction === undefined ? {} : { transaction };
  const range = db.getRange({ start: NODE_ID_KEY, end: NODE_IDS_END, ...opts }) as unknown as Iterable<{ key: Buffer; value: Buffer }>;
  for (const { key, value } of range) {
    const last = db.get(lastKeyOfNodeKey(key), opts);
    out.set(decodeU64(value), last === undefined ? 0n : decodeU64(last));
  }
  return out;
}

function newNodeId(): bigint {
  for (;;) {
    const id = randomBytes(8).readBigUInt64BE();
    if (id !== 0n) return id;
  }
}
