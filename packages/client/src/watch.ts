/**
 * Watches: PollItem / PollRange in a loop, as async iterators of changes. The loop an
 * application would otherwise write by hand: re-poll on timeout, keep the token or seen marker,
 * back off on transient errors, stop on abort or `break`.
 */
import type { PollOptions, PollRangeQuery, PollRangeResult } from './call-shapes.js';
import { K2vError } from './errors.js';
import { EMPTY_TOKEN, type CausalityToken, type Item } from './items.js';
import type { CallOptions } from './transport.js';

/** The calls a watch makes: K2vClient's, named by shape so that this file does not import it. */
export interface Poller {
  readItem(pk: string, sk: string, opts?: CallOptions): Promise<Item | undefined>;
  pollItem(pk: string, sk: string, token: CausalityToken, opts?: PollOptions): Promise<Item | undefined>;
  pollRange(pk: string, query?: PollRangeQuery, opts?: PollOptions): Promise<PollRangeResult | undefined>;
}

/** Options of both watches. */
export interface WatchOptions {
  /** Ends the watch (the loop returns; no error). */
  signal?: AbortSignal;
  /** Server-side wait of each poll, seconds (default 300). */
  timeoutSeconds?: number;
  /**
   * Yield the current state first (default true): the item as it is now, or every item of the
   * range. Ignored when `since` is given.
   */
  initial?: boolean;
  /** Back-off after a transient error, ms: first delay (default 500), doubling up to `maxBackoffMs` (default 30 000). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/** Options of `watchItem`. */
export interface WatchItemOptions extends WatchOptions {
  /** Only changes after the version this token names (e.g. from an earlier read). */
  since?: CausalityToken;
}

/** Options of `watchRange`. */
export interface WatchRangeOptions extends WatchOptions {
  /** Only changes after this seen marker (from an earlier PollRange or watch batch). */
  since?: string;
}

/** A running watch: an async iterator that `break`, `return()` or the signal stop, in-flight poll included. */
export interface Watch<T> {
  /** The next change (waits for it). */
  next(): Promise<IteratorResult<T, undefined>>;
  /** Stops the watch now, aborting its poll; a pending `next()` then resolves as done. */
  return(): Promise<IteratorResult<T, undefined>>;
  [Symbol.asyncIterator](): Watch<T>;
}

/**
 * Failures a watch waits out: no answer, a deadline gone by, a 503 or a gateway's 502/504. Any
 * other refusal (access, bucket, bad token) would fail the same way again, so it ends the watch.
 */
function transient(err: unknown): boolean {
  return err instanceof K2vError && (err.retryable || err.code === 'Timeout' || (err.code === 'InvalidResponse' && err.status >= 500));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, signal.aborted ? 0 : ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Runs `step` until it gives a result, backing off on transient errors; `undefined` once the
 * watch is stopped.
 */
async function persist<T>(step: (signal: AbortSignal) => Promise<T>, signal: AbortSignal, opts: WatchOptions): Promise<T | undefined> {
  const min = opts.minBackoffMs ?? 500;
  const max = opts.maxBackoffMs ?? 30_000;
  for (let failures = 0; ; failures++) {
    if (signal.aborted) return undefined;
    try {
      return await step(signal);
    } catch (err) {
      if (signal.aborted) return undefined;
      if (!transient(err)) throw err;
      const delay = Math.min(max, min * 2 ** failures);
      await sleep(delay / 2 + Math.random() * (delay / 2), signal);
    }
  }
}

function makeWatch<T>(outer: AbortSignal | undefined, run: (signal: AbortSignal) => AsyncGenerator<T, void, undefined>): Watch<T> {
  const ac = new AbortController();
  const onAbort = (): void => ac.abort();
  if (outer?.aborted) ac.abort();
  else outer?.addEventListener('abort', onAbort, { once: true });
  const gen = (async function* (): AsyncGenerator<T, void, undefined> {
    try {
      yield* run(ac.signal);
    } finally {
      outer?.removeEventListener('abort', onAbort);
    }
  })();
  const settle = async (r: Promise<IteratorResult<T, void>>): Promise<IteratorResult<T, undefined>> => {
    const res = await r;
    return res.done === true ? { done: true, value: undefined } : res;
  };
  const watch: Watch<T> = {
    next: () => settle(gen.next()),
    return: () => {
      ac.abort();
      return settle(gen.return(undefined));
    },
    [Symbol.asyncIterator]: () => watch,
  };
  return watch;
}

export function watchItem(k2v: Poller, pk: string, sk: string, opts: WatchItemOptions): Watch<Item> {
  return makeWatch<Item>(opts.signal, async function* (signal) {
    let token: CausalityToken | undefined = opts.since;
    if (token === undefined) {
      const current = await persist((s) => k2v.readItem(pk, sk, { signal: s }), signal, opts);
      if (signal.aborted) return;
      if (current !== undefined && opts.initial !== false) yield current;
      token = current?.token ?? EMPTY_TOKEN;
    }
    for (;;) {
      const seen: CausalityToken = token;
      const changed: Item | undefined = await persist((s) => k2v.pollItem(pk, sk, seen, { signal: s, ...timeout(opts) }), signal, opts);
      if (signal.aborted) return;
      if (changed === undefined) continue;
      yield changed;
      token = changed.token;
    }
  });
}

export function watchRange(
  k2v: Poller,
  pk: string,
  filter: { prefix?: string; start?: string; end?: string },
  opts: WatchRangeOptions,
): Watch<PollRangeResult> {
  return makeWatch<PollRangeResult>(opts.signal, async function* (signal) {
    let marker: string | undefined = opts.since;
    if (marker === undefined) {
      const first = await persist((s) => k2v.pollRange(pk, filter, { signal: s, ...timeout(opts) }), signal, opts);
      if (signal.aborted || first === undefined) return;
      if (first.items.length > 0 && opts.initial !== false) yield first;
      marker = first.seenMarker;
    }
    for (;;) {
      const seenMarker: string = marker;
      const changed: PollRangeResult | undefined = await persist((s) => k2v.pollRange(pk, { ...filter, seenMarker }, { signal: s, ...timeout(opts) }), signal, opts);
      if (signal.aborted) return;
      if (changed === undefined) continue;
      yield changed;
      marker = changed.seenMarker;
    }
  });
}

function timeout(opts: WatchOptions): { timeoutSeconds?: number } {
  return opts.timeoutSeconds === undefined ? {} : { timeoutSeconds: opts.timeoutSeconds };
}
