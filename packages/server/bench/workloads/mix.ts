/**
 * An Aerogramme-like mix: per mailbox a log partition and a message partition of `rows` rows;
 * 45 % ReadBatch of 20 `singleItem` queries (message metadata by uid), 45 % ReadItem, ~10 %
 * InsertBatch (two new log rows and one message row updated with its latest token), and now and
 * then (0.1 %) a range DeleteBatch of 10 old log rows; meanwhile one PollItem (on a message row)
 * and one PollRange (on the log, from its tail: new events) watcher per mailbox, each re-issued
 * with the new token or marker as soon as it is answered, as a mail client does.
 */
import type { BenchContext } from '../context.js';
import { logPk, logSk, msgPk, msgSk, prng, shuffle, valueOf, type ItemName } from '../dataset.js';
import { RawConn } from '../polls/raw-conn.js';
import { headerOf } from '../load/response-parser.js';
import type { K2vTarget } from '../targets/k2v-target.js';
import type { Measured } from './drive.js';
import { deleteBatch, insertBatch, pollItem, pollRange, readBatch, readItem, type BatchEntry, type K2vBucket } from './k2v-requests.js';
import { writeRun, type Server } from './throughput.js';

const SINGLE_ITEMS_PER_READ_BATCH = 20;

export interface MixResult extends Measured {
  readonly preloadSeconds: number;
  readonly items: number;
  readonly watcherResponses: number;
  readonly watcherFailures: readonly string[];
}

export async function mix(ctx: BenchContext, k2v: K2vTarget, server: Server, b: K2vBucket, mailboxes: number, rows: number): Promise<MixResult> {
  const pre = await k2v.preload(b.bucketId, { layout: 'mailboxes', mailboxes, rows });
  const rnd = prng(42);
  const logNext = Array.from({ length: mailboxes }, () => rows);
  const delNext = Array.from({ length: mailboxes }, () => 0);
  // Message rows updated with their latest token: each at most once per file while there are enough.
  let updateCursor = 0;
  const updateOrder = shuffle(
    Array.from({ length: mailboxes * rows }, (_, i) => i),
    rnd,
  );
  const pickMsg = (): ItemName => {
    const m = Math.floor(rnd() * mailboxes);
    return { pk: msgPk(m), sk: msgSk(Math.floor(rnd() * rows)) };
  };

  const watchers = startWatchers(k2v, b, mailboxes, rows);
  let itemsTotal = 0;
  let requestsTotal = 0;
  try {
    const measured = await writeRun(ctx, server, 'mix', 1, async (n) => {
      const kinds = Array.from({ length: n }, () => rnd());
      const updates: ItemName[] = [];
      for (const r of kinds) {
        if (r >= 0.9 && r < 0.999) {
          const u = updateOrder[updateCursor++ % updateOrder.length]!;
          updates.push({ pk: msgPk(Math.floor(u / rows)), sk: msgSk(u % rows) });
        }
      }
      const tokens = await k2v.tokens(b.bucketId, updates);
      let u = 0;
      return kinds.map((r, k) => {
        const m = Math.floor(rnd() * mailboxes);
        requestsTotal++;
        if (r < 0.45) {
          const queries = Array.from({ length: SINGLE_ITEMS_PER_READ_BATCH }, () => {
            const it = pickMsg();
            return { partitionKey: it.pk, start: it.sk, singleItem: true };
          });
          itemsTotal += SINGLE_ITEMS_PER_READ_BATCH;
          return readBatch(b, queries);
        }
        if (r < 0.9) {
          itemsTotal += 1;
          return readItem(b, pickMsg());
        }
        if (r < 0.999) {
          const entries: BatchEntry[] = [0, 1].map(() => ({
            pk: logPk(m),
            sk: logSk(logNext[m]!++),
            ct: null,
            v: valueOf(k).toString('base64'),
          }));
          const up = updates[u]!;
          entries.push({ pk: up.pk, sk: up.sk, ct: tokens[u++] || null, v: valueOf(k + 1).toString('base64') });
          itemsTotal += entries.length;
          return insertBatch(b, entries);
        }
        const start = delNext[m]!;
        delNext[m] = start + 10;
        itemsTotal += 10;
        return deleteBatch(b, [{ partitionKey: logPk(m), start: logSk(start), end: logSk(start + 10) }]);
      });
    });
    const perRequest = itemsTotal / Math.max(1, requestsTotal);
    return {
      ...measured,
      itemsPerS: measured.rps * perRequest,
      preloadSeconds: pre.seconds,
      items: pre.items,
      watcherResponses: watchers.responses(),
      watcherFailures: watchers.failures(),
    };
  } finally {
    watchers.stop();
  }
}

interface Watchers {
  responses(): number;
  /** Watchers that stopped on an unexpected answer or error (each stops its loop). */
  failures(): readonly string[];
  stop(): void;
}

/** One PollItem and one PollRange loop per mailbox, re-signed after every answer. */
function startWatchers(k2v: K2vTarget, b: K2vBucket, mailboxes: number, rows: number): Watchers {
  let stopped = false;
  let responses = 0;
  const failures: string[] = [];
  const conns: RawConn[] = [];
  const loop = async (first: () => Promise<Buffer>, nextOf: (status: number, body: Buffer, token: string | undefined) => Buffer) => {
    const c = await RawConn.open(k2v.target);
    conns.push(c);
    let req = await first();
    while (!stopped) {
      const r = await c.request(req).catch(() => undefined);
      if (r === undefined || stopped) return;
      responses++;
      if (r.status !== 200 && r.status !== 304) throw new Error(`mix watcher: ${r.status} ${r.body.toString()}`);
      req = nextOf(r.status, r.body, headerOf(r, 'x-garage-causality-token'));
    }
  };
  for (let m = 0; m < mailboxes; m++) {
    const it = { pk: msgPk(m), sk: msgSk(0) };
    let token = '';
    void loop(
      async () => {
        token = (await k2v.tokens(b.bucketId, [it]))[0]!;
        return pollItem(b, it, token, 300);
      },
      (status, _body, t) => {
        if (status === 200 && t !== undefined) token = t;
        return pollItem(b, it, token, 300);
      },
    ).catch((err: unknown) => failures.push(String(err)));
    const range = { start: logSk(rows) };
    let marker: string | undefined;
    void loop(
      async () => pollRange(b, logPk(m), range),
      (status, body) => {
        if (status === 200) marker = (JSON.parse(body.toString()) as { seenMarker: string }).seenMarker;
        return pollRange(b, logPk(m), { ...range, ...(marker === undefined ? {} : { seenMarker: marker }), timeout: 300 });
      },
    ).catch((err: unknown) => failures.push(String(err)));
  }
  return {
    responses: () => responses,
    failures: () => failures,
    stop: () => {
      stopped = true;
      for (const c of conns) c.close();
    },
  };
}
