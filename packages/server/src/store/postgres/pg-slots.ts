/**
 * Where a pool's reserved connections (pg-transaction.ts) come from: slots, each a pool of one
 * connection of its own, at most as many as the pool has connections.
 *
 * Why not the pool's own `reserve()`: every connection runs with `fetch_types: false`
 * (pg-connection.ts), and then postgres.js 3.4.9's `reserve()` never resolves from a connection
 * it had to open for it: after the startup the connection neither runs nor hands itself to the
 * reserve, and stays out of the pool for ever (porsager/postgres#751, #1219; the fix, #1220, is
 * unreleased). With the types lookup that first statement is what handed it over. A pool shared
 * with plain queries cannot be kept from opening a connection for a reserve (any query may take
 * its last idle one first), so reservations get their own single-connection pools: a slot is
 * used by one caller at a time, and before reserving on a slot whose connection may not be open
 * the caller runs one plain statement on it (the connection then opens, runs it, and waits idle
 * for the reserve that follows in the same turn). A slot's connection never closes by itself
 * (no idle or lifetime limit), so that its state is known: open once a statement succeeded or a
 * reservation was given back, not any more once the driver reports it closed.
 *
 * A reservation given up as lost (pg-transaction.ts) ends its slot's pool: the driver would put
 * the dead connection back among the open ones if it were released. The next caller of that
 * slot gets a fresh pool.
 */
import type { ReservedSql, Sql } from 'postgres';
import { StoreError } from '../errors.js';
import { withDeadline } from './pg-errors.js';

export type Reserved = ReservedSql<{ bigint: bigint }>;
/** pg-connection.ts's Db, named here so that this file imports nothing of the file that uses it. */
type Db = Sql<{ bigint: bigint }>;

interface Slot {
  /** Its pool (made when first needed, and again after a lost reservation ended it). */
  sql: Db | undefined;
  /** Whether its connection is open and idle: a reserve now takes it at once. */
  open: boolean;
  /** How many times its connection closed (one that closed while reserved is not given back). */
  closes: number;
}

/** A reserved connection, and how to give it back. */
export interface SlotReservation {
  readonly tx: Reserved;
  /** Gives the slot back; `healthy` false ends its connection (lost, or its state unknown). */
  done(healthy: boolean): void;
}

export class ReservationSlots {
  private readonly free: Slot[] = [];
  private made = 0;
  private readonly waiting: ((slot: Slot) => void)[] = [];
  private readonly pools = new Set<Db>();
  private ended = false;

  /** `make(onclose)`: a one-connection pool that calls `onclose` whenever its connection closes. */
  constructor(
    private readonly max: number,
    private readonly make: (onclose: () => void) => Db,
  ) {}

  /** A reserved connection, within `boundMs` (503 beyond: every slot busy, or PostgreSQL silent). */
  async reserve(boundMs: number): Promise<SlotReservation> {
    const start = performance.now();
    const slot = await this.take(boundMs);
    try {
      const sql = (slot.sql ??= this.pool(slot));
      if (!slot.open) {
        const left = Math.max(1, boundMs - (performance.now() - start));
        await withDeadline(Promise.resolve(sql`SELECT 1`), left, 'opening a PostgreSQL connection');
        slot.open = true;
      }
      // Same turn as the statement's answer, or the slot known open: the idle connection is there.
      const tx = await withDeadline(sql.reserve(), Math.max(1, boundMs - (performance.now() - start)), 'reserving a PostgreSQL connection');
      slot.open = false;
      const closes = slot.closes;
      return {
        tx,
        done: (healthy) => {
          if (healthy && slot.sql === sql && slot.closes === closes) {
            tx.release();
            slot.open = true;
          } else this.drop(slot, sql);
          this.give(slot);
        },
      };
    } catch (err) {
      // A statement that got no answer may still be on its way: that pool is not used again.
      if (slot.sql !== undefined) this.drop(slot, slot.sql);
      this.give(slot);
      throw err;
    }
  }

  /** Ends every slot's pool; reservations not yet given back are ended with them. */
  async end(timeoutS: number | undefined): Promise<void> {
    this.ended = true;
    for (const w of this.waiting.splice(0)) w({ sql: undefined, open: false, closes: 0 });
    await Promise.all([...this.pools].map((p) => p.end({ timeout: timeoutS }).catch(() => undefined)));
  }

  private pool(slot: Slot): Db {
    const sql = this.make(() => {
      if (slot.sql !== sql) return;
      slot.open = false;
      slot.closes++;
    });
    this.pools.add(sql);
    return sql;
  }

  private drop(slot: Slot, sql: Db): void {
    if (slot.sql === sql) {
      slot.sql = undefined;
      slot.open = false;
    }
    this.pools.delete(sql);
    void sql.end({ timeout: 0 }).catch(() => undefined);
  }

  private take(boundMs: number): Promise<Slot> {
    if (this.ended) return Promise.reject(new StoreError('Unavailable', 'the PostgreSQL pool is ended'));
    const slot = this.free.pop() ?? (this.made < this.max ? (this.made++, { sql: undefined, open: false, closes: 0 }) : undefined);
    if (slot !== undefined) return Promise.resolve(slot);
    return new Promise<Slot>((resolve, reject) => {
      const waiter = (s: Slot): void => {
        clearTimeout(timer);
        if (this.ended) reject(new StoreError('Unavailable', 'the PostgreSQL pool is ended'));
        else resolve(s);
      };
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new StoreError('Unavailable', `waiting for a PostgreSQL connection: none free within ${boundMs} ms`));
      }, boundMs);
      this.waiting.push(waiter);
    });
  }

  private give(slot: Slot): void {
    if (this.ended) {
      if (slot.sql !== undefined) this.drop(slot, slot.sql);
      return;
    }
    const w = this.waiting.shift();
    if (w !== undefined) w(slot);
    else this.free.push(slot);
  }
}
