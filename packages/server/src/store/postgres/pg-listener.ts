/**
 * The notification connection of a PostgreSQL store: LISTEN on the item changes and metadata
 * channels, on a connection of its own. Notifications are sent inside the writing transactions,
 * so PostgreSQL delivers them only after COMMIT.
 *
 * When the connection is lost (the database restarts, fails over, the network breaks), changes
 * may be missed: the listener reports `down`, reconnects by itself with backoff, and once LISTEN
 * is in force again reports `up`. The store then calls every subscriber's onResync and reloads
 * the metadata: anything committed while the connection was down is re-read, and anything
 * committed after LISTEN returned is notified.
 */
import type { Logger } from 'pino';
import postgres from 'postgres';
import { CHANGES_CHANNEL, META_CHANNEL } from './pg-notify.js';
import { gated, type PgConnectionOptions } from './pg-connection.js';
import { withDeadline } from './pg-errors.js';
import { PendingEnds } from './pending-ends.js';

export interface ListenerEvents {
  onChange(payload: string): void;
  onMeta(payload: string): void;
  /** LISTEN is in force (first time, or again after a loss). */
  up(): Promise<void>;
  down(): void;
}

/** How often a live notification connection is checked (a half-open TCP connection says nothing). */
const HEARTBEAT_MS = 2_000;

export class PgListener {
  private sql: postgres.Sql | undefined;
  private closed = false;
  private live = false;
  private connecting: Promise<void> | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  /** Ends of dropped notification connections still under way (close() waits for them). */
  private readonly ending = new PendingEnds();
  /** Ends the reconnect backoff's pause at once (close() does not wait it out). */
  private wake: (() => void) | undefined;

  constructor(
    private readonly opts: PgConnectionOptions,
    private readonly events: ListenerEvents,
    private readonly logger: Logger,
    /** The URL to connect to: the first time the given one, on a reconnect the host chosen anew (pg-hosts.ts). */
    private readonly urlFor: (reconnect: boolean) => Promise<string> = () => Promise.resolve(opts.url),
  ) {}

  get isLive(): boolean {
    return this.live;
  }

  /** Connects and LISTENs; rejects if the first attempt fails (the store does not open). */
  async start(): Promise<void> {
    await this.connect(await this.urlFor(false));
    this.heartbeat = setInterval(() => {
      this.checking ??= this.check().finally(() => {
        this.checking = undefined;
      });
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /**
   * Stops listening: ends the connection, and waits for a reconnect under way (with its `up`)
   * and a heartbeat in flight, so that nothing of the listener runs or connects once it resolved.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.live = false;
    clearInterval(this.heartbeat);
    this.wake?.();
    const sql = this.sql;
    this.sql = undefined;
    if (sql !== undefined) this.end(sql, 1);
    await this.connecting;
    await this.checking;
    await this.ending.all();
  }

  /** Ends a notification connection, within `timeoutS`; close() waits for it. */
  private end(sql: postgres.Sql, timeoutS: number): Promise<void> {
    return this.ending.add(sql.end({ timeout: timeoutS }));
  }

  private async connect(url: string): Promise<void> {
    const sql = postgres(url, {
      ...gated(this.opts.gate),
      max: 1,
      idle_timeout: null,
      max_lifetime: null,
      fetch_types: false,
      connect_timeout: Math.max(1, Math.ceil(this.opts.statementTimeoutMs / 1000)),
      onnotice: () => {},
      connection: { application_name: 'k2v-listen', statement_timeout: this.opts.statementTimeoutMs },
      onnotify: (channel: string, payload: string) => {
        if (channel === CHANGES_CHANNEL) this.events.onChange(payload);
        else if (channel === META_CHANNEL) this.events.onMeta(payload);
      },
      onclose: () => {
        if (this.sql === sql) this.lost();
      },
    } as unknown as postgres.Options<Record<string, never>>);
    this.sql = sql;
    try {
      await sql`LISTEN k2v_changes`;
      await sql`LISTEN k2v_meta`;
      // Closed meanwhile: nothing is re-read for a store that is going away.
      if (this.closed) throw new Error('PostgreSQL notification listener closed');
      // What committed while nobody listened is re-read; if that fails, this connection is
      // dropped and the next attempt starts over (never a LISTEN left running unwatched).
      await this.events.up();
    } catch (err) {
      if (this.sql === sql) this.sql = undefined;
      await this.end(sql, 0);
      throw err;
    }
    if (this.sql !== sql) throw new Error('PostgreSQL notification connection lost while coming up');
    this.live = true;
  }

  private async check(): Promise<void> {
    if (this.closed || !this.live || this.sql === undefined) return;
    const sql = this.sql;
    try {
      // Bounded: a connection that neither answers nor fails is as good as lost.
      await withDeadline(Promise.resolve(sql`SELECT 1`), this.opts.statementTimeoutMs, 'notification connection heartbeat');
    } catch {
      if (this.sql === sql) this.lost();
    }
  }

  private lost(): void {
    if (this.closed) return;
    if (this.live) this.logger.warn('PostgreSQL notification connection lost; reconnecting');
    this.live = false;
    this.events.down();
    const old = this.sql;
    this.sql = undefined;
    if (old !== undefined) void this.end(old, 0);
    this.connecting ??= this.reconnect().finally(() => {
      this.connecting = undefined;
    });
  }

  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    }).finally(() => {
      this.wake = undefined;
    });
  }

  private async reconnect(): Promise<void> {
    for (let attempt = 0; !this.closed; attempt++) {
      await this.pause(Math.min(2_000, 50 * 2 ** attempt));
      if (this.closed) return;
      try {
        await this.connect(await this.urlFor(true));
        this.logger.info('PostgreSQL notification connection re-established');
        return;
      } catch (err) {
        // Cut short by close(): nothing failed.
        if (this.closed) return;
        if (attempt % 10 === 0) this.logger.warn({ err }, 'PostgreSQL notification connection: reconnect failed, retrying');
      }
    }
  }
}
