/**
 * The JSON shapes of the K2V HTTP API (contract sections 5-10), exactly as they travel: field
 * names, `null` for an absent echoed parameter, values as standard base64 with padding, causality
 * tokens and seen markers as opaque strings.
 *
 * Types only: no runtime code and no imports, so any program (the client, the server's tests, a
 * browser console) can `import type … from 'k2v-client/wire'` at no cost.
 */

/** Every error code of the K2V API (contract section 5). */
export type ErrorCode =
  | 'InvalidRequest'
  | 'CausalityToken'
  | 'InvalidUtf8String'
  | 'InvalidHeaderValue'
  | 'AuthorizationHeaderMalformed'
  | 'InvalidDigest'
  | 'AccessDenied'
  | 'NoSuchBucket'
  | 'NoSuchKey'
  | 'NotAcceptable'
  | 'PayloadTooLarge'
  | 'InternalError'
  | 'ServiceUnavailable';

/** The body of every error response, `Content-Type: application/json`, these four fields. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  region: string;
  /** The request path as sent (still percent-encoded), without the query. */
  path: string;
}

/** One value on the wire: standard base64 with padding, or `null` for a tombstone. */
export type WireValue = string | null;

/** ReadItem with `Accept: application/json`: every concurrent value. */
export type ReadItemBody = WireValue[];

/** One entry of an InsertBatch body. An omitted or `null` `v` writes a tombstone. */
export interface InsertBatchEntry {
  pk: string;
  sk: string;
  /** Causality token from an earlier read; omitted or `null`: a write concurrent with every value. */
  ct?: string | null;
  v?: WireValue;
}

/** One query of a ReadBatch body (`POST /<bucket>?search`). */
export interface ReadBatchQuery {
  partitionKey: string;
  prefix?: string | null;
  start?: string | null;
  end?: string | null;
  limit?: number | null;
  reverse?: boolean;
  /** `start` is then the one sort key to read; forbids `prefix`, `end`, `limit`, `reverse`. */
  singleItem?: boolean;
  conflictsOnly?: boolean;
  tombstones?: boolean;
}

/** One item of a ReadBatch or PollRange response. */
export interface BatchItem {
  sk: string;
  ct: string;
  v: WireValue[];
}

/** The result of one ReadBatch query, its parameters echoed (`null` when absent). */
export interface ReadBatchResult {
  partitionKey: string;
  prefix: string | null;
  start: string | null;
  end: string | null;
  limit: number | null;
  reverse: boolean;
  singleItem: boolean;
  conflictsOnly: boolean;
  tombstones: boolean;
  items: BatchItem[];
  more: boolean;
  nextStart: string | null;
}

/** One query of a DeleteBatch body (`POST /<bucket>?delete`). */
export interface DeleteBatchQuery {
  partitionKey: string;
  prefix?: string | null;
  start?: string | null;
  end?: string | null;
  singleItem?: boolean;
}

/** The result of one DeleteBatch query. */
export interface DeleteBatchResult {
  partitionKey: string;
  prefix: string | null;
  start: string | null;
  end: string | null;
  singleItem: boolean;
  deletedItems: number;
}

/** One partition of a ReadIndex response, with its counters. */
export interface IndexEntry {
  pk: string;
  /** Items that are not tombstone-only. */
  entries: number;
  /** Items with two or more concurrent values. */
  conflicts: number;
  /** Non-tombstone values, after de-duplication. */
  values: number;
  /** Sum of the lengths of those values. */
  bytes: number;
}

/** The ReadIndex response (`GET /<bucket>?prefix=&start=&end=&limit=&reverse=`). */
export interface ReadIndexResult {
  prefix: string | null;
  start: string | null;
  end: string | null;
  limit: number | null;
  reverse: boolean;
  partitionKeys: IndexEntry[];
  more: boolean;
  nextStart: string | null;
}

/** The PollRange body (`POST /<bucket>/<pk>?poll_range`): a JSON object, `{}` at least. */
export interface PollRangeRequest {
  prefix?: string | null;
  start?: string | null;
  end?: string | null;
  /** Seconds, default 300, clamped to [1, 600]. */
  timeout?: number | null;
  /** Absent: answer at once with the whole range and a first marker. */
  seenMarker?: string | null;
}

/** The PollRange 200 response (a timeout is a 304 without body). */
export interface PollRangeResponse {
  items: BatchItem[];
  seenMarker: string;
}
