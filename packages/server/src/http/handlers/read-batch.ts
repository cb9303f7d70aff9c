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
import type { ItemRef, Snapshot } from '../../store/store.js';
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
    const points = new SingleItemReads(snap, ctx.bucketId, queries);
    for (let i = 0; i < queries.length; i++) {
      const q = queries[i]!;
      out.text((i > 0 ? ',' : '') + queryHead(q));
      const end = q.singleItem ? await writeItem(await points.get(i), q, out, res) : await writeItems(snap, ctx.bucketId, q, out, res);
      out.text(`],"more":${end.more},"nextStart":${JSON.stringify(end.nextStart)}}`);
    }
    out.text(']');
    res.end(out.take());
  });
}

/** JSON text of a string field that may be absent (null). */
const orNull = (s: string | undefined): string => (s === undefined ? 'null' : JSON.stringify(s));

/**
 * The query's fields in the contract's order, and the opening of its `items` (then `more` and
 * `nextStart` follow). Assembled by hand, only strings through JSON.stringify: stringifying an
 * object per query was 4-5 % of the server's time under the Aerogramme-like mix (20 queries per
 * ReadBatch). Same text as `JSON.stringify` of the object (tested).
 */
export function queryHead(q: ReadBatchQuery): string {
  return (
    `{"partitionKey":${JSON.stringify(q.partitionKey)},"prefix":${orNull(q.prefix)},"start":${orNull(q.start)},"end":${orNull(q.end)},` +
    `"limit":${q.limit ?? 'null'},"reverse":${q.reverse},"singleItem":${q.singleItem},"conflictsOnly":${q.conflictsOnly},"tombstones":${q.tombstones},"items":[`
  );
}

const DONE: RangeEnd = { more: false, nextStart: null };
const skOf = (v: ItemView): string => v.sk;

/** `singleItem` queries read together, at most this many per store call (records held at once). */
const POINT_READS_PER_CALL = 32;

/**
 * The items of the `singleItem` queries, read a run of consecutive ones at a time through one
 * `getItems` call (a mail client asks for 20 messages by uid in one ReadBatch).
 */
class SingleItemReads {
  private items: readonly (ItemView | undefined)[] = [];
  private from = 0;

  constructor(
    private readonly snap: Snapshot,
    private readonly bucketId: string,
    private readonly queries: readonly ReadBatchQuery[],
  ) {}

  /** The item of `singleItem` query i. */
  async get(i: number): Promise<ItemView | undefined> {
    if (i < this.from || i >= this.from + this.items.length) {
      const refs: ItemRef[] = [];
      for (let j = i; j < this.queries.length && refs.length < POINT_READS_PER_CALL && this.queries[j]!.singleItem; j++) {
        refs.push({ pk: this.queries[j]!.partitionKey, sk: this.queries[j]!.start! });
      }
      this.items = await this.snap.getItems(this.bucketId, refs);
      this.from = i;
    }
    return this.items[i - this.from];
  }
}

/** Writes the item of a `singleItem` query if it passes the query's filter. */
async function writeItem(item: ItemView | undefined, q: ReadBatchQuery, out: JsonOut, res: ResponseStream): Promise<RangeEnd> {
  const keep = itemFilterOf({ skipTombstones: !q.tombstones, conflictsOnly: q.conflictsOnly });
  if (item !== undefined && (keep === undefined || keep(item))) out.item(item, true);
  await flushIfFull(out, res);
  return DONE;
}

/** Hands a full chunk to the response, waiting while the client is slow to take it. */
async function flushIfFull(out: JsonOut, res: ResponseStream): Promise<void> {
  if (out.chars < CHUNK) return;
  const wait = res.write(out.take());
  if (wait !== undefined) await wait;
}

/** Writes the items of one range query, flushing full chunks as it goes; returns how the walk ended. */
async function writeItems(snap: Snapshot, bucketId: string, q: ReadBatchQuery, out: JsonOut, res: ResponseStream): Promise<RangeEnd> {
  const filter = { skipTombstones: !q.tombstones, conflictsOnly: q.conflictsOnly };
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
      if (out.chars >= CHUNK) await flushIfFull(out, res);
    }
  }
  return walker.end();
}
