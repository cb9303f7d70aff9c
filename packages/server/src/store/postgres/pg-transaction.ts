/**
 * Transactions on a reserved connection of the pool, bounded in time and safe when the
 * connection dies under them.
 *
 * postgres.js 3.4.9 does not invalidate a reserved connection whose socket closed:
 * - statements queued on it behind one still being prepared (a connection is "full" while a new
 *   statement is described, so after every reconnect) are never sent, and never settle: a
 *   transaction waiting for all of its statements waited for ever (found by
 *   test/e2e/crash-postgres.test.ts under load: one server's group writer stuck after an
 *   immediate PostgreSQL restart, every write a 503 until the process restarted);
 * - a statement sent after the close (a ROLLBACK, say) is written to a null socket from a
 *   setImmediate, an uncaught TypeError (pg-driver-guard.ts), and never settles either;
 * - `release()` puts the dead connection back among the open ones.
 *
 * So every statement of a Reservation is raced against its deadline and against the loss of
 * the connection (the first statement that fails as a lost connection, or gets no answer in
 * time, rejects every other one at once). Once lost, a reservation sends nothing more and is not
 * released; one left without an answer has its backend terminated (from the pool), so its locks
 * go and its socket closes, and the pool gets the connection back.
 */
import type { PendingQuery, Row } from 'postgres';
import { StoreError } from '../errors.js';
import { isConnectionLost, isNoAnswer, withDeadline } from './pg-errors.js';
import { slotsOf, type Db } from './pg-connection.js';
import type { Reserved } from './pg-slots.js';

/**
 * Reserves a connection, waiting at most `boundMs` for one (503 beyond: the pool is exhausted or
 * stuck). From the pool's reservation slots (pg-slots.ts) when it has some, as every pool made by
 * connect() does; else with the driver's own `reserve()`.
 */
export async function reserve(sql: Db, boundMs: number): Promise<Reservation> {
  const slots = slotsOf(sql);
  if (slots !== undefined) {
    const s = await slots.reserve(boundMs);
    return new Reservation(s.tx, sql, boundMs, (healthy) => s.done(healthy));
  }
  const pending = sql.reserve();
  try {
    const tx = await withDeadline(pending, boundMs, 'waiting for a PostgreSQL connection');
    return new Reservation(tx, sql, boundMs, (healthy) => {
      if (healthy) tx.release();
    });
  } catch (err) {
    // A connection granted after the deadline goes straight back.
    pending.then((c) => c.release(), () => undefined);
    throw err;
  }
}

export class Reservation {
  /** Why the connection is given up (set once): nothing is sent on it again. */
  private lostBy: unknown;
  private released = false;
  private readonly lostSignal: Promise<never>;
  private signalLost!: (err: unknown) => void;
  /** The backend's process id, once a statement has been sent (to terminate it if it falls silent). */
  private pid: number | undefined;

  constructor(
    /** The reserved connection: build statements with it, send them with run() / settleAll(). */
    readonly tx: Reserved,
    private readonly pool: Db,
    private readonly boundMs: number,
    /** Gives the connection back (`healthy`), or gives it up. */
    private readonly giveBack: (healthy: boolean) => void,
  ) {
    this.lostSignal = new Promise<never>((_, reject) => {
      this.signalLost = reject;
    });
    this.lostSignal.catch(() => undefined);
  }

  get isLost(): boolean {
    return this.lostBy !== undefined;
  }

  /** Sends one statement built with `tx`; rejects when it fails, times out, or the connection is lost. */
  run<T extends readonly Row[]>(q: PendingQuery<T>): Promise<T> {
    if (this.lostBy !== undefined) return Promise.reject(this.lostBy);
    if (this.released) return Promise.reject(new Error('statement on a released PostgreSQL connection'));
    return withDeadline(Promise.race([q, this.lostSignal]), this.boundMs, 'PostgreSQL statement').then(
      (rows) => {
        this.notePid(q);
        return rows;
      },
      (err: unknown) => {
        this.notePid(q);
        if (isConnectionLost(err) || isNoAnswer(err)) this.lose(err);
        throw err;
      },
    );
  }

  /**
   * Sends pipelined statements and waits for every one (a COMMIT among them has then surely been
   * answered), unless the connection is lost: then at once. Rejects with the first failure.
   */
  async settleAll(qs: readonly PendingQuery<readonly Row[]>[]): Promise<void> {
    let first: { err: unknown } | undefined;
    await Promise.all(
      qs.map((q) =>
        this.run(q).then(
          () => undefined,
          (err: unknown) => {
            if (this.lostBy !== undefined) throw this.lostBy;
            first ??= { err };
          },
        ),
      ),
    );
    if (first !== undefined) throw first.err;
  }

  /**
   * After a failure: ROLLBACK (bounded) unless the connection is lost or `err` says it may be;
   * a ROLLBACK that fails gives the connection up too.
   */
  async abort(err: unknown): Promise<void> {
    if (isConnectionLost(err) || isNoAnswer(err)) this.lose(err);
    if (this.lostBy !== undefined || this.released) return;
    await this.run(this.tx`ROLLBACK`).catch((e: unknown) => this.lose(e));
  }

  /** Gives a healthy connection back to the pool; a lost one stays out of it. */
  end(): void {
    if (this.released) return;
    this.released = true;
    this.giveBack(this.lostBy === undefined);
  }

  private lose(err: unknown): void {
    if (this.lostBy !== undefined) return;
    this.lostBy = err instanceof Error ? err : new StoreError('Unavailable', 'PostgreSQL connection lost', { cause: err });
    this.signalLost(this.lostBy);
    // A backend that may still be there holds its locks and its connection: end it.
    if (!isConnectionLost(err) && this.pid !== undefined) {
      void withDeadline(Promise.resolve(this.pool`SELECT pg_terminate_backend(${this.pid})`), this.boundMs, 'terminating a silent backend').catch(
        () => undefined,
      );
    }
  }

  private notePid(q: unknown): void {
    if (this.pid !== undefined) return;
    // postgres.js sets a query's `state` to its connection's backend key data when it sends it.
    const pid = (q as { state?: { pid?: unknown } | null }).state?.pid;
    if (typeof pid === 'number' && pid > 0) this.pid = pid;
  }
}

/**
 * Runs `fn` between BEGIN `mode` and COMMIT on a reservation; ROLLBACK when it fails (unless the
 * connection is gone). `fn`'s own statements on `tx` should go through the reservation's run()
 * (a Snapshot's do: their deadline's error gives the connection up here).
 */
export async function inTransaction<T>(sql: Db, mode: string, boundMs: number, fn: (r: Reservation) => Promise<T>): Promise<T> {
  const r = await reserve(sql, boundMs);
  try {
    // `mode` is one of our constants (isolation level), never input.
    await r.run(r.tx.unsafe(`BEGIN ${mode}`));
    let result: T;
    try {
      result = await fn(r);
    } catch (err) {
      await r.abort(err);
      throw err;
    }
    await r.run(r.tx`COMMIT`);
    return result;
  } finally {
    r.end();
  }
}
