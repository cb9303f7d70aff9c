/**
 * ReadItem `GET /<b>/<pk>?sort_key=<sk>` (contract section 6).
 */
import { K2vError } from '../../k2v/errors.js';
import type { ItemView } from '../../store/item-view.js';
import { negotiate, type ReadFormat } from '../accept.js';
import type { HandlerContext } from '../context.js';
import { BINARY_TYPE, headerValue, send, sendJson, TOKEN_HEADER } from '../respond.js';

export async function handleReadItem(ctx: HandlerContext, ep: { pk: string; sk: string }): Promise<void> {
  // The format is decided before the item is read: 406 wins over 404.
  const format = negotiate(headerValue(ctx.req.headers, 'accept'));
  const item = await ctx.store.getItem(ctx.bucketId, ep.pk, ep.sk);
  if (item === undefined) throw new K2vError('NoSuchKey', 'Key not found');
  sendItem(ctx, item, format);
}

/**
 * Shared by ReadItem and PollItem, which answers "exactly like ReadItem": the distinct values
 * (dvvs.ts values(), as item-view.ts reads them from the record) and the item's token.
 */
export function sendItem(ctx: HandlerContext, item: ItemView, format: ReadFormat): void {
  const ranges: number[] = [];
  const count = item.distinctValues(ranges);
  const token = item.causalityToken();
  const binary = format === 'binary' || (format === 'either' && count === 1);
  if (!binary) {
    let json = '[';
    for (let i = 0; i < count; i++) {
      const from = ranges[2 * i]!;
      json += (i === 0 ? '' : ',') + (from < 0 ? 'null' : '"' + item.base64(from, ranges[2 * i + 1]!) + '"');
    }
    ctx.res.setHeader(TOKEN_HEADER, token);
    sendJson(ctx, 200, json + ']');
    return;
  }
  if (count !== 1) {
    send(ctx, 409, { [TOKEN_HEADER]: token });
    return;
  }
  const from = ranges[0]!;
  if (from < 0) send(ctx, 204, { 'content-type': BINARY_TYPE, [TOKEN_HEADER]: token });
  else send(ctx, 200, { 'content-type': BINARY_TYPE, [TOKEN_HEADER]: token }, item.value(from, ranges[1]!));
}
