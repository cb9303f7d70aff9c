/**
 * DeleteItem `DELETE /<b>/<pk>?sort_key=<sk>` (contract section 6): writes a tombstone.
 */
import { causalityHeader } from '../causality-header.js';
import type { HandlerContext } from '../context.js';
import { sendNoContent } from '../respond.js';

export async function handleDeleteItem(ctx: HandlerContext, ep: { pk: string; sk: string }): Promise<void> {
  const ct = causalityHeader(ctx.req);
  await ctx.store.write(ctx.bucketId, [{ pk: ep.pk, sk: ep.sk, ct, value: null }]);
  sendNoContent(ctx);
}
