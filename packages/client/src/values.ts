/**
 * Values are bytes. Strings given as input are UTF-8 encoded; `text` and `json` read a value
 * back. Base64 here is the contract's: standard alphabet, with padding (batch and JSON bodies).
 */
import { K2vError } from './errors.js';

/** A stored value: bytes, or `null` for a tombstone (a deletion that is kept as a version). */
export type Value = Uint8Array | null;

/** What a write accepts as a value: bytes as they are, or a string (stored as UTF-8). */
export type ValueInput = Uint8Array | string;

const UTF8_ENCODER = new TextEncoder();
const UTF8_DECODER = new TextDecoder('utf-8');

/**
 * The bytes of a value to write: a string becomes its UTF-8 encoding, bytes stay as they are
 * (copied only when they sit in a SharedArrayBuffer, which fetch and WebCrypto refuse).
 */
export function toBytes(value: ValueInput): Uint8Array<ArrayBuffer> {
  if (typeof value === 'string') return UTF8_ENCODER.encode(value);
  if (typeof SharedArrayBuffer !== 'undefined' && value.buffer instanceof SharedArrayBuffer) return new Uint8Array(value);
  return value as Uint8Array<ArrayBuffer>;
}

/** A value read as UTF-8 text (invalid sequences become U+FFFD, as `Response.text()` does). */
export function text(value: Uint8Array): string {
  return UTF8_DECODER.decode(value);
}

/** A value parsed as JSON (UTF-8 text); throws a `SyntaxError` when it is not JSON. */
export function json<T = unknown>(value: Uint8Array): T {
  return JSON.parse(text(value)) as T;
}

/** True for a value that is not a tombstone: `item.values.filter(isLive)` gives `Uint8Array[]`. */
export function isLive(value: Value): value is Uint8Array {
  return value !== null;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

/** Standard base64 with padding. */
export function encodeBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + '==';
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + '=';
  }
  return out;
}

/** Decodes standard base64 with padding; anything else is an `InvalidResponse` (it came from the server). */
export function decodeBase64(s: string): Uint8Array<ArrayBuffer> {
  if (s.length % 4 !== 0) throw badBase64(s);
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((s.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < s.length; i += 4) {
    const last = i + 4 === s.length;
    const c0 = sextet(s, i);
    const c1 = sextet(s, i + 1);
    const c2 = last && pad === 2 ? 0 : sextet(s, i + 2);
    const c3 = last && pad >= 1 ? 0 : sextet(s, i + 3);
    if (c0 < 0 || c1 < 0 || c2 < 0 || c3 < 0) throw badBase64(s);
    const n = (c0 << 18) | (c1 << 12) | (c2 << 6) | c3;
    out[o++] = n >> 16;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

function sextet(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c < 128 ? DECODE[c]! : -1;
}

function badBase64(s: string): K2vError {
  const shown = s.length > 40 ? s.slice(0, 40) + '…' : s;
  return new K2vError('InvalidResponse', `the server sent a value that is not standard base64: ${JSON.stringify(shown)}`);
}

/** A wire value (base64 or `null`) as a {@link Value}. */
export function fromWire(v: string | null): Value {
  return v === null ? null : decodeBase64(v);
}
