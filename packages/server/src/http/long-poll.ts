/**
 * The waiting part shared by PollItem and PollRange (contract sections 6 and 10).
 *
 * Order matters: subscribe first, then check the stored state, so that a change committing while
 * the poll is set up is either seen by the check or delivered to the subscription. Wake-ups are
 * coalesced (one re-check per event-loop turn, however many items a commit changed).
 */
import type { HandlerContext } from './context.js';
import type { Waiter } from './poll-registry.js';
import { send } from './respond.js';

/** `timeout` in seconds: default 300, clamped to [1, 600]. */
export function pollTimeoutMs(timeout: number | undefined): number {
  const s = timeout === undefined ? 300 : Math.min(600, Math.max(1, timeout));
  return s * 1000;
}

export interface LongPoll<T> {
  readonly timeoutMs: number;
  /** Subscribes `wake` to the changes that may matter; returns the unsubscribe function. */
  subscribe(wake: () => void): () => void;
  /** The answer if the state already satisfies the poll, else undefined. */
  check(): T | undefined;
  respond(result: T): void;
}

export function longPoll<T>(ctx: HandlerContext, poll: LongPoll<T>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let finished = false;
    let scheduled = false;
    let timer: NodeJS.Timeout | undefined;
    const unsubscribe = poll.subscribe(() => {
      if (finished || scheduled) return;
      scheduled = true;
      setImmediate(recheck);
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
      ctx.polls.remove(waiter);
      ctx.res.off('close', onClose);
      return true;
    }
    function attempt(): boolean {
      const result = poll.check();
      if (result === undefined) return false;
      if (finish()) {
        poll.respond(result);
        resolve();
      }
      return true;
    }
    function recheck() {
      scheduled = false;
      if (finished) return;
      try {
        attempt();
      } catch (err) {
        if (finish()) reject(err);
      }
    }
    try {
      if (attempt()) return;
    } catch (err) {
      finish();
      reject(err);
      return;
    }
    if (ctx.polls.isClosing) {
      waiter.expire();
      return;
    }
    ctx.polls.add(waiter);
    timer = setTimeout(waiter.expire, poll.timeoutMs);
    ctx.res.on('close', onClose);
  });
}
