/**
 * InsertItem `PUT /<b>/<pk>?sort_key=<sk>` (contract section 6): the raw body is the value.
 */
import { causalityHeader } from '../causality-header.js';
import type { HandlerContext } from '../context.js';
import { sendNoContent } from '../respond.js';

export async function handleInsertItem(ctx: HandlerContext, ep: { pk: string; sk: string }): Promise<void> {
  const ct = causalityHeader(ctx.req);
  const value = new Uint8Array(ctx.body.buffer, ctx.body.byteOffset, ctx.body.byteLength);
  await ctx.store.write(ctx.bucketId, [{ pk: ep.pk, sk: ep.sk, ct, value }]);
  sendNoContent(ctx);
}
