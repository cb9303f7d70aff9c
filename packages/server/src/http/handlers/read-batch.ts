/**
 * ReadBatch `POST /<b>?search` or `SEARCH /<b>` (contract section 9).
 *
 * Every query is validated first; then the response is streamed from one read snapshot, so that
 * an unlimited query over a whole partition (Aerogramme reads mailboxes this way) runs in bounded
 * memory (Deviation: Garage collects it in memory).
 */
import { RangeWalker, type RangeEnd } from '../../k2v/range.js';
import type { ItemView } from '../../store/item-view.js';
import { itemFilterOf, itemScanQueryOf } from '../../store/scan-query.js';
import type { Snapshot } from '../../store/store.js';
import { parseReadBatchQuery, rangeOf, type ReadBatchQuery } from '../batch-query.js';
import type { HandlerContext } from '../context.js';
import { asArray, parseJson } from '../json-body.js';
import { JsonOut } from '../json-out.js';
import { beginStream, JSON_TYPE, type ResponseStream } from '../respond.js';

/** Flush the response in chunks of about this many characters. */
const CHUNK = 64 * 1024;
/** First buffer of a response: a query of 100 items of 100 bytes takes ~20 KB. */
const RESPONSE_BYTES = 32 * 1024;

export async function handleReadBatch(ctx: HandlerContext): Promise<void> {
  const queries = asArray(parseJson(ctx.body), 'queries', ctx.limits).map((q) => parseReadBatchQuery(q, ctx.limits));
  await ctx.store.read(async (snap) => {
    const res = beginStream(ctx, 200, { 'content-type': JSON_TYPE });
    const out = new JsonOut(RESPONSE_BYTES);
    out.text('[');
    for (let i = 0; i < queries.length; i++) {
      const q = queries[i]!;
      out.text((i > 0 ? ',' : '') + queryHead(q));
      const end = await writeItems(snap, ctx.bucketId, q, out, res);
      out.text(`],"more":${end.more},"nextStart":${JSON.stringify(end.nextStart)}}`);
    }
    out.text(']');
    res.end(out.take());
  });
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

const DONE: RangeEnd = { more: false, nextStart: null };
const skOf = (v: ItemView): string => v.sk;

/** Writes the items of one query, flushing full chunks as it goes; returns how the walk ended. */
async function writeItems(snap: Snapshot, bucketId: string, q: ReadBatchQuery, out: JsonOut, res: ResponseStream): Promise<RangeEnd> {
  const filter = { skipTombstones: !q.tombstones, conflictsOnly: q.conflictsOnly };
  if (q.singleItem) {
    const item = await snap.getItem(bucketId, q.partitionKey, q.start!);
    const keep = itemFilterOf(filter);
    if (item !== undefined && (keep === undefined || keep(item))) out.item(item, true);
    return DONE;
  }
  const spec = rangeOf(q);
  const scanQuery = itemScanQueryOf(spec, filter);
  const walker = new RangeWalker(spec, skOf, itemFilterOf(scanQuery));
  let first = true;
  scan: for await (const page of snap.scanItems(bucketId, q.partitionKey, scanQuery)) {
    for (let i = 0; i < page.length; i++) {
      const item = page[i]!;
      const o = walker.offer(item);
      if (o === 'stop') break scan;
      if (o === 'skip') continue;
      out.item(item, first);
      first = false;
      if (out.chars >= CHUNK) {
        const wait = res.write(out.take());
        if (wait !== undefined) await wait;
      }
    }
  }
  return walker.end();
}
