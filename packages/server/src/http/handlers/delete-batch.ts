/**
 * DeleteBatch `POST /<b>?delete` (contract section 9): all queries are validated before anything
 * is deleted (Deviation), then each query's range is tombstoned in one store transaction.
 */
import { parseDeleteBatchQuery } from '../batch-query.js';
import type { HandlerContext } from '../context.js';
import { asArray, parseJson } from '../json-body.js';
import { sendJson } from '../respond.js';

export async function handleDeleteBatch(ctx: HandlerContext): Promise<void> {
  const queries = asArray(parseJson(ctx.body), 'queries', ctx.limits).map((q) => parseDeleteBatchQuery(q, ctx.limits));
  const out: object[] = [];
  for (const q of queries) {
    // A single item is the range [sk, sk + "\0"): appending a zero byte gives the next key.
    const range = q.singleItem
      ? { start: q.start, end: q.start + '\u0000', reverse: false }
      : { prefix: q.prefix, start: q.start, end: q.end, reverse: false };
    const deletedItems = await ctx.store.deleteRange(ctx.bucketId, q.partitionKey, range);
    out.push({
      partitionKey: q.partitionKey,
      prefix: q.prefix ?? null,
      start: q.start ?? null,
      end: q.end ?? null,
      singleItem: q.singleItem,
      deletedItems,
    });
  }
  sendJson(ctx, 200, JSON.stringify(out));
}
