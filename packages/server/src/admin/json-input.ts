/**
 * Narrowing of parsed request JSON (`unknown`) into typed fields, with Garage's serde rules:
 * unknown fields are ignored, an optional field may be absent or `null`, a boolean with a
 * default may be absent but not `null`. Every mismatch is a 400 InvalidRequest.
 */
import { badRequest } from './errors.js';

export type JsonObject = Readonly<Record<string, unknown>>;

function invalid(field: string, expected: string): Error {
  return badRequest(`Invalid JSON: field ${field}: expected ${expected}`);
}

export function asObject(value: unknown, field: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(field, 'an object');
  return value as JsonObject;
}

export function optObject(obj: JsonObject, field: string): JsonObject | undefined {
  const v = obj[field];
  return v === undefined || v === null ? undefined : asObject(v, field);
}

export function reqString(obj: JsonObject, field: string): string {
  const v = obj[field];
  if (typeof v !== 'string') throw invalid(field, 'a string');
  return v;
}

export function optString(obj: JsonObject, field: string): string | undefined {
  const v = obj[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalid(field, 'a string or null');
  return v;
}

export function reqBoolean(obj: JsonObject, field: string): boolean {
  const v = obj[field];
  if (typeof v !== 'boolean') throw invalid(field, 'a boolean');
  return v;
}

/** A boolean that defaults to false when absent (but not when `null`, which is refused). */
export function flag(obj: JsonObject, field: string): boolean {
  return obj[field] === undefined ? false : reqBoolean(obj, field);
}

/** An unsigned integer or null (absent = null). Limited to 2^53 - 1, JSON numbers in JS. */
export function optUint(obj: JsonObject, field: string): number | null {
  const v = obj[field];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw invalid(field, 'an unsigned integer or null');
  return v;
}

export function stringList(obj: JsonObject, field: string, required: boolean): string[] {
  const v = obj[field];
  if ((v === undefined || v === null) && !required) return [];
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw invalid(field, 'an array of strings');
  return [...(v as string[])];
}
