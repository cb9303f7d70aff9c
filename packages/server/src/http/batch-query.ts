/**
 * Validation of ReadBatch and DeleteBatch queries (contract section 9), all before any work.
 */
import type { Limits } from '../config/limits.js';
import { badRequest } from '../k2v/errors.js';
import { checkRange, type RangeSpec } from '../k2v/range.js';
import { asObject, checkPartitionKey, optBool, optString, optUint, reqString } from './json-body.js';

export interface ReadBatchQuery {
  readonly partitionKey: string;
  readonly prefix: string | undefined;
  readonly start: string | undefined;
  readonly end: string | undefined;
  readonly limit: number | undefined;
  readonly reverse: boolean;
  readonly singleItem: boolean;
  readonly conflictsOnly: boolean;
  readonly tombstones: boolean;
}

export interface DeleteBatchQuery {
  readonly partitionKey: string;
  readonly prefix: string | undefined;
  readonly start: string | undefined;
  readonly end: string | undefined;
  readonly singleItem: boolean;
}

export function parseReadBatchQuery(raw: unknown, limits: Limits): ReadBatchQuery {
  const o = asObject(raw, 'query');
  const q: ReadBatchQuery = {
    partitionKey: checkPartitionKey(reqString(o, 'partitionKey'), limits),
    prefix: optString(o, 'prefix'),
    start: optString(o, 'start'),
    end: optString(o, 'end'),
    limit: optUint(o, 'limit'),
    reverse: optBool(o, 'reverse'),
    singleItem: optBool(o, 'singleItem'),
    conflictsOnly: optBool(o, 'conflictsOnly'),
    tombstones: optBool(o, 'tombstones'),
  };
  if (q.singleItem) {
    if (q.prefix !== undefined || q.end !== undefined || q.limit !== undefined || q.reverse) {
      throw badRequest("Batch query parameters 'prefix', 'end', 'limit' and 'reverse' must not be set when singleItem is true.");
    }
    if (q.start === undefined) throw badRequest('start should be specified if singleItem is set');
  } else {
    const err = checkRange(rangeOf(q));
    if (err !== undefined) throw err;
  }
  return q;
}

export function parseDeleteBatchQuery(raw: unknown, limits: Limits): DeleteBatchQuery {
  const o = asObject(raw, 'query');
  const q: DeleteBatchQuery = {
    partitionKey: checkPartitionKey(reqString(o, 'partitionKey'), limits),
    prefix: optString(o, 'prefix'),
    start: optString(o, 'start'),
    end: optString(o, 'end'),
    singleItem: optBool(o, 'singleItem'),
  };
  if (q.singleItem) {
    if (q.prefix !== undefined || q.end !== undefined) {
      throw badRequest("Batch query parameters 'prefix' and 'end' must not be set when singleItem is true.");
    }
    if (q.start === undefined) throw badRequest('start should be specified if singleItem is set');
  } else {
    const err = checkRange(rangeOf({ ...q, limit: undefined, reverse: false }));
    if (err !== undefined) throw err;
  }
  return q;
}

export function rangeOf(q: {
  prefix: string | undefined;
  start: string | undefined;
  end: string | undefined;
  limit: number | undefined;
  reverse: boolean;
}): RangeSpec {
  return { prefix: q.prefix, start: q.start, end: q.end, limit: q.limit, reverse: q.reverse };
}
