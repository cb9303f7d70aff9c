/**
 * SigV4's `UriEncode`: every UTF-8 byte outside `A-Za-z0-9-_.~` becomes `%XX` (upper-case hex),
 * `/` kept or not. The client percent-encodes what it sends with it too, so that the bytes on the
 * wire never depend on a URL parser's own idea of which characters need escaping.
 */
const HEX = '0123456789ABCDEF';
const UTF8 = new TextEncoder();

function unreserved(b: number): boolean {
  return (
    (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) ||
    b === 0x2d || b === 0x5f || b === 0x2e || b === 0x7e
  );
}

/** `UriEncode(s)`; `keepSlash` leaves `/` as it is (canonical paths), else it is `%2F`. */
export function uriEncode(s: string, keepSlash = false): string {
  let out = '';
  for (const b of UTF8.encode(s)) {
    if (unreserved(b) || (keepSlash && b === 0x2f)) out += String.fromCharCode(b);
    else out += '%' + HEX[b >> 4]! + HEX[b & 15]!;
  }
  return out;
}

/** A query string as sent: `name=value` pairs in the given order, both encoded. */
export function formatQuery(pairs: readonly (readonly [string, string])[]): string {
  return pairs.map(([k, v]) => uriEncode(k) + '=' + uriEncode(v)).join('&');
}
