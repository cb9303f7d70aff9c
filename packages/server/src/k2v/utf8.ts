/**
 * UTF-8 helpers for keys (contract section 1: keys are ordered by their UTF-8 bytes).
 *
 * JS compares strings by UTF-16 code units, which agrees with UTF-8 byte order except when a
 * surrogate pair (U+10000 and above) meets a code unit in U+E000..U+FFFF: UTF-16 puts the pair
 * first, UTF-8 puts it last. `compareUtf8` fixes that up on the first differing code unit only,
 * so it costs the same as `<` on ASCII keys and never allocates.
 */

const encoder = new TextEncoder();

/**
 * Orders two strings as their UTF-8 encodings would be ordered (code point order). Exact for
 * well-formed strings; a lone surrogate sorts as if it were a code point above U+FFFF.
 */
export function compareUtf8(a: string, b: string): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca !== cb) return codeUnitRank(ca) - codeUnitRank(cb);
  }
  return a.length - b.length;
}

/**
 * Moves surrogates (0xD800..0xDFFF) above every other BMP code unit, keeping order within each
 * group. At the first differing unit, both sides either start a code point (so a surrogate means
 * "above U+FFFF") or are both low surrogates of pairs with equal high halves (same group).
 */
function codeUnitRank(c: number): number {
  if (c < 0xd800) return c;
  if (c >= 0xe000) return c - 0x800;
  return c + 0x2000;
}

export function utf8Bytes(s: string): Uint8Array {
  return encoder.encode(s);
}

type MaybeWellFormed = { isWellFormed?: (this: string) => boolean };
const nativeIsWellFormed = (String.prototype as MaybeWellFormed).isWellFormed;

/**
 * True when `s` has no lone surrogate, i.e. it has an exact UTF-8 encoding.
 * (`String.prototype.isWellFormed` is in Node 20 but not in TypeScript's ES2022 lib; it runs for
 * every key and value of a batch, so the native one is used when present.)
 */
export function isWellFormed(s: string): boolean {
  if (nativeIsWellFormed !== undefined) return nativeIsWellFormed.call(s);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c > 0xdbff) return false;
    const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
    if (next < 0xdc00 || next > 0xdfff) return false;
    i++;
  }
  return true;
}
