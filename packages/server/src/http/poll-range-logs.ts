/**
 * The change logs (k2v/change-log.ts) of the partitions that PollRange polls watch, each fed by a
 * store subscription of its own. A log is made by the first PollRange on its partition and stays
 * while polls come back: a client re-issues its poll right after each answer, when no poll of its
 * own is subscribed. It ends when no poll has used it for `idleMs`, or with the server.
 */
import { ChangeLog } from '../k2v/change-log.js';
import type { Store } from '../store/store.js';

/*
 * Bounds. A client re-issues its poll milliseconds after an answer, so few changes need keeping;
 * a client that comes back later than these reads its whole range, as without a log. Worst case
 * (every log full of 1 KiB keys and markers): ~4 096 x (32 Ki + 32 x 0.5 Ki) chars, ~400 MB of
 * UTF-16; a log with nothing changing costs ~1 KB.
 */
/** Changes kept per partition, and characters of their sort keys. */
const MAX_CHANGES = 1024;
const MAX_KEY_CHARS = 32 * 1024;
/** Answers remembered per partition (one per client watching it, or a few). */
const MAX_MARKS = 32;
/** Longer markers are not remembered (a marker carries a clock per item not covered: most are short). */
const MAX_MARKER_CHARS = 512;
/** Partitions with a log at most; past it, new polls read their whole range as before. */
const MAX_LOGS = 4096;

/** What a PollRange check read: its whole range, or only the items changed since it last knew. */
export type PollRangeRead = 'range' | 'changed';

interface Entry {
  readonly log: ChangeLog;
  readonly unsubscribe: () => void;
  /** Polls using the log now. */
  users: number;
  lastUsed: number;
}

/** A poll's hold on its partition's log; `release()` when the poll ends. */
export interface LogHold {
  readonly log: ChangeLog;
  release(): void;
}

/** The key a PollRange answer is remembered by, or undefined for a marker too long to keep. */
export function answerKey(marker: string, rangeKey: string): string | undefined {
  return marker.length > MAX_MARKER_CHARS ? undefined : marker + rangeKey;
}

export class PollRangeLogs {
  private readonly entries = new Map<string, Entry>();
  private sweeper: NodeJS.Timeout | undefined;
  private closed = false;
  /** PollRange checks so far, by what they read (the `k2v_poll_range_checks_total` metric). */
  readonly checks: Record<PollRangeRead, number> = { range: 0, changed: 0 };

  constructor(
    private readonly store: Store,
    private readonly idleMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Partitions with a log (tests, memory bound). */
  get size(): number {
    return this.entries.size;
  }

  /**
   * The partition's log, made and subscribed if needed, held until `release()`; undefined when
   * closed or at the limit. Call it before the poll subscribes: the log must already be
   * receiving changes when the poll takes its position.
   */
  hold(bucketId: string, pk: string): LogHold | undefined {
    if (this.closed) return undefined;
    const key = `${bucketId}/${pk}`;
    let e = this.entries.get(key);
    if (e === undefined) {
      if (this.entries.size >= MAX_LOGS) return undefined;
      const log = new ChangeLog(MAX_CHANGES, MAX_KEY_CHARS, MAX_MARKS);
      const unsubscribe = this.store.subscribe(
        bucketId,
        pk,
        (change) => log.record(change.sk),
        () => log.resync(),
      );
      e = { log, unsubscribe, users: 0, lastUsed: this.now() };
      this.entries.set(key, e);
      this.startSweeper();
    }
    const held = e;
    held.users++;
    let released = false;
    return {
      log: held.log,
      release: () => {
        if (released) return;
        released = true;
        held.users--;
        held.lastUsed = this.now();
      },
    };
  }

  /** Ends the logs no poll has used for `idleMs`. */
  sweep(): void {
    const now = this.now();
    for (const [key, e] of this.entries) {
      if (e.users === 0 && now - e.lastUsed >= this.idleMs) {
        e.unsubscribe();
        this.entries.delete(key);
      }
    }
    if (this.entries.size === 0) this.stopSweeper();
  }

  close(): void {
    this.closed = true;
    this.stopSweeper();
    for (const e of this.entries.values()) e.unsubscribe();
    this.entries.clear();
  }

  private startSweeper(): void {
    if (this.sweeper !== undefined) return;
    this.sweeper = setInterval(() => this.sweep(), Math.max(1_000, this.idleMs / 4));
    this.sweeper.unref();
  }

  private stopSweeper(): void {
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}
