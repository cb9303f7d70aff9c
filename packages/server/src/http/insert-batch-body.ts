/**
 * The writes of an InsertBatch body (contract section 9), every one checked before anything is
 * written: through insert-batch-bytes.ts for bodies in the common shape, else through JSON.parse.
 */
import type { Limits } from '../config/limits.js';
import { decodeBase64Strict } from '../k2v/base64.js';
import { decodeCausalityToken } from '../k2v/causality-token.js';
import type { VectorClock } from '../k2v/dvvs.js';
import { badRequest, K2vError } from '../k2v/errors.js';
import type { ItemWrite } from '../store/store.js';
import { readInsertBatchBytes } from './insert-batch-bytes.js';
import { asArray, asObject, checkPartitionKey, checkSortKey, optString, parseJson, reqString } from './json-body.js';

export function readInsertBatch(body: Buffer, limits: Limits): ItemWrite[] {
  return readInsertBatchBytes(body, limits) ?? readInsertBatchJson(body, limits);
}

/** The general path: any JSON, and the exact refusal of every body the contract refuses. */
export function readInsertBatchJson(body: Buffer, limits: Limits): ItemWrite[] {
  const entries = asArray(parseJson(body), 'items', limits);
  return entries.map((raw) => {
    const o = asObject(raw, 'item');
    const pk = checkPartitionKey(reqString(o, 'pk'), limits);
    const sk = checkSortKey(reqString(o, 'sk'), limits);
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
      if (decoded.byteLength > limits.maxValueBytes) {
        throw badRequest(`value larger than the limit of ${limits.maxValueBytes} bytes`);
      }
      value = decoded;
    }
    return { pk, sk, ct, value };
  });
}
