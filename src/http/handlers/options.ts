/**
 * CORS preflight `OPTIONS` (contract section 11), answered before authentication.
 */
import { badRequest } from '../../k2v/errors.js';
import type { MetadataStore } from '../../store/metadata.js';
import { matchCorsRule, preflightHeaders } from '../cors.js';
import type { HandlerContext } from '../context.js';
import { headerValue, send } from '../respond.js';

export function handleOptions(ctx: Pick<HandlerContext, 'req' | 'res' | 'extraHeaders'>, meta: MetadataStore, bucket: string): void {
  // A bucket that is not a global alias (unknown, or a local alias that cannot be resolved before
  // authentication) gets a permissive answer, as Garage does.
  const bucketId = meta.resolveGlobalAlias(bucket);
  const rules = bucketId === undefined ? undefined : meta.getBucket(bucketId)?.corsRules;
  if (rules === undefined) {
    send(ctx, 200, { 'access-control-allow-origin': '*', 'access-control-allow-methods': '*' });
    return;
  }
  const origin = headerValue(ctx.req.headers, 'origin');
  const method = headerValue(ctx.req.headers, 'access-control-request-method');
  if (origin === undefined || method === undefined) {
    throw badRequest('CORS preflight needs Origin and Access-Control-Request-Method headers');
  }
  const requested = (headerValue(ctx.req.headers, 'access-control-request-headers') ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h.length > 0);
  const rule = matchCorsRule(rules, origin, method, requested);
  if (rule === undefined) throw badRequest('This CORS request is not allowed.');
  send(ctx, 200, preflightHeaders(rule, origin));
}
