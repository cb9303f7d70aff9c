/**
 * This store's node identity (architecture "Node identity and clock"): a random u64 created on
 * the first open and the last timestamp it issued, both kept in the `k2v` database, plus the
 * format version of the key layout so that a future layout can refuse or migrate old data.
 */
import { randomBytes } from 'node:crypto';
import { StoreError } from '../errors.js';
import { FORMAT_KEY, LAST_KEY, NODE_ID_KEY } from './keys.js';
import { decodeU64, encodeU64 } from './values.js';
import type { ItemsDb } from './writer-state.js';

export const FORMAT_VERSION = 1n;

export interface NodeState {
  readonly nodeId: bigint;
  readonly last: bigint;
}

/** Reads (or, on a new store, creates) the node state, durably. */
export async function loadNodeState(db: ItemsDb): Promise<NodeState> {
  return db.transaction(() => {
    const format = db.get(FORMAT_KEY);
    if (format === undefined) {
      void db.put(FORMAT_KEY, encodeU64(FORMAT_VERSION));
    } else if (decodeU64(format) !== FORMAT_VERSION) {
      throw new StoreError('Unavailable', `unsupported data format version ${decodeU64(format)} (expected ${FORMAT_VERSION})`);
    }
    let nodeId: bigint;
    const storedId = db.get(NODE_ID_KEY);
    if (storedId === undefined) {
      nodeId = newNodeId();
      void db.put(NODE_ID_KEY, encodeU64(nodeId));
    } else {
      nodeId = decodeU64(storedId);
    }
    const storedLast = db.get(LAST_KEY);
    return { nodeId, last: storedLast === undefined ? 0n : decodeU64(storedLast) };
  });
}

function newNodeId(): bigint {
  for (;;) {
    const id = randomBytes(8).readBigUInt64BE();
    if (id !== 0n) return id;
  }
}
