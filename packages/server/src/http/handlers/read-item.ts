/**
 * ReadItem `GET /<b>/<pk>?sort_key=<sk>` (contract section 6).
 */
import { encodeCausalityToken } from '../../k2v/causality-token.js';
import { causalContext, values, type DvvsItem } from '../../k2v/dvvs.js';
import { K2vError } from '../../k2v/errors.js';
import { negotiate, type ReadFormat } from '../accept.js';
import type { HandlerContext } from '../context.js';
import { BINARY_TYPE, headerValue, send, sendJson, TOKEN_HEADER } from '../respond.js';
import { wireValue } from '../wire.js';

export function handleReadItem(ctx: HandlerContext, ep: { pk: string; sk: string }): void {
  // The format is decided before the item is read: 406 wins over 404.
  const format = negotiate(headerValue(ctx.req.headers, 'accept'));
  const item = ctx.store.getItem(ctx.bucketId, ep.pk, ep.sk);
  if (item === undefined) throw new K2vError('NoSuchKey', 'Key not found');
  sendItem(ctx, item, format);
}

/** Shared by ReadItem and PollItem, which answers "exactly like ReadItem". */
export function sendItem(ctx: HandlerContext, item: DvvsItem, format: ReadFormat): void {
  const vals = values(item);
  const token = encodeCausalityToken(causalContext(item));
  const binary = format === 'binary' || (format === 'either' && vals.length === 1);
  if (!binary) {
    ctx.res.setHeader(TOKEN_HEADER, token);
    sendJson(ctx, 200, JSON.stringify(vals.map(wireValue)));
    return;
  }
  if (vals.length !== 1) {
    send(ctx, 409, { [TOKEN_HEADER]: token });
    return;
  }
  const v = vals[0]!;
  if (v === null) send(ctx, 204, { 'content-type': BINARY_TYPE, [TOKEN_HEADER]: token });
  else send(ctx, 200, { 'content-type': BINARY_TYPE, [TOKEN_HEADER]: token }, v);
}
