/**
 * InsertBatch `POST /<b>` (contract section 9): everything is validated before anything is
 * written, then the whole batch is applied atomically (Deviation: Garage is not transactional).
 */
import { decodeBase64Strict } from '../../k2v/base64.js';
import { decodeCausalityToken } from '../../k2v/causality-token.js';
import type { VectorClock } from '../../k2v/dvvs.js';
import { badRequest, K2vError } from '../../k2v/errors.js';
import type { ItemWrite } from '../../store/store.js';
import type { HandlerContext } from '../context.js';
import { asArray, asObject, checkPartitionKey, checkSortKey, optString, parseJson, reqString } from '../json-body.js';
import { sendNoContent } from '../respond.js';

export async function handleInsertBatch(ctx: HandlerContext): Promise<void> {
  const entries = asArray(parseJson(ctx.body), 'items', ctx.limits);
  const writes: ItemWrite[] = entries.map((raw) => {
    const o = asObject(raw, 'item');
    const pk = checkPartitionKey(reqString(o, 'pk'), ctx.limits);
    const sk = checkSortKey(reqString(o, 'sk'), ctx.limits);
    const ctText = optString(o, 'ct');
    let ct: VectorClock | undefined;
    if (ctText !== undefined) {
      ct = decodeCausalityToken(ctText);
      if (ct === undefined) throw new K2vError('CausalityToken', 'invalid causality token');
    }
    const vText = optString(o, 'v');
    let value: Uint8Array | null = null;
    if (vText !== undefined) {
      const decoded = decodeBase64Strict(vText);
      if (decoded === undefined) throw badRequest('invalid base64 value');
      if (decoded.byteLength > ctx.limits.maxValueBytes) {
        throw badRequest(`value larger than the limit of ${ctx.limits.maxValueBytes} bytes`);
      }
      value = decoded;
    }
    return { pk, sk, ct, value };
  });
  if (writes.length > 0) await ctx.store.write(ctx.bucketId, writes);
  sendNoContent(ctx);
}
