/**
 * The SigV4 signature, HMAC-SHA256(signing key, string to sign), and its constant-time check.
 */
import { createHmac } from 'node:crypto';

/** Lower-case hex, the form clients send: the check then compares text, with no Buffer to build. */
export function computeSignature(signingKey: Buffer, stringToSign: string): string {
  return createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex');
}

/**
 * `expected` is computeSignature's lower-case hex, `claimed` the hex text the client sent (either
 * case). Anything that is not 64 hex digits never matches. The time taken depends on `claimed`
 * only (where its first non-hex character is), never on how much of `expected` it matches.
 */
export function signatureMatches(expected: string, claimed: string): boolean {
  if (claimed.length !== 64 || expected.length !== 64) return false;
  let diff = 0;
  for (let i = 0; i < 64; i++) {
    let c = claimed.charCodeAt(i);
    if (c >= 0x41 && c <= 0x46) c |= 0x20; // A-F -> a-f
    else if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
    diff |= c ^ expected.charCodeAt(i);
  }
  return diff === 0;
}
