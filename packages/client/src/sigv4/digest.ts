/** SHA-256 and HMAC-SHA-256 through WebCrypto (`crypto.subtle`), hex output for SigV4. */
const UTF8 = new TextEncoder();

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  // Browsers expose crypto.subtle only in secure contexts (https:, or http://localhost / 127.0.0.1).
  if (s === undefined) throw new Error('crypto.subtle is not available (a browser page must be served over https or from localhost)');
  return s;
}

export function hex(buf: ArrayBuffer): string {
  let out = '';
  for (const b of new Uint8Array(buf)) out += b.toString(16).padStart(2, '0');
  return out;
}

const bytesOf = (data: string | Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> => (typeof data === 'string' ? UTF8.encode(data) : data);

export async function sha256Hex(data: string | Uint8Array<ArrayBuffer>): Promise<string> {
  return hex(await subtle().digest('SHA-256', bytesOf(data)));
}

export function hmacKey(raw: ArrayBuffer | Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  return subtle().importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
}

export async function hmac(key: CryptoKey, data: string): Promise<ArrayBuffer> {
  return subtle().sign('HMAC', key, UTF8.encode(data));
}

/** The SHA-256 of an empty body, the payload hash of every GET. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export const utf8 = (s: string): Uint8Array<ArrayBuffer> => UTF8.encode(s);
