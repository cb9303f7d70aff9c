/**
 * Wire shapes of the K2V JSON API (contract sections 6-10), converted explicitly from domain types.
 * Field order matters to byte-exact clients: objects are built in the contract's order.
 */
import { encodeBase64 } from '../k2v/base64.js';
import { encodeCausalityToken } from '../k2v/causality-token.js';
import { causalContext, values, type DvvsItem, type Value } from '../k2v/dvvs.js';

export type WireValue = string | null;

export function wireValue(v: Value): WireValue {
  return v === null ? null : encodeBase64(v);
}

/**
 * `{"sk","ct","v"}` of ReadBatch and PollRange, as JSON text: once per item of a response, so
 * written by hand; only `sk` needs JSON escaping (a token is base64url, a value standard base64).
 */
export function itemJson(sk: string, item: DvvsItem): string {
  const vals = values(item);
  let v = '';
  for (let i = 0; i < vals.length; i++) {
    const x = vals[i]!;
    v += (i === 0 ? '' : ',') + (x === null ? 'null' : '"' + encodeBase64(x) + '"');
  }
  return '{"sk":' + JSON.stringify(sk) + ',"ct":"' + encodeCausalityToken(causalContext(item)) + '","v":[' + v + ']}';
}

/**
 * A string as JSON text, as JSON.stringify: keys are mostly plain ASCII, which needs no escaping,
 * and checking that costs less than JSON.stringify. Anything else (control characters, quote,
 * backslash, surrogates) goes to JSON.stringify.
 */
export function jsonString(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(s);
  }
  return '"' + s + '"';
}

/** Every UTF-16 code unit is below 0x80: the latin1 and UTF-8 encodings of `s` are the same. */
export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** Narrowing helpers for parsed JSON bodies (the parsing boundary). */
export function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
