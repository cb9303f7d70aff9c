/**
 * The query string as SigV4 and the router read it: `&`-separated pairs, form-decoded (`+` is a
 * space, `%XX` a byte, bytes read as UTF-8 with invalid sequences replaced), as WHATWG's
 * application/x-www-form-urlencoded parser and Garage's `url::form_urlencoded` do.
 */
import { Buffer } from 'node:buffer';

export type QueryPair = readonly [name: string, value: string];

/** Pairs in request order; empty pieces (`a&&b`) are skipped, a bare name has the value ''. */
export function parseQuery(rawQuery: string): QueryPair[] {
  const pairs: QueryPair[] = [];
  if (rawQuery === '') return pairs;
  for (const piece of rawQuery.split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    const name = eq < 0 ? piece : piece.slice(0, eq);
    const value = eq < 0 ? '' : piece.slice(eq + 1);
    pairs.push([formDecode(name), formDecode(value)]);
  }
  return pairs;
}

export function formDecode(s: string): string {
  if (s.indexOf('%') < 0) return s.indexOf('+') < 0 ? s : s.replace(/\+/g, ' ');
  const bytes = Buffer.from(s.replace(/\+/g, ' '), 'utf8');
  const out = Buffer.allocUnsafe(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b === 0x25 && isHex(bytes[i + 1]) && isHex(bytes[i + 2])) {
      out[n++] = (hexValue(bytes[i + 1] as number) << 4) | hexValue(bytes[i + 2] as number);
      i += 2;
    } else {
      // A `%` not followed by two hex digits stays literal (WHATWG URL, Rust `url`).
      out[n++] = b;
    }
  }
  return out.toString('utf8', 0, n);
}

function isHex(b: number | undefined): boolean {
  return b !== undefined && ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66));
}

function hexValue(b: number): number {
  return b <= 0x39 ? b - 0x30 : (b | 0x20) - 0x61 + 10;
}
