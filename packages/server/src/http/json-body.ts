/**
 * Parsing and validating JSON request bodies of batches and PollRange (the parsing boundary: the
 * result of JSON.parse is `unknown` and narrowed field by field here).
 */
import type { Limits } from '../config/limits.js';
import { badRequest } from '../k2v/errors.js';
import { isWellFormed } from '../k2v/utf8.js';
import { isObject } from './wire.js';

// `fatal`: invalid UTF-8 is an error (serde_json refuses it), not silently replaced by U+FFFD.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function parseJson(body: Buffer): unknown {
  let text: string;
  try {
    text = UTF8.decode(body);
  } catch {
    throw badRequest('the request body is not valid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest('invalid JSON in the request body');
  }
}

/**
 * Strings decoded from JSON may hold lone surrogates (`"\ud800"`), which no UTF-8 key can
 * represent; serde_json (Garage) rejects them, so do we.
 */
function checkString(v: string, field: string): string {
  if (!isWellFormed(v)) throw badRequest(`field '${field}' is not valid Unicode`);
  return v;
}

export function optString(o: Record<string, unknown>, field: string): string | undefined {
  const v = o[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badRequest(`field '${field}' must be a string`);
  return checkString(v, field);
}

export function reqString(o: Record<string, unknown>, field: string): string {
  const v = o[field];
  if (typeof v !== 'string') throw badRequest(`field '${field}' is required and must be a string`);
  return checkString(v, field);
}

/** Booleans default to false when absent; `null` is refused, as serde does for a `bool`. */
export function optBool(o: Record<string, unknown>, field: string): boolean {
  const v = o[field];
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw badRequest(`field '${field}' must be a boolean`);
  return v;
}

export function optUint(o: Record<string, unknown>, field: string): number | undefined {
  const v = o[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw badRequest(`field '${field}' must be a non-negative integer`);
  }
  return v;
}

export function asArray(x: unknown, what: string, limits: Limits): unknown[] {
  if (!Array.isArray(x)) throw badRequest(`the request body must be a JSON array of ${what}`);
  if (x.length > limits.maxBatchEntries) {
    throw badRequest(`too many ${what}: at most ${limits.maxBatchEntries} per request`);
  }
  return x;
}

export function asObject(x: unknown, what: string): Record<string, unknown> {
  if (!isObject(x)) throw badRequest(`each ${what} must be a JSON object`);
  return x;
}

export function checkPartitionKey(pk: string, limits: Limits): string {
  if (Buffer.byteLength(pk, 'utf8') > limits.maxPartitionKeyBytes) {
    throw badRequest(`partition key longer than ${limits.maxPartitionKeyBytes} bytes`);
  }
  return pk;
}

export function checkSortKey(sk: string, limits: Limits): string {
  if (Buffer.byteLength(sk, 'utf8') > limits.maxSortKeyBytes) {
    throw badRequest(`sort key longer than ${limits.maxSortKeyBytes} bytes`);
  }
  return sk;
}
