/**
 * The `X-Garage-Causality-Token` request header of InsertItem and DeleteItem.
 */
import { decodeCausalityToken } from '../k2v/causality-token.js';
import type { VectorClock } from '../k2v/dvvs.js';
import { K2vError } from '../k2v/errors.js';
import { headerValue, TOKEN_HEADER, type HttpRequest } from './respond.js';

export function causalityHeader(req: HttpRequest): VectorClock | undefined {
  const raw = headerValue(req.headers, TOKEN_HEADER);
  if (raw === undefined) return undefined;
  const ctx = decodeCausalityToken(raw.trim());
  if (ctx === undefined) throw new K2vError('CausalityToken', 'invalid causality token');
  return ctx;
}
