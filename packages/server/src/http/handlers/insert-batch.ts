/**
 * InsertBatch `POST /<b>` (contract section 9): everything is validated before anything is
 * written (insert-batch-body.ts), then the whole batch is applied atomically (Deviation: Garage
 * is not transactional).
 */
import type { HandlerContext } from '../context.js';
import { readInsertBatch } from '../insert-batch-body.js';
import { sendNoContent } from '../respond.js';

export async function handleInsertBatch(ctx: HandlerContext): Promise<void> {
  const writes = readInsertBatch(ctx.body, ctx.limits);
  if (writes.length > 0) await ctx.store.write(ctx.bucketId, writes);
  sendNoContent(ctx);
}
