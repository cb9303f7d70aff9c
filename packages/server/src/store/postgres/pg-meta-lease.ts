/**
 * The metadata lease of a server (docs/postgres.md "Freshness rule for metadata"): no stale
 * cache may let a revoked key in, on any server.
 *
 * - A server serves metadata (the auth path of every request) only while it holds a lease: a
 *   row of k2v_server_lease saying which metadata version it has applied, renewed every
 *   LEASE_MS / 10. Locally the lease ends LEASE_MS after the renewal was *sent* (before the
 *   database stamped it), so it always ends before the database thinks it does.
 * - A renewal writes the row (the version applied, a new `lease_until`), and only once that is
 *   committed reads the current version: the local lease is extended only if no newer version
 *   had committed by then. Every change committed later sees the row and waits for this server;
 *   a server behind does not extend, reloads, and stays fenced (503) once its lease runs out,
 *   until it has reloaded.
 * - A metadata change, after its COMMIT and before its answer, waits (`awaitApplied`) until
 *   every other server with a lease in force has acknowledged the new version, or until that
 *   lease has run out; at most LEASE_MS + a margin.
 * So once an admin answer is sent, no server serves the metadata it replaced.
 *
 * The lease's own connection (one more per server) keeps renewals from queueing behind
 * requests on a busy pool. Assumes clocks that run at the same rate over a few seconds, and a
 * database clock that does not step forward by more than CLOCK_MARGIN_MS.
 */
import type { Db } from './pg-connection.js';
import { withDeadline } from './pg-errors.js';
import { nodeToDb } from './pg-keys.js';

/**
 * How long a renewal lets a server serve metadata without another one: long enough that a
 * loaded machine (seconds of event-loop lag) does not fence a healthy server, short enough for
 * the wait of a change after a server was SIGKILLed.
 */
export const LEASE_MS = 10_000;
/** Renewals per lease (a server fences itself only after this many missed in a row). */
const RENEWALS_PER_LEASE = 10;
/** Slack for clock rates and steps. */
const CLOCK_MARGIN_MS = 250;

export class MetaLease {
  /** performance.now() until which this server may serve metadata. */
  private until = 0;
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<boolean> | undefined;
  private next: Promise<boolean> | undefined;
  private closed = false;

  constructor(
    private readonly sql: Db,
    private readonly nodeId: bigint,
    /** The metadata version this server has applied. */
    private readonly applied: () => bigint,
    /** A renewal was refused: the server is behind and must reload. */
    private readonly behind: () => void,
    private readonly leaseMs = LEASE_MS,
    /** Whether another process may have this node (then the lease row is not this server's). */
    private readonly nodeLost: () => boolean = () => false,
  ) {}

  get valid(): boolean {
    return performance.now() < this.until && !this.nodeLost();
  }

  start(): void {
    this.timer = setInterval(() => void this.renew().catch(() => undefined), Math.floor(this.leaseMs / RENEWALS_PER_LEASE));
    this.timer.unref();
  }

  /**
   * Renews (the acknowledgement of the applied version); true if extended. One at a time: a call
   * while one is in flight runs after it (with the version applied then, so an acknowledgement
   * is never lost to a renewal that started just before a reload), and calls made meanwhile share
   * that next one.
   */
  renew(): Promise<boolean> {
    if (this.next !== undefined) return this.next;
    if (this.renewing === undefined) {
      this.renewing = this.renewOnce().finally(() => {
        this.renewing = undefined;
      });
      return this.renewing;
    }
    this.next = this.renewing
      .catch(() => false)
      .then(() => {
        this.next = undefined;
        return this.renew();
      });
    return this.next;
  }

  private async renewOnce(): Promise<boolean> {
    // A closed server's row is gone: writing it again would make changes wait for it.
    if (this.closed || this.nodeLost()) return false;
    const applied = this.applied();
    const sentAt = performance.now();
    const me = nodeToDb(this.nodeId);
    // Committed first (its own statement), then the version read after it: if that read finds
    // nothing newer than `applied`, every newer change commits later and its awaitApplied sees
    // this row, so serving until the new local deadline is safe. Otherwise a newer change may
    // already have been answered without this server: no extension, reload.
    // Each statement bounded (a renewal later than the lease is worth nothing), so a stuck
    // connection fails the renewal instead of holding every later one behind it.
    await withDeadline(
      Promise.resolve(this.sql`
        INSERT INTO k2v_server_lease (node_id, meta_version, lease_until) VALUES (${me}, ${applied}, clock_timestamp() + ${this.leaseMs} * interval '1 millisecond')
        ON CONFLICT (node_id) DO UPDATE SET meta_version = EXCLUDED.meta_version, lease_until = EXCLUDED.lease_until`),
      this.leaseMs,
      'metadata lease renewal',
    );
    const [v] = await withDeadline(Promise.resolve(this.sql<{ version: bigint }[]>`SELECT version FROM k2v_meta_version`), this.leaseMs, 'metadata lease renewal');
    if ((v?.version ?? 0n) > applied) {
      this.behind();
      return false;
    }
    this.until = Math.max(this.until, sentAt + this.leaseMs - CLOCK_MARGIN_MS);
    return true;
  }

  /**
   * Resolves once every other server with a lease in force has applied `version` (or its lease
   * ran out). Rejects if the database cannot tell (the change is committed, but not known to be
   * in force everywhere: the caller answers 503).
   */
  async awaitApplied(version: bigint): Promise<void> {
    const giveUpAt = performance.now() + this.leaseMs + 4 * CLOCK_MARGIN_MS;
    for (let pause = 2; ; pause = Math.min(50, pause * 2)) {
      const [r] = await withDeadline(
        Promise.resolve(this.sql<{ n: bigint }[]>`
          SELECT count(*)::int8 AS n FROM k2v_server_lease
          WHERE node_id <> ${nodeToDb(this.nodeId)} AND meta_version < ${version}
            AND lease_until > clock_timestamp() - ${CLOCK_MARGIN_MS} * interval '1 millisecond'`),
        this.leaseMs,
        'waiting for the other servers to apply a metadata change',
      );
      // Past giveUpAt every lease granted before the change has run out on its server's clock.
      if ((r?.n ?? 0n) === 0n || performance.now() > giveUpAt) return;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  /** Stops renewing and gives the lease back, so no change waits for this server. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.closed = true;
    this.until = 0;
    await (this.next ?? this.renewing)?.catch(() => undefined);
    await withDeadline(Promise.resolve(this.sql`DELETE FROM k2v_server_lease WHERE node_id = ${nodeToDb(this.nodeId)}`), 2_000, 'giving the lease back').catch(
      () => undefined,
    );
  }
}
