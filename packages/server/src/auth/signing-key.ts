/**
 * The SigV4 derived signing key, HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service),
 * "aws4_request"), behind a bounded LRU cache so the hot path costs no HMAC for it.
 */
import { createHmac } from 'node:crypto';

export function deriveSigningKey(secret: string, date8: string, region: string, service: string): Buffer {
  const kDate = hmac('AWS4' + secret, date8);
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, service);
  return hmac(kService, 'aws4_request');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

export const DEFAULT_SIGNING_KEY_CACHE_SIZE = 1024;

/** Keyed by (secret, date, region, service): a rotated secret never hits a stale key. */
export class SigningKeyCache {
  readonly #entries = new Map<string, Buffer>();
  /** The last key handed out: under load, request after request asks for the same one. */
  #last: { secret: string; date8: string; region: string; service: string; key: Buffer } | undefined;

  constructor(readonly maxEntries: number = DEFAULT_SIGNING_KEY_CACHE_SIZE) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be >= 1');
  }

  get size(): number {
    return this.#entries.size;
  }

  get(secret: string, date8: string, region: string, service: string): Buffer {
    const last = this.#last;
    if (last !== undefined && last.secret === secret && last.date8 === date8 && last.region === region && last.service === service) {
      return last.key;
    }
    const key = this.#lookup(secret, date8, region, service);
    this.#last = { secret, date8, region, service, key };
    return key;
  }

  #lookup(secret: string, date8: string, region: string, service: string): Buffer {
    // The date has a fixed length and no NUL, so this key is unambiguous.
    const cacheKey = `${date8}\0${region}\0${service}\0${secret}`;
    const hit = this.#entries.get(cacheKey);
    if (hit !== undefined) {
      // Re-inserting moves the entry to the young end of the Map's insertion order.
      this.#entries.delete(cacheKey);
      this.#entries.set(cacheKey, hit);
      return hit;
    }
    const key = deriveSigningKey(secret, date8, region, service);
    this.#entries.set(cacheKey, key);
    if (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    return key;
  }
}
