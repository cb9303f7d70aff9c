/**
 * CORS preflight `OPTIONS` (contract section 11), answered before authentication.
 */
import type { MetadataStore } from '../../store/metadata.js';
import type { HandlerContext } from '../context.js';
import { PERMISSIVE_PREFLIGHT_HEADERS, preflight } from '../cors.js';
import { send } from '../respond.js';

export function handleOptions(ctx: Pick<HandlerContext, 'req' | 'res' | 'extraHeaders'>, meta: MetadataStore, bucket: string): void {
  // A bucket that is not a global alias (unknown, or a local alias that cannot be resolved before
  // authentication) gets a permissive answer, as Garage does.
  const bucketId = meta.resolveGlobalAlias(bucket);
  const rules = bucketId === undefined ? undefined : meta.getBucket(bucketId)?.corsRules;
  if (rules === undefined) {
    send(ctx, 200, { ...PERMISSIVE_PREFLIGHT_HEADERS });
    return;
  }
  const h = ctx.req.headers;
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  send(
    ctx,
    200,
    preflight(rules, {
      origin: first(h['origin']),
      requestMethod: first(h['access-control-request-method']),
      requestHeaders: first(h['access-control-request-headers']),
    }),
  );
}
