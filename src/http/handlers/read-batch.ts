/**
 * ReadBatch `POST /<b>?search` or `SEARCH /<b>` (contract section 9).
 *
 * Every query is validated first; then the response is streamed from one read snapshot, so that
 * an unlimited query over a whole partition (Aerogramme reads mailboxes this way) runs in bounded
 * memory (Deviation: Garage collects it in memory).
 */
import { isInConflict, isTombstoneOnly, type DvvsItem } from '../../k2v/dvvs.js';
import { scanStart, walkRange } from '../../k2v/range.js';
import type { Snapshot } from '../../store/store.js';
import { parseReadBatchQuery, rangeOf, type ReadBatchQuery } from '../batch-query.js';
import type { HandlerContext } from '../context.js';
import { endLater } from '../end-later.js';
import { asArray, parseJson } from '../json-body.js';
import { JSON_TYPE, writeChunk } from '../respond.js';
import { itemJson } from '../wire.js';

/** Flush the response in chunks of about this many characters. */
const CHUNK = 64 * 1024;

export async function handleReadBatch(ctx: HandlerContext): Promise<void> {
  const queries = asArray(parseJson(ctx.body), 'queries', ctx.limits).map((q) => parseReadBatchQuery(q, ctx.limits));
  const snap = ctx.store.snapshot();
  try {
    const res = ctx.res;
    for (const k in ctx.extraHeaders) res.setHeader(k, ctx.extraHeaders[k]!);
    res.writeHead(200, { 'content-type': JSON_TYPE });
    let buf = '[';
    for (let i = 0; i < queries.length; i++) {
      const q = queries[i]!;
      buf += (i > 0 ? ',' : '') + queryHead(q);
      let first = true;
      const walk = queryItems(snap, ctx.bucketId, q);
      let r = walk.next();
      while (r.done !== true) {
        buf += (first ? '' : ',') + itemJson(r.value.sk, r.value.item);
        first = false;
        if (buf.length >= CHUNK) {
          const wait = writeChunk(res, buf);
          buf = '';
          if (wait !== undefined) await wait;
        }
        r = walk.next();
      }
      buf += `],"more":${r.value.more},"nextStart":${JSON.stringify(r.value.nextStart)}}`;
    }
    buf += ']';
    endLater(res, buf);
  } finally {
    snap.close();
  }
}

function queryHead(q: ReadBatchQuery): string {
  const head = JSON.stringify({
    partitionKey: q.partitionKey,
    prefix: q.prefix ?? null,
    start: q.start ?? null,
    end: q.end ?? null,
    limit: q.limit ?? null,
    reverse: q.reverse,
    singleItem: q.singleItem,
    conflictsOnly: q.conflictsOnly,
    tombstones: q.tombstones,
  });
  // Re-open the object to append `items`, `more`, `nextStart` in the contract's order.
  return head.slice(0, -1) + ',"items":[';
}

interface Found {
  sk: string;
  item: DvvsItem;
}

function* queryItems(
  snap: Snapshot,
  bucketId: string,
  q: ReadBatchQuery,
): Generator<Found, { more: boolean; nextStart: string | null }> {
  const keep = (e: Found) => (q.tombstones || !isTombstoneOnly(e.item)) && (!q.conflictsOnly || isInConflict(e.item));
  if (q.singleItem) {
    const item = snap.getItem(bucketId, q.partitionKey, q.start!);
    if (item !== undefined && keep({ sk: q.start!, item })) yield { sk: q.start!, item };
    return { more: false, nextStart: null };
  }
  const spec = rangeOf(q);
  return yield* walkRange(snap.scanItems(bucketId, q.partitionKey, scanStart(spec), spec.reverse), (e) => e.sk, spec, keep);
}
