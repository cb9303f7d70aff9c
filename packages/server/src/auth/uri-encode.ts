/**
 * AWS SigV4 `UriEncode` (contract section 4): every UTF-8 byte outside `A-Za-z0-9-_.~` becomes
 * `%XX` (upper-case hex); `/` is kept in paths and encoded in query names and values.
 */
import { Buffer } from 'node:buffer';

const HEX = '0123456789ABCDEF';

/** 1 for the bytes SigV4 leaves unencoded. */
const UNRESERVED = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~') {
  UNRESERVED[c.charCodeAt(0)] = 1;
}

const SLASH = 0x2f;

export function uriEncode(s: string, encodeSlash: boolean): string {
  if (isAllKept(s, encodeSlash)) return s;
  const bytes = Buffer.from(s, 'utf8');
  let out = '';
  for (const b of bytes) {
    if ((b < 0x80 && UNRESERVED[b] === 1) || (b === SLASH && !encodeSlash)) {
      out += String.fromCharCode(b);
    } else {
      out += '%' + HEX[b >> 4] + HEX[b & 0xf];
    }
  }
  return out;
}

// Most path segments and query values need no escaping: skip the byte buffer for them.
function isAllKept(s: string, encodeSlash: boolean): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return false;
    if (UNRESERVED[c] !== 1 && (c !== SLASH || encodeSlash)) return false;
  }
  return true;
}
