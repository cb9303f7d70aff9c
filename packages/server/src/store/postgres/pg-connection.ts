/**
 * The connection pool of a PostgreSQL store (postgres.js; docs/postgres.md says why this driver:
 * it pipelines queries on a connection, takes multi-host URLs with `target_session_attrs` for
 * failover, and reconnects by itself). Every session runs with the store's timeouts, so a slow
 * or locked database answers within a bounded time instead of holding a request forever, and
 * with `synchronous_commit = on`: a COMMIT returns only once the transaction is durable (and,
 * with a synchronous standby, replicated).
 */
import net from 'node:net';
import postgres, { type Sql } from 'postgres';
import { StoreError } from '../errors.js';
import { withDeadline } from './pg-errors.js';
import { ReservationSlots } from './pg-slots.js';
import { PendingEnds } from './pending-ends.js';

export type Db = Sql<{ bigint: bigint }>;

export interface PgConnectionOptions {
  readonly url: string;
  /** Connections of the pool (the LISTEN connection is one more). */
  readonly maxConnections: number;
  /** statement_timeout and the bound of a whole request's database work, ms. */
  readonly statementTimeoutMs: number;
  /** lock_timeout, ms: a row lock held elsewhere longer than this fails the statement (503). */
  readonly lockTimeoutMs: number;
  /** Opens every socket of the store's connections, and none once the store is closed. */
  readonly gate?: SocketGate;
}

/** What postgres.js passes to its `socket` option (parsed from the URL): the hosts, or a Unix socket path. */
interface DriverSocketOptions {
  readonly host: readonly string[];
  readonly port: readonly number[];
  readonly path: string | false;
}

/**
 * Opens the sockets of a store's connections (postgres.js's `socket` option), and none once
 * closed: after close() resolved, no connection of the store can be attempted again.
 *
 * Ending the pools is not enough with postgres.js 3.4.9: `end({ timeout })` terminates each
 * connection but not the reconnect it may have scheduled (src/connection.js reconnect(): a
 * setTimeout that terminate() does not clear, and connect() clears `terminated`), so a connection
 * that was waiting out its backoff when the pool ended (PostgreSQL unreachable, queries queued)
 * connects again seconds later, and stays open in the ended pool; and `reserve()` on an ended
 * pool still connects. Found by test/store/postgres/pg-close.test.ts (the lease pool's
 * connections reconnecting after close; in CI an ECONNREFUSED after the test cluster was gone).
 * A socket refused here fails what the connection was trying to send with a StoreError
 * 'Unavailable' (503), as any connect failure does.
 */
export class SocketGate {
  private closed = false;
  private readonly sockets = new Set<net.Socket>();
  /** Which of several hosts the next socket goes to (the driver's own round robin). */
  private next = 0;

  /** postgres.js's `socket` option. */
  readonly open = (o: DriverSocketOptions): net.Socket => {
    if (this.closed) throw new StoreError('Unavailable', 'the PostgreSQL store is closed');
    // With TLS the driver removes every listener of the socket it wraps (its 'close' one here
    // too): those are forgotten once destroyed.
    for (const x of this.sockets) if (x.destroyed) this.sockets.delete(x);
    const i = this.next++ % Math.max(1, o.host.length);
    const host = o.host[i] ?? 'localhost';
    const port = o.port[i] ?? 5432;
    const s = o.path !== false ? net.connect(o.path) : net.connect(port, host);
    // As libpq does: a statement written while an earlier one is unacknowledged must not wait for
    // the server's delayed ACK (Nagle): p99 of ReadItem through two servers 218-228 ms without it.
    if (o.path === false) s.setNoDelay(true);
    // The driver names the host in its connection errors from these (its own connect sets them).
    Object.assign(s, { host, port });
    this.sockets.add(s);
    s.once('close', () => this.sockets.delete(s));
    return s;
  };

  /**
   * Opens no more sockets, and ends those still open once every pool has ended (a terminated
   * connection's socket, or one a scheduled reconnect opened meanwhile); resolves once they
   * are all closed.
   */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      [...this.sockets].map(
        (s) =>
          new Promise<void>((resolve) => {
            // Already destroyed: its 'close' may have been emitted (or its listener removed, TLS).
            if (s.destroyed) return resolve();
            s.once('close', () => resolve());
            s.destroy();
          }),
      ),
    );
    this.sockets.clear();
  }
}

/** The driver options that send a pool's sockets through `gate`, if any. */
export function gated(gate: SocketGate | undefined): Record<string, unknown> {
  // `socket` is a documented option of postgres.js that its 3.4.9 typings lack.
  return gate === undefined ? {} : { socket: gate.open };
}

type DriverOptions = Partial<postgres.Options<{ bigint: postgres.PostgresType<bigint> }>>;

/** The reservation slots of a pool made by connect() (pg-slots.ts), found through renewablePool too. */
const SLOTS = Symbol('k2v reservation slots');

export function connect(opts: PgConnectionOptions, extra: DriverOptions = {}): Db {
  const base: DriverOptions = {
    ...gated(opts.gate),
    types: { bigint: postgres.BigInt },
    connect_timeout: Math.max(1, Math.ceil(opts.statementTimeoutMs / 1000)),
    onnotice: () => {},
    // No array-types lookup on connect. postgres.js 3.4.9 runs it as the first statement of every
    // new connection and never handles its promise (porsager/postgres#1192, #1223): a connection
    // cut during it reconnects at once, and if that is refused the lookup rejects unhandled
    // ("connect ECONNREFUSED"), which ends the process. Our array parameters are literals that
    // need no driver type (pg-arrays.ts); reservations come from slots (pg-slots.ts says why).
    // Found by test/store/postgres/pg-first-statement.test.ts.
    fetch_types: false,
    connection: {
      application_name: 'k2v',
      statement_timeout: opts.statementTimeoutMs,
      lock_timeout: opts.lockTimeoutMs,
      idle_in_transaction_session_timeout: Math.max(60_000, 4 * opts.statementTimeoutMs),
      synchronous_commit: 'on',
    },
  };
  const sql = postgres(opts.url, {
    ...base,
    max: opts.maxConnections,
    // Idle connections are closed after a minute; a connection lives at most 30 min (failover
    // and DNS changes are picked up without a restart).
    idle_timeout: 60,
    max_lifetime: 30 * 60,
    ...extra,
  }) as unknown as Db;
  const slots = new ReservationSlots(
    opts.maxConnections,
    (onclose) =>
      postgres(opts.url, {
        ...base,
        max: 1,
        // Never closed by the driver on its own (no idle_timeout, the driver's default, and no
        // lifetime): the slot knows whether its connection is open.
        max_lifetime: null,
        onclose,
      }) as unknown as Db,
  );
  const endPool = sql.end.bind(sql);
  // Configurable: renewablePool's proxy answers with the current pool's, not its first one's.
  Object.defineProperty(sql, SLOTS, { value: slots, configurable: true });
  Object.defineProperty(sql, 'end', {
    configurable: true,
    writable: true,
    value: async (o?: { timeout?: number }): Promise<void> => {
      await Promise.all([endPool(o), slots.end(o?.timeout)]);
    },
  });
  return sql;
}

/** The reservation slots of `sql` (made by connect(), or a renewablePool of such pools). */
export function slotsOf(sql: Db): ReservationSlots | undefined {
  const v: unknown = Reflect.get(sql, SLOTS);
  return v instanceof ReservationSlots ? v : undefined;
}

/**
 * A pool behind a stable handle that can be swapped for a fresh one. After PostgreSQL went away
 * under load, postgres.js 3.4.9 can leave a pooled connection unable ever to send again (its
 * teardown cancels a scheduled write without forgetting it, so the next writes are never
 * scheduled; found by test/e2e/crash-postgres.test.ts: requests timing out with 503 long after
 * the database was back). `renew()` replaces the whole pool; the old one is ended, its stuck
 * calls failing within a second (503, never acknowledged).
 */
export interface RenewablePool {
  readonly sql: Db;
  /** Replaces the pool (nothing once closed). */
  renew(): void;
  /**
   * Ends the current pool (destroyed after `timeoutS`) and makes no other; resolves once it and
   * every pool renew() replaced have ended.
   */
  close(timeoutS: number): Promise<void>;
}

export function renewablePool(make: () => Db): RenewablePool {
  let current = make();
  let closed = false;
  /** The ends of replaced pools still under way (a closed store waits for them). */
  const ending = new PendingEnds();
  const handler: ProxyHandler<Db> = {
    apply: (_target, thisArg, args) => Reflect.apply(current as unknown as (...a: unknown[]) => unknown, thisArg, args),
    get: (_target, prop) => {
      const v: unknown = Reflect.get(current, prop);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(current) : v;
    },
  };
  return {
    sql: new Proxy(current, handler),
    renew() {
      // A pool made after close() would be ended by nobody: its connections would outlive the store.
      if (closed) return;
      const old = current;
      current = make();
      void ending.add(old.end({ timeout: 1 }));
    },
    async close(timeoutS) {
      closed = true;
      await Promise.all([current.end({ timeout: timeoutS }).catch(() => undefined), ending.all()]);
    },
  };
}

/**
 * Whether a fresh connection to the URL (its hosts, its target_session_attrs) answers within the
 * statement bound and is on a writable primary (not in recovery).
 */
export async function probeWritable(opts: PgConnectionOptions): Promise<boolean> {
  const sql = connect({ ...opts, maxConnections: 1 });
  try {
    const [r] = await withDeadline(Promise.resolve(sql<{ ro: boolean }[]>`SELECT pg_is_in_recovery() AS ro`), opts.statementTimeoutMs, 'probe');
    return r?.ro === false;
  } finally {
    await sql.end({ timeout: 0 }).catch(() => undefined);
  }
}
