/**
 * ReadBatch `POST /<b>?search` or `SEARCH /<b>` (contract section 9).
 *
 * Every query is validated first; then the response is streamed from one read snapshot, so that
 * an unlimited query over a whole partition (Aerogramme reads mailboxes this way) runs in bounded
 * memory (Deviation: Garage collects it in memory).
 */
import { scanStart, walkRange, type RangeEnd } from '../../k2v/range.js';
import type { ItemView } from '../../store/item-view.js';
import type { Snapshot } from '../../store/store.js';
import { parseReadBatchQuery, rangeOf, type ReadBatchQuery } from '../batch-query.js';
import type { HandlerContext } from '../context.js';
import { asArray, parseJson } from '../json-body.js';
import { JsonOut } from '../json-out.js';
import { beginStream, JSON_TYPE } from '../respond.js';

/** Flush the response in chunks of about this many characters. */
const CHUNK = 64 * 1024;
/** First buffer of a response: a query of 100 items of 100 bytes takes ~20 KB. */
const RESPONSE_BYTES = 32 * 1024;

export async function handleReadBatch(ctx: HandlerContext): Promise<void> {
  const queries = asArray(parseJson(ctx.body), 'queries', ctx.limits).map((q) => parseReadBatchQuery(q, ctx.limits));
  const snap = ctx.store.snapshot();
  try {
    const res = beginStream(ctx, 200, { 'content-type': JSON_TYPE });
    const out = new JsonOut(RESPONSE_BYTES);
    out.text('[');
    for (let i = 0; i < queries.length; i++) {
      const q = queries[i]!;
      out.text((i > 0 ? ',' : '') + queryHead(q));
      let first = true;
      const walk = queryItems(snap, ctx.bucketId, q);
      let r = walk.next();
      while (r.done !== true) {
        out.item(r.value, first);
        first = false;
        if (out.chars >= CHUNK) {
          const wait = res.write(out.take());
          if (wait !== undefined) await wait;
        }
        r = walk.next();
      }
      out.text(`],"more":${r.value.more},"nextStart":${JSON.stringify(r.value.nextStart)}}`);
    }
    out.text(']');
    res.end(out.take());
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

/** The items of one query; the range walk itself is returned, not wrapped (once per item). */
function queryItems(snap: Snapshot, bucketId: string, q: ReadBatchQuery): Generator<ItemView, RangeEnd> {
  const keep = (e: ItemView) => (q.tombstones || !e.isTombstoneOnly()) && (!q.conflictsOnly || e.isInConflict());
  if (q.singleItem) return singleItem(snap.getItemView(bucketId, q.partitionKey, q.start!), keep);
  const spec = rangeOf(q);
  return walkRange(snap.scanItemViews(bucketId, q.partitionKey, scanStart(spec), spec.reverse), (e) => e.sk, spec, keep);
}

function* singleItem(item: ItemView | undefined, keep: (e: ItemView) => boolean): Generator<ItemView, RangeEnd> {
  if (item !== undefined && keep(item)) yield item;
  return { more: false, nextStart: null };
}
