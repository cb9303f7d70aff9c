/**
 * What a PostgreSQL failure means for a K2V request. The database being down, restarting,
 * failing over, too slow (statement or lock timeout), out of disk or connections is
 * 'Unavailable' (503): the client retries, and a write whose COMMIT may or may not have happened
 * is never acknowledged. Only our own SQL being wrong (syntax, undefined table: classes 42 and
 * 0A), or an error without a code (a TypeError), is a bug, rethrown as it is so that it shows
 * as one.
 */
import { StoreError } from '../errors.js';

/**
 * SQLSTATEs worth retrying the whole transaction for: deadlock, serialization failure, and a
 * unique violation (another server created an item this transaction saw absent).
 */
const RETRYABLE = new Set(['40P01', '40001', '23505']);

export function pgCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

export function isRetryable(err: unknown): boolean {
  const code = pgCode(err);
  return code !== undefined && RETRYABLE.has(code);
}

function isBug(code: string | undefined): boolean {
  return code !== undefined && /^(42|0A)/.test(code);
}

/** Maps a driver error to a StoreError (a StoreError passes through). */
export function toStoreError(err: unknown, what: string): Error {
  if (err instanceof StoreError) return err;
  const code = pgCode(err);
  // PostgreSQL errors carry a SQLSTATE, the driver's and the socket's their own code: an error
  // without one (a TypeError, a ReferenceError) is ours, and must show as the bug it is.
  if (code === undefined || isBug(code)) return err instanceof Error ? err : new Error(String(err));
  const detail = err instanceof Error ? err.message : String(err);
  return new StoreError('Unavailable', `${what}: PostgreSQL unavailable (${code ?? 'no code'}: ${detail})`, { cause: err });
}

/** The cause of a deadline's StoreError: PostgreSQL said nothing, so the connection's state is unknown. */
const NO_ANSWER = new Error('PostgreSQL did not answer in time');

/** Rejects with 'Unavailable' when `p` has not settled within `ms` (the bound on a slow database). */
export function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreError('Unavailable', `${what}: PostgreSQL did not answer within ${ms} ms`, { cause: NO_ANSWER })), ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

/** Whether `err` (or an error it wraps) is a deadline of withDeadline: a query left without an answer. */
export function isNoAnswer(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) if (e === NO_ANSWER) return true;
  return false;
}

/**
 * The driver's own codes for a connection that is gone, and the SQLSTATEs PostgreSQL sends as it
 * drops one (class 08, and 57P01..57P05: shutdown, crash, restart, database dropped, idle timeout).
 */
const DRIVER_CONNECTION_LOST = new Set(['CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT']);

/**
 * Whether `err` says the connection under a transaction is gone. Such a reserved connection must
 * get no further query and no `release()`: postgres.js 3.4.9 schedules the write of a query sent
 * on a closed connection and then dereferences its null socket outside any promise, an uncaught
 * TypeError that ends the process (porsager/postgres#1208, found by
 * test/e2e/crash-postgres.test.ts); `release()` would put the dead connection back among the
 * open ones. Left alone, the pool reconnects it when it needs it.
 */
export function isConnectionLost(err: unknown): boolean {
  // Through the StoreErrors that wrap a driver error (toStoreError keeps it as the cause).
  if (isLostHere(err)) return true;
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) if (isLostHere(e.cause)) return true;
  return false;
}

function isLostHere(err: unknown): boolean {
  if (err instanceof StoreError) return false;
  const code = pgCode(err);
  if (code === undefined) return false;
  if (DRIVER_CONNECTION_LOST.has(code) || /^(08|57P0)/.test(code)) return true;
  // Node's socket errors (ECONNRESET, EPIPE, ECONNREFUSED, ETIMEDOUT, …); a SQLSTATE is 5 characters.
  return /^E[A-Z]+$/.test(code) && code.length > 5;
}
