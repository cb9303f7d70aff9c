/**
 * The connection pool of a PostgreSQL store (postgres.js; docs/postgres.md says why this driver:
 * it pipelines queries on a connection, takes multi-host URLs with `target_session_attrs` for
 * failover, and reconnects by itself). Every session runs with the store's timeouts, so a slow
 * or locked database answers within a bounded time instead of holding a request forever, and
 * with `synchronous_commit = on`: a COMMIT returns only once the transaction is durable (and,
 * with a synchronous standby, replicated).
 */
import postgres, { type Sql } from 'postgres';
import { withDeadline } from './pg-errors.js';

export type Db = Sql<{ bigint: bigint }>;

export interface PgConnectionOptions {
  readonly url: string;
  /** Connections of the pool (the LISTEN connection is one more). */
  readonly maxConnections: number;
  /** statement_timeout and the bound of a whole request's database work, ms. */
  readonly statementTimeoutMs: number;
  /** lock_timeout, ms: a row lock held elsewhere longer than this fails the statement (503). */
  readonly lockTimeoutMs: number;
}

export function connect(opts: PgConnectionOptions, extra: Partial<postgres.Options<{ bigint: postgres.PostgresType<bigint> }>> = {}): Db {
  return postgres(opts.url, {
    max: opts.maxConnections,
    types: { bigint: postgres.BigInt },
    // Idle connections are closed after a minute; a connection lives at most 30 min (failover
    // and DNS changes are picked up without a restart).
    idle_timeout: 60,
    max_lifetime: 30 * 60,
    connect_timeout: Math.max(1, Math.ceil(opts.statementTimeoutMs / 1000)),
    onnotice: () => {},
    connection: {
      application_name: 'k2v',
      statement_timeout: opts.statementTimeoutMs,
      lock_timeout: opts.lockTimeoutMs,
      idle_in_transaction_session_timeout: Math.max(60_000, 4 * opts.statementTimeoutMs),
      synchronous_commit: 'on',
    },
    ...extra,
  }) as unknown as Db;
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
  renew(): void;
}

export function renewablePool(make: () => Db): RenewablePool {
  let current = make();
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
      const old = current;
      current = make();
      void old.end({ timeout: 1 }).catch(() => undefined);
    },
  };
}

/**
 * Whether a fresh connection to the URL (its hosts, its target_session_attrs) answers within the
 * statement bound and is on a writable primary (not in recovery).
 */
export async function probeWritable(opts: PgConnectionOptions): Promise<boolean> {
  const sql = connect({ ...opts, maxConnections: 1 }, { fetch_types: false });
  try {
    const [r] = await withDeadline(Promise.resolve(sql<{ ro: boolean }[]>`SELECT pg_is_in_recovery() AS ro`), opts.statementTimeoutMs, 'probe');
    return r?.ro === false;
  } finally {
    await sql.end({ timeout: 0 }).catch(() => undefined);
  }
}
