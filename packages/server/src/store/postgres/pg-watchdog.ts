/**
 * The last line of a server's recovery from PostgreSQL faults: when the store stays unhealthy
 * (requests failing, the metadata lease lapsed, or the notification connection down) for a few
 * seconds while a fresh connection to the URL works and is writable, the pooled connections are
 * the problem, not the database, and they are rebuilt: the request pool and the lease's
 * connection are replaced (pg-connection.ts renewablePool), so new work goes to new sockets.
 *
 * Why it is needed although each known fault of postgres.js 3.4.9 has its own workaround: a
 * connection closed while a write of it was scheduled keeps that write's stale buffer, and every
 * later connect attempt of that connection sends its startup message behind it, or not at all,
 * until the connect timeout, again and again (src/connection.js: closed() cancels the scheduled
 * write without forgetting it); and after a failover (test/e2e/pg-failover.test.ts) any
 * connection that ended up on a host that is now read-only would keep failing every write. A
 * rebuild costs the in-flight calls (503, never acknowledged) and is rate-limited, backing off
 * while the condition persists.
 */
import type { Logger } from 'pino';

/**
 * How long the store must stay unhealthy while PostgreSQL answers before a rebuild: more than the
 * notification connection's reconnect (backoff up to 2 s, then the metadata reload) takes.
 */
const GRACE_MS = 5_000;
const FIRST_BACKOFF_MS = 5_000;
const MAX_BACKOFF_MS = 60_000;
const TICK_MS = 1_000;

export interface WatchdogParts {
  /** Whether the store is healthy now. */
  healthy(): boolean;
  /** A fresh connection answers and accepts writes (resolves false or rejects otherwise). */
  probe(): Promise<boolean>;
  /** Replaces the store's connections. */
  rebuild(): void;
  readonly logger: Logger;
  readonly now?: () => number;
}

export class PgWatchdog {
  private timer: NodeJS.Timeout | undefined;
  /** When a probe first succeeded while the store was unhealthy. */
  private answeringSince: number | undefined;
  private notBefore = 0;
  private backoff = FIRST_BACKOFF_MS;
  private probing = false;
  private stopped = false;
  /** The timer's check in flight (stop() waits for it). */
  private ticking: Promise<void> | undefined;
  /** Rebuilds done (for tests and logs). */
  rebuilds = 0;

  constructor(private readonly p: WatchdogParts) {}

  start(): void {
    this.timer = setInterval(() => {
      this.ticking ??= this.tick()
        .catch((err: unknown) => this.p.logger.warn({ err }, 'connection watchdog check failed'))
        .finally(() => {
          this.ticking = undefined;
        });
    }, TICK_MS);
    this.timer.unref();
  }

  /**
   * No more checks; resolves once the one in flight is over (its probe's connection ended), so a
   * closing store neither probes nor rebuilds afterwards.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.ticking;
  }

  /** One check (the timer's; exposed for tests). */
  async tick(): Promise<void> {
    const now = this.p.now ?? Date.now;
    if (this.stopped) return;
    if (this.p.healthy()) {
      this.answeringSince = undefined;
      this.backoff = FIRST_BACKOFF_MS;
      return;
    }
    if (this.probing) return;
    this.probing = true;
    try {
      // The database itself down or read-only: nothing to rebuild, the pool reconnects by itself.
      if (!(await this.p.probe().catch(() => false))) {
        this.answeringSince = undefined;
        return;
      }
      if (this.stopped || this.p.healthy()) return;
      // Counted from when PostgreSQL answers: the time the store's own reconnects normally take.
      this.answeringSince ??= now();
      if (now() - this.answeringSince < GRACE_MS || now() < this.notBefore) return;
      this.rebuilds++;
      this.p.logger.warn(
        { answeringForMs: now() - this.answeringSince, rebuilds: this.rebuilds },
        'PostgreSQL answers a fresh connection but the store stays unavailable: rebuilding its connections',
      );
      this.p.rebuild();
      this.answeringSince = undefined;
      this.notBefore = now() + this.backoff;
      this.backoff = Math.min(MAX_BACKOFF_MS, this.backoff * 2);
    } finally {
      this.probing = false;
    }
  }
}
