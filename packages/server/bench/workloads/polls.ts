/**
 * The long-poll workloads: idle polls held open (server RSS and CPU while nothing happens), the
 * delay from a commit to each watcher's response, and the churn of abandoned polls.
 */
import type { BenchContext } from '../context.js';
import { ITEMS_PER_PARTITION, gridItem, gridPk, valueOf, wideSk, type ItemName } from '../dataset.js';
import { CpuMeter, rssAnonBytes, rssBytes } from '../proc-stats.js';
import { openMany, RawConn } from '../polls/raw-conn.js';
import type { K2vTarget } from '../targets/k2v-target.js';
import { insertItem, pollItem, pollRange, type K2vBucket } from './k2v-requests.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const EMPTY_TOKEN = 'AAAAAAAAAAA';

export interface IdleSample {
  readonly rssBytes: number;
  readonly rssAnonBytes: number;
  readonly cpuPct: number;
}

/** Full GC in the server, a moment to settle, then its CPU over `seconds` and its RSS. */
export async function measureIdle(k2v: K2vTarget, seconds: number): Promise<IdleSample> {
  await k2v.gc();
  await sleep(500);
  const cpu = new CpuMeter(k2v.pid);
  await sleep(seconds * 1000);
  return { cpuPct: cpu.percent(), rssBytes: rssBytes(k2v.pid), rssAnonBytes: rssAnonBytes(k2v.pid) };
}

async function waitForWaiters(k2v: K2vTarget, pred: (n: number) => boolean, timeoutMs: number, pollMs = 100): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { waiters } = await k2v.stats();
    if (pred(waiters) || Date.now() > deadline) return waiters;
    await sleep(pollMs);
  }
}

export interface IdlePollsResult {
  readonly kind: 'PollItem' | 'PollRange';
  readonly polls: number;
  /** Waiters the server counted while they were held. */
  readonly registered: number;
  readonly base: IdleSample;
  readonly held: IdleSample;
  readonly setupSeconds: number;
  /** Polls answered while they should have been waiting (must be 0). */
  readonly answeredEarly: number;
}

/** Item i of a spread over every loaded partition (distinct partitions while there are enough). */
function spreadItem(i: number, loaded: number): ItemName {
  const partitions = Math.max(1, Math.floor(loaded / ITEMS_PER_PARTITION));
  const p = i % partitions;
  const s = Math.floor(i / partitions) % ITEMS_PER_PARTITION;
  return gridItem(Math.min(loaded - 1, p * ITEMS_PER_PARTITION + s));
}

/**
 * `n` idle polls, each on its own connection: PollItem with the item's current token, or
 * PollRange with a fresh seen marker over the first 10 items of a partition.
 */
export async function idlePolls(ctx: BenchContext, k2v: K2vTarget, b: K2vBucket, kind: 'PollItem' | 'PollRange', n: number, loaded: number): Promise<IdlePollsResult> {
  const base = await measureIdle(k2v, ctx.opts.idleS);
  const t0 = Date.now();
  let reqs: Buffer[];
  if (kind === 'PollItem') {
    const items = Array.from({ length: n }, (_, i) => spreadItem(i, loaded));
    const tokens = await k2v.tokens(b.bucketId, items);
    reqs = items.map((it, i) => pollItem(b, it, tokens[i]!, 600));
  } else {
    reqs = await rangeMarkers(k2v, b, n, loaded);
  }
  const conns = await openMany(k2v.target, n);
  let answeredEarly = 0;
  let sample = '';
  conns.forEach((c, i) =>
    c.request(reqs[i]!).then(
      (r) => {
        answeredEarly++;
        sample ||= `${r.status} ${r.body.toString().slice(0, 300)}`;
      },
      () => undefined,
    ),
  );
  const registered = await waitForWaiters(k2v, (w) => w >= n || answeredEarly > 0, 120_000);
  if (answeredEarly > 0) {
    for (const c of conns) c.reset();
    throw new Error(`idle ${kind}: ${answeredEarly} polls answered at once, e.g. ${sample}`);
  }
  const setupSeconds = (Date.now() - t0) / 1000;
  const held = await measureIdle(k2v, ctx.opts.idleS);
  for (const c of conns) c.reset();
  await waitForWaiters(k2v, (w) => w === 0, 30_000);
  return { kind, polls: n, registered, base, held, setupSeconds, answeredEarly };
}

/** Signs `n` PollRange requests, each with the seen marker of a first, marker-less PollRange. */
async function rangeMarkers(k2v: K2vTarget, b: K2vBucket, n: number, loaded: number): Promise<Buffer[]> {
  const partitions = Math.max(1, Math.floor(loaded / ITEMS_PER_PARTITION));
  const conns = await openMany(k2v.target, 16);
  const out: Buffer[] = new Array<Buffer>(n);
  let next = 0;
  await Promise.all(
    conns.map(async (c) => {
      while (next < n) {
        const i = next++;
        const pk = gridPk(i % partitions);
        const r = await c.request(pollRange(b, pk, { prefix: 's00' }));
        if (r.status !== 200) throw new Error(`PollRange without marker: ${r.status} ${r.body.toString()}`);
        const marker = (JSON.parse(r.body.toString()) as { seenMarker: string }).seenMarker;
        out[i] = pollRange(b, pk, { prefix: 's00', seenMarker: marker, timeout: 600 });
      }
    }),
  );
  for (const c of conns) c.close();
  return out;
}

// ---- wake-up delay --------------------------------------------------------------------------

export interface WakeupResult {
  readonly wakeups: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly watchersPerCommit: number;
  /** Items in the range the PollRange watchers watch (besides the new item). */
  readonly rangeItems: number;
  /**
   * The three rounds whose slowest watcher waited longest: the round, that delay, and its commit
   * instant in ms on the server's own clock (the times of its --trace-gc lines), to find what the
   * server did then.
   */
  readonly slowestRounds: readonly { readonly round: number; readonly maxMs: number; readonly commitAtMs: number }[];
  /** The first and last rounds' commit instants on the server's clock (ms). */
  readonly commitsAtMs: readonly [number, number];
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Rounds of 5 PollItem + 5 PollRange watchers on one new item; once the server holds all ten,
 * the item is written, and each watcher's delay is the instant its response is complete minus
 * the instant the server published the durable commit to its subscribers (both CLOCK_MONOTONIC).
 * With `rangeItems` > 0, the PollRange watchers watch a partition preloaded with that many items
 * (and every item written so far), so a wake-up that re-read the range would pay for all of them.
 */
export async function wakeups(k2v: K2vTarget, b: K2vBucket, n: number, rangeItems = 0): Promise<WakeupResult> {
  const PER = 10;
  const pk = rangeItems > 0 ? 'wide' : 'wake';
  if (rangeItems > 0) await k2v.preload(b.bucketId, { layout: 'wide', pk, items: rangeItems });
  await k2v.recordCommits(b.bucketId, pk);
  const watchers = await openMany(k2v.target, PER);
  let writer = await RawConn.open(k2v.target);
  const delays: number[] = [];
  const rounds: { round: number; maxMs: number; commitAtMs: number }[] = [];
  const atStart = BigInt((await k2v.stats()).hrtimeAtStart);
  let marker: string | undefined;
  let scanMs = 0;
  try {
    for (let round = 0; delays.length < n; round++) {
      const it = { pk, sk: rangeItems > 0 ? wideSk(rangeItems + round) : 'r' + String(round).padStart(7, '0') };
      const prefix = rangeItems > 0 ? 'w' : it.sk;
      if (rangeItems === 0 || marker === undefined) {
        const t0 = performance.now();
        const first = await watchers[PER - 1]!.request(pollRange(b, pk, { prefix }));
        scanMs = performance.now() - t0;
        marker = (JSON.parse(first.body.toString()) as { seenMarker: string }).seenMarker;
      }
      const seenMarker = marker;
      const responses = watchers.map((c, i) =>
        c.request(i < PER / 2 ? pollItem(b, it, EMPTY_TOKEN, 60) : pollRange(b, pk, { prefix, seenMarker, timeout: 60 })),
      );
      const held = await waitForWaiters(k2v, (w) => w >= PER, 10_000, 1);
      if (held < PER) throw new Error(`only ${held} of ${PER} watchers registered`);
      // A PollRange with a marker first reads its whole range once (to learn that nothing is new):
      // let those first reads end, so that what is measured is the wake-up, not the set-up.
      if (rangeItems > 0) await sleep(Math.min(2_000, scanMs * (PER / 2)));
      // (after such a wait the server may have closed an idle keep-alive connection)
      if (rangeItems > 0) {
        writer.close();
        writer = await RawConn.open(k2v.target);
      }
      const w = await writer.request(insertItem(b, it, valueOf(round), undefined));
      if (w.status !== 204) throw new Error(`wake-up write: ${w.status} ${w.body.toString()}`);
      const got = await Promise.all(responses);
      const bad = got.find((r) => r.status !== 200);
      if (bad !== undefined) throw new Error(`watcher answered ${bad.status}: ${bad.body.toString()}`);
      marker = (JSON.parse(got[PER - 1]!.body.toString()) as { seenMarker: string }).seenMarker;
      const commit = (await k2v.commitTimes()).get(`${pk}\n${it.sk}`);
      if (commit === undefined) throw new Error('no commit instant recorded');
      let maxMs = 0;
      for (const c of watchers) {
        const d = Number(c.lastResponseAt - commit) / 1e6;
        delays.push(d);
        maxMs = Math.max(maxMs, d);
      }
      rounds.push({ round, maxMs, commitAtMs: Number(commit - atStart) / 1e6 });
    }
  } finally {
    for (const c of watchers) c.close();
    writer.close();
    await k2v.stopRecording();
  }
  const sorted = delays.slice(0, n).sort((a, b) => a - b);
  return {
    wakeups: sorted.length,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted[sorted.length - 1]!,
    watchersPerCommit: PER,
    rangeItems,
    commitsAtMs: [rounds[0]?.commitAtMs ?? NaN, rounds[rounds.length - 1]?.commitAtMs ?? NaN],
    slowestRounds: rounds.sort((a, b) => b.maxMs - a.maxMs).slice(0, 3),
  };
}

// ---- churn of abandoned polls ---------------------------------------------------------------

export interface ChurnResult {
  readonly seconds: number;
  readonly ratePerS: number;
  readonly aborted: number;
  readonly before: { readonly rssBytes: number; readonly waiters: number };
  readonly peak: { readonly rssBytes: number; readonly waiters: number };
  readonly after: { readonly rssBytes: number; readonly waiters: number };
  readonly cpuPct: number;
  readonly answered: number;
}

/**
 * As Aerogramme abandons and re-issues its polls: every 100 ms, the oldest tenth of a second's
 * worth of PollItems is reset (TCP RST, as a dropped client) and as many new ones are issued, on
 * new connections, for `seconds`.
 */
export async function churn(k2v: K2vTarget, b: K2vBucket, rate: number, seconds: number, loaded: number): Promise<ChurnResult> {
  const items = Array.from({ length: rate }, (_, i) => spreadItem(i, loaded));
  const tokens = await k2v.tokens(b.bucketId, items);
  const reqs = items.map((it, i) => pollItem(b, it, tokens[i]!, 600));
  await k2v.gc();
  await sleep(300);
  const before = { rssBytes: rssBytes(k2v.pid), waiters: (await k2v.stats()).waiters };
  const peak = { ...before };
  const open: RawConn[] = [];
  const perTick = Math.max(1, Math.round(rate / 10));
  let next = 0;
  let aborted = 0;
  let answered = 0;
  const cpu = new CpuMeter(k2v.pid);
  const end = Date.now() + seconds * 1000;
  let tick = 0;
  while (Date.now() < end) {
    const tickStart = Date.now();
    if (open.length >= rate) {
      for (const c of open.splice(0, perTick)) c.reset();
      aborted += perTick;
    }
    const fresh = await Promise.all(Array.from({ length: perTick }, () => RawConn.open(k2v.target)));
    for (const c of fresh) {
      c.request(reqs[next++ % reqs.length]!).then(
        () => answered++,
        () => undefined,
      );
      open.push(c);
    }
    if (++tick % 10 === 0) {
      const { waiters } = await k2v.stats();
      peak.waiters = Math.max(peak.waiters, waiters);
      peak.rssBytes = Math.max(peak.rssBytes, rssBytes(k2v.pid));
    }
    await sleep(Math.max(0, 100 - (Date.now() - tickStart)));
  }
  const cpuPct = cpu.percent();
  for (const c of open.splice(0)) c.reset();
  const waitersLeft = await waitForWaiters(k2v, (w) => w <= before.waiters, 30_000);
  await k2v.gc();
  await sleep(300);
  return {
    seconds,
    ratePerS: rate,
    aborted,
    before,
    peak,
    after: { rssBytes: rssBytes(k2v.pid), waiters: waitersLeft },
    cpuPct,
    answered,
  };
}
