/**
 * PollItem `GET /<b>/<pk>?sort_key=<sk>&causality_token=<ct>[&timeout=<s>]` (contract section 6):
 * waits until the item's causal context is newer than the token, then answers like ReadItem.
 */
import { decodeCausalityToken } from '../../k2v/causality-token.js';
import { causalContext, isNewer } from '../../k2v/dvvs.js';
import { badRequest } from '../../k2v/errors.js';
import type { ItemView } from '../../store/item-view.js';
import { negotiate } from '../accept.js';
import type { HandlerContext } from '../context.js';
import { longPoll, pollTimeoutMs } from '../long-poll.js';
import { headerValue } from '../respond.js';
import { sendItem } from './read-item.js';

export function handlePollItem(
  ctx: HandlerContext,
  ep: { pk: string; sk: string; causalityToken: string; timeout: number | undefined },
): Promise<void> {
  const seen = decodeCausalityToken(ep.causalityToken);
  if (seen === undefined) throw badRequest('invalid causality token');
  const format = negotiate(headerValue(ctx.req.headers, 'accept'));
  return longPoll<ItemView>(ctx, {
    timeoutMs: pollTimeoutMs(ep.timeout),
    subscribe: (wake) =>
      ctx.store.subscribe(
        ctx.bucketId,
        ep.pk,
        (change) => {
          if (change.sk === ep.sk) wake();
        },
        wake,
      ),
    check: async () => {
      const item = await ctx.store.getItem(ctx.bucketId, ep.pk, ep.sk);
      return item !== undefined && isNewer(causalContext(item.toItem()), seen) ? item : undefined;
    },
    respond: (item) => sendItem(ctx, item, format),
  });
}
