/**
 * The node of the causality tokens a server process writes through (architecture "Several
 * servers over PostgreSQL"): a row of k2v_node, claimed at start by a session advisory lock held
 * on a connection of its own for the process's life. A process reuses the first node row no live
 * process holds (a restarted server keeps its node id, and the tokens do not grow with every
 * restart), else creates one with a random id.
 *
 * The lock only keeps two live processes from sharing a row, to spare them waiting on each
 * other's clock-row lock: correctness never depends on it. Every write transaction of a node
 * reads and advances `last` under that row's lock, so even two processes on one row would issue
 * timestamps that grow in commit order.
 */
import { randomBytes } from 'node:crypto';
import type { ReservedSql } from 'postgres';
import type { Db } from './pg-connection.js';
import { nodeFromDb, nodeToDb } from './pg-keys.js';

export interface NodeClaim {
  readonly nodeId: bigint;
  release(): Promise<void>;
}

export async function claimNode(sql: Db): Promise<NodeClaim> {
  const holder: ReservedSql<{ bigint: bigint }> = await sql.reserve();
  try {
    const rows = await holder<{ node_id: bigint }[]>`SELECT node_id FROM k2v_node ORDER BY node_id`;
    let nodeId: bigint | undefined;
    for (const r of rows) {
      const [got] = await holder<{ ok: boolean }[]>`SELECT pg_try_advisory_lock(${r.node_id}) AS ok`;
      if (got?.ok === true) {
        nodeId = r.node_id;
        break;
      }
    }
    if (nodeId === undefined) {
      nodeId = nodeToDb(randomBytes(8).readBigUInt64BE());
      await holder`SELECT pg_advisory_lock(${nodeId})`;
      await holder`INSERT INTO k2v_node (node_id, last) VALUES (${nodeId}, 0)`;
    }
    return {
      nodeId: nodeFromDb(nodeId),
      // The session lock goes with its connection, which the pool's end() closes: no query here,
      // since after a database restart this connection is dead and a query on it would hang.
      release() {
        holder.release();
        return Promise.resolve();
      },
    };
  } catch (err) {
    holder.release();
    throw err;
  }
}
