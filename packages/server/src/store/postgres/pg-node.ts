/**
 * The node of the causality tokens a server process writes through (architecture "Node identity
 * and clock", "Several servers over PostgreSQL"): a row of k2v_node that exactly one live
 * process may write through. Two processes on one node would break the token invariants: each
 * skips the other's change notifications as its own (polls miss writes), they share one metadata
 * lease row (a stale cache could be confirmed fresh), and a PollRange seen through one misses the
 * other's timestamps.
 *
 * Exclusive by construction: at start a process picks the first node row no live process holds
 * (a session advisory lock, so a restarted server keeps its node id and tokens do not grow with
 * every restart), else creates one with a random id, and writes its own random `owner` token
 * into the row. Every write transaction of the node reads the row FOR UPDATE (it does to advance
 * `last`) and checks that token (write-txn.ts): once another process has claimed the row, not
 * one more write commits through this one.
 *
 * The advisory lock lives on a session of its own, which a PostgreSQL restart (or a failover)
 * ends: the holder is checked every HEARTBEAT_MS and at once when the notification connection
 * comes back; a lost lock is taken again on a new session. If the row names another owner (a
 * process claimed the node while the lock was gone), or a write finds it so, the node is lost:
 * the store refuses every call with 503, `/health` fails, and the error is logged (a restart
 * claims a node anew).
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { StoreError } from '../errors.js';
import { connect, type Db, type PgConnectionOptions } from './pg-connection.js';
import { withDeadline } from './pg-errors.js';
import { nodeFromDb, nodeToDb } from './pg-keys.js';
import { PendingEnds } from './pending-ends.js';

/** How often the lock's session is checked. */
const HEARTBEAT_MS = 2_000;

export interface NodeClaim {
  readonly nodeId: bigint;
  /** This process's token in the node row (write-txn.ts checks it in every write). */
  readonly owner: string;
  /** Set once another process may have the node: every store call is refused. */
  readonly lost: StoreError | undefined;
  /** Checks the lock's session now, and takes the lock again if the session is gone. */
  reassert(): Promise<void>;
  /** Marks the node lost (a write found another owner). */
  markLost(why: string): void;
  release(): Promise<void>;
}

/**
 * The session that holds the lock: a one-connection client of its own (never a reserved pool
 * connection: postgres.js does not say when one of those closes, and a query sent on it then is
 * written to a null socket), which reports its close, and is never idle-closed.
 */
class LockSession {
  closed = false;
  readonly sql: Db;

  constructor(conn: PgConnectionOptions) {
    this.sql = connect(
      { ...conn, maxConnections: 1 },
      {
        idle_timeout: 0,
        max_lifetime: null,
        onclose: () => {
          this.closed = true;
        },
      },
    );
  }

  /** One statement, bounded; a session that fails or falls silent is ended (its lock with it). */
  async run<T>(q: PromiseLike<T>, boundMs: number): Promise<T> {
    try {
      return await withDeadline(Promise.resolve(q), boundMs, 'node lock session');
    } catch (err) {
      void this.end();
      throw err;
    }
  }

  /** Ends the session (at once: a statement in flight fails); resolves once it has ended. */
  end(): Promise<void> {
    this.closed = true;
    this.ended ??= this.sql.end({ timeout: 0 }).catch(() => undefined);
    return this.ended;
  }

  private ended: Promise<void> | undefined;
}

/** `conn`: the options of a connection to the current host (pg-hosts.ts), asked for each new session. */
export async function claimNode(conn: () => PgConnectionOptions, boundMs: number, logger: Logger): Promise<NodeClaim> {
  const owner = randomBytes(16).toString('hex');
  let session = new LockSession(conn());
  let dbId: bigint | undefined;
  try {
    const s = session.sql;
    const rows = await session.run(s<{ node_id: bigint }[]>`SELECT node_id FROM k2v_node ORDER BY node_id`, boundMs);
    for (const r of rows) {
      const [got] = await session.run(s<{ ok: boolean }[]>`SELECT pg_try_advisory_lock(${r.node_id}) AS ok`, boundMs);
      if (got?.ok === true) {
        dbId = r.node_id;
        await session.run(s`UPDATE k2v_node SET owner = ${owner} WHERE node_id = ${dbId}`, boundMs);
        break;
      }
    }
    if (dbId === undefined) {
      dbId = nodeToDb(randomBytes(8).readBigUInt64BE());
      await session.run(s`SELECT pg_advisory_lock(${dbId})`, boundMs);
      await session.run(s`INSERT INTO k2v_node (node_id, last, owner) VALUES (${dbId}, 0, ${owner})`, boundMs);
    }
  } catch (err) {
    await session.end();
    throw err;
  }
  const nodeDb = dbId;
  const nodeId = nodeFromDb(nodeDb);
  let lost: StoreError | undefined;
  let closed = false;
  let checking: Promise<void> | undefined;

  const markLost = (why: string): void => {
    if (lost !== undefined) return;
    lost = new StoreError('Unavailable', `this server no longer owns its node ${nodeId.toString(16)}: ${why}; restart it`);
    logger.error({ nodeId: nodeId.toString(16) }, `${lost.message} (every request is refused with 503)`);
  };

  /** Sessions replaced or dropped whose end is under way (release() waits for them). */
  const ending = new PendingEnds();
  const endSession = (s: LockSession): void => void ending.add(s.end());

  /**
   * Takes the lock again on a new session. The row naming another owner means the node is lost;
   * the lock held elsewhere while the row still names this process (a claim under way, or this
   * process's old session not yet gone) is tried again at the next check.
   */
  const retake = async (): Promise<void> => {
    endSession(session);
    // Released meanwhile (the check that failed was cut short by release()): no new session,
    // it would hold the node's lock and a connection after the store closed.
    if (closed) return;
    const next = new LockSession(conn());
    session = next;
    const s = next.sql;
    const [got] = await next.run(s<{ ok: boolean }[]>`SELECT pg_try_advisory_lock(${nodeDb}) AS ok`, boundMs);
    const [row] = await next.run(s<{ owner: string | null }[]>`SELECT owner FROM k2v_node WHERE node_id = ${nodeDb}`, boundMs);
    if (row?.owner !== owner) {
      markLost('another server claimed it');
      endSession(next);
      return;
    }
    if (got?.ok !== true) {
      logger.warn({ nodeId: nodeId.toString(16) }, 'node lock held by another session while this server still owns the node; trying again');
      endSession(next);
      return;
    }
    logger.info({ nodeId: nodeId.toString(16) }, 'node lock taken again after its session was lost');
  };

  const check = async (): Promise<void> => {
    if (closed || lost !== undefined) return;
    if (!session.closed) {
      try {
        await session.run(session.sql`SELECT 1`, boundMs);
        return;
      } catch {
        // run() ended the session: take the lock again below.
      }
    }
    await retake();
  };

  const reassert = (): Promise<void> => {
    checking ??= check().finally(() => {
      checking = undefined;
    });
    return checking;
  };

  const timer = setInterval(() => void reassert().catch((err: unknown) => logger.warn({ err }, 'node lock check failed; retrying')), HEARTBEAT_MS);
  timer.unref();

  return {
    nodeId,
    owner,
    get lost() {
      return lost;
    },
    reassert,
    markLost,
    // Ending the session gives the lock back. A check in flight fails at once and takes
    // nothing again (closed); resolves once every session of the claim has ended.
    async release() {
      closed = true;
      clearInterval(timer);
      endSession(session);
      await checking?.catch(() => undefined);
      // A retake that had already opened its session before release: ended too.
      endSession(session);
      await ending.all();
    },
  };
}
