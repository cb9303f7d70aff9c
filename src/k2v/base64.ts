/**
 * Strict base64 codecs. Node's Buffer decoders skip invalid characters silently, which would let a
 * malformed token or value through, so decoding checks the alphabet, padding and trailing bits.
 */
import { Buffer } from 'node:buffer';

const URL_ALPHABET = /^[A-Za-z0-9_-]*$/;
const STD_ALPHABET = /^[A-Za-z0-9+/]*={0,2}$/;

export function encodeBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** base64url without padding, canonical (re-encoding gives the same text), else undefined. */
export function decodeBase64UrlStrict(s: string): Uint8Array | undefined {
  if (s.length % 4 === 1 || !URL_ALPHABET.test(s)) return undefined;
  const buf = Buffer.from(s, 'base64url');
  if (buf.toString('base64url') !== s) return undefined;
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Standard base64 with padding, canonical, else undefined. */
export function decodeBase64Strict(s: string): Uint8Array | undefined {
  if (s.length % 4 !== 0 || !STD_ALPHABET.test(s)) return undefined;
  const buf = Buffer.from(s, 'base64');
  if (buf.toString('base64') !== s) return undefined;
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}
