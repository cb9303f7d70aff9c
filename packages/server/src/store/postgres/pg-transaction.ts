/**
 * A transaction on a reserved connection, as postgres.js's `sql.begin` runs one, except after a
 * lost connection: `begin` then sends ROLLBACK on the closed connection, which makes postgres.js
 * 3.4.9 crash the process (see isConnectionLost). Here a lost connection is left to the pool.
 */
import { isConnectionLost } from './pg-errors.js';
import type { Db } from './pg-connection.js';

/** Runs `fn` between BEGIN `mode` and COMMIT; ROLLBACK when it fails (unless the connection is gone). */
export async function inTransaction<T>(sql: Db, mode: string, fn: (tx: Db) => Promise<T>): Promise<T> {
  const c = await sql.reserve();
  let lost = false;
  try {
    // `mode` is one of our constants (isolation level), never input.
    await c.unsafe(`BEGIN ${mode}`);
    let result: T;
    try {
      result = await fn(c as unknown as Db);
    } catch (err) {
      lost = isConnectionLost(err);
      if (!lost) await c`ROLLBACK`.catch((e: unknown) => void (lost = isConnectionLost(e)));
      throw err;
    }
    await c`COMMIT`;
    return result;
  } catch (err) {
    lost ||= isConnectionLost(err);
    throw err;
  } finally {
    if (!lost) c.release();
  }
}
