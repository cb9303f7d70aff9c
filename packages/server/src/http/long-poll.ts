/**
 * The waiting part shared by PollItem and PollRange (contract sections 6 and 10).
 *
 * Order matters: subscribe first, then check the stored state, so that a change committing while
 * the poll is set up is either seen by the check or delivered to the subscription (and then
 * re-checked). Checks read the store, asynchronously: at most one runs at a time for a poll; a
 * change (or a resync) arriving during a check marks the poll dirty, and one more check follows
 * the running one. Wake-ups are coalesced (one re-check per event-loop turn, however many items a
 * commit changed). A check's answer is sent only if the poll is still open: a timeout, the
 * client going away or the shutdown may have ended it meanwhile.
 */
import type { HandlerContext } from './context.js';
import type { ChurnEntry } from '../k2v/churn-set.js';
import type { Waiter } from './poll-registry.js';
import { send } from './respond.js';

/** `timeout` in seconds: default 300, clamped to [1, 600]. */
export function pollTimeoutMs(timeout: number | undefined): number {
  const s = timeout === undefined ? 300 : Math.min(600, Math.max(1, timeout));
  return s * 1000;
}

export interface LongPoll<T> {
  readonly timeoutMs: number;
  /**
   * Subscribes `wake` to the changes that may matter (and to resyncs); returns the unsubscribe
   * function.
   */
  subscribe(wake: () => void): () => void;
  /** The answer if the state already satisfies the poll, else undefined. */
  check(): Promise<T | undefined>;
  respond(result: T): void;
}

export function longPoll<T>(ctx: HandlerContext, poll: LongPoll<T>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    // During shutdown, a poll is answered at once: its data if it is already satisfied, else 304.
    const closingAtStart = ctx.polls.isClosing;
    let finished = false;
    /** A check is running. */
    let checking = false;
    /** A re-check is scheduled for the next turn. */
    let scheduled = false;
    /** Something changed since the running check began. */
    let dirty = false;
    let timer: NodeJS.Timeout | undefined;
    let registered: ChurnEntry<Waiter> | undefined;
    const unsubscribe = poll.subscribe(() => {
      if (finished) return;
      dirty = true;
      schedule();
    });
    const waiter: Waiter = {
      expire: () => {
        if (finish()) {
          send(ctx, 304, {});
          resolve();
        }
      },
    };
    const onClose = () => {
      // The client went away: free everything at once, nothing to answer.
      if (finish()) resolve();
    };
    function finish(): boolean {
      if (finished) return false;
      finished = true;
      unsubscribe();
      if (timer !== undefined) clearTimeout(timer);
      if (registered !== undefined) ctx.polls.remove(registered);
      ctx.res.off('close', onClose);
      return true;
    }
    function schedule(): void {
      if (checking || scheduled) return; // a running check is followed by another (dirty)
      scheduled = true;
      setImmediate(() => {
        scheduled = false;
        run();
      });
    }
    function run(): void {
      if (finished || checking) return;
      checking = true;
      dirty = false;
      let pending: Promise<T | undefined>;
      try {
        pending = poll.check();
      } catch (err) {
        pending = Promise.reject(err);
      }
      pending.then(
        (result) => {
          checking = false;
          if (finished) return;
          if (result !== undefined) {
            if (finish()) {
              poll.respond(result);
              resolve();
            }
            return;
          }
          if (closingAtStart) {
            waiter.expire();
            return;
          }
          if (dirty) schedule();
        },
        (err: unknown) => {
          checking = false;
          if (finish()) reject(err);
        },
      );
    }
    if (!closingAtStart) {
      registered = ctx.polls.add(waiter);
      timer = setTimeout(waiter.expire, poll.timeoutMs);
    }
    ctx.res.on('close', onClose);
    run();
  });
}
