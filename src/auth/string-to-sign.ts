/**
 * The SigV4 string to sign: algorithm, `X-Amz-Date`, credential scope, SHA-256 of the canonical
 * request (the one hash the hot path computes).
 */
import { createHash } from 'node:crypto';
import { ALGORITHM } from './parse-authorization.js';

export const K2V_SERVICE = 'k2v';

/** `YYYYMMDD/<region>/<service>/aws4_request` */
export function credentialScope(date8: string, region: string, service: string): string {
  return `${date8}/${region}/${service}/aws4_request`;
}

export function stringToSign(amzDate: string, scope: string, canonicalRequest: string): string {
  const digest = createHash('sha256').update(canonicalRequest, 'utf8').digest('hex');
  return `${ALGORITHM}\n${amzDate}\n${scope}\n${digest}`;
}
