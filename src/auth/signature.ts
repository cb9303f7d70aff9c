/**
 * The SigV4 signature, HMAC-SHA256(signing key, string to sign), and its constant-time check.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export function computeSignature(signingKey: Buffer, stringToSign: string): Buffer {
  return createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest();
}

const SIGNATURE_HEX = /^[0-9a-fA-F]{64}$/;

/** `claimed` is the hex text the client sent; anything that is not 32 bytes of hex never matches. */
export function signatureMatches(expected: Buffer, claimed: string): boolean {
  if (!SIGNATURE_HEX.test(claimed)) return false;
  return timingSafeEqual(expected, Buffer.from(claimed, 'hex'));
}
