/**
 * Independent validators (written from contract sections 2 and 9, not from src/) and generators
 * of values that those validators prove invalid: base64 values, causality tokens, unsigned
 * integers, seen markers. A generated "bad" value is re-checked and redrawn if it happens to be
 * valid, so a mutation never turns into a valid request by chance.
 */
import type { Rng } from './prng.js';

const STD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Decodes canonical base64 (`alphabet`, padded or not); undefined when not canonical. */
function decodeCanonical(s: string, alphabet: string, padded: boolean): Buffer | undefined {
  let body = s;
  if (padded) {
    if (s.length % 4 !== 0) return undefined;
    const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
    body = s.slice(0, s.length - pad);
  } else if (s.length % 4 === 1) {
    return undefined;
  }
  const bits: number[] = [];
  for (const ch of body) {
    const v = alphabet.indexOf(ch);
    if (v < 0) return undefined;
    for (let b = 5; b >= 0; b--) bits.push((v >> b) & 1);
  }
  const out = Buffer.alloc(Math.floor(bits.length / 8));
  for (let i = 0; i < out.length; i++) {
    let byte = 0;
    for (let b = 0; b < 8; b++) byte = (byte << 1) | bits[i * 8 + b]!;
    out[i] = byte;
  }
  // leftover bits must be zero (canonical), and there may be no more than 7 of them
  const rest = bits.slice(out.length * 8);
  if (rest.length >= 8 || rest.some((b) => b !== 0)) return undefined;
  if (padded && body.length % 4 === 1) return undefined;
  return out;
}

export const isStdBase64 = (s: string): boolean => decodeCanonical(s, STD, true) !== undefined;

/** Contract section 2: base64url without padding, 8 + 16k bytes, XOR checksum (last pair wins). */
export function isToken(s: string): boolean {
  const buf = decodeCanonical(s, URL, false);
  if (buf === undefined || buf.length < 8 || (buf.length - 8) % 16 !== 0) return false;
  const clock = new Map<bigint, bigint>();
  for (let off = 8; off < buf.length; off += 16) clock.set(buf.readBigUInt64BE(off), buf.readBigUInt64BE(off + 8));
  let sum = 0n;
  for (const [n, t] of clock) sum ^= n ^ t;
  return sum === buf.readBigUInt64BE(0);
}

/** Rust's `u64::from_str`: optional `+`, ASCII digits, at most 2^64-1. */
export function isU64(s: string): boolean {
  const digits = s.startsWith('+') ? s.slice(1) : s;
  return /^[0-9]+$/.test(digits) && BigInt(digits) <= (1n << 64n) - 1n;
}

function redraw(rng: Rng, make: (rng: Rng) => string, valid: (s: string) => boolean): string {
  for (;;) {
    const s = make(rng);
    if (!valid(s)) return s;
  }
}

const JUNK = STD + URL + '=.~ %*!"\'\\\t';

/** A standard-base64 value that is not canonical padded base64. */
export function badBase64(rng: Rng, valid: string): string {
  return redraw(
    rng,
    (r) => {
      switch (r.int(7)) {
        case 0: // one character replaced by a character outside the alphabet
          return replaceAt(r, valid.length > 0 ? valid : 'QUJD', r.pick(['-', '_', '.', ' ', '*', '\\', '%', 'é', '\n']));
        case 1: // padding removed or added
          return valid.replace(/=+$/, '') + (r.bool() ? '' : '===');
        case 2: // non-zero trailing bits
          return r.pick(['QR==', 'QUJ=', 'QUI=', 'AB==', 'QUJDRB==']);
        case 3: // url-safe alphabet
          return r.pick(['-_-_', '__8=', 'a-b_', '+/-_']);
        case 4: // padding in the middle
          return r.pick(['QQ==QQ==', '=QUJD', 'Q=JD', 'QU=D']);
        case 5: // length not a multiple of 4
          return valid + r.string(STD, r.range(1, 3));
        default:
          return r.string(JUNK, r.range(1, 40));
      }
    },
    isStdBase64,
  );
}

/** A string that is not a causality token, derived from the valid `token` or made up. */
export function badToken(rng: Rng, token: string): string {
  return redraw(
    rng,
    (r) => {
      switch (r.int(8)) {
        case 0: { // a checksum character changed: the checksum no longer matches
          const i = r.int(10);
          const c = URL[(URL.indexOf(token[i]!) + r.range(1, 63)) % 64]!;
          return token.slice(0, i) + c + token.slice(i + 1);
        }
        case 1: // padded
          return token + r.pick(['=', '==']);
        case 2: // standard alphabet
          return replaceAt(r, token, r.pick(['+', '/']));
        case 3: // truncated or extended so the length is not 8 + 16k bytes
          return r.bool() ? token.slice(0, r.range(1, token.length - 1)) : token + r.string(URL, r.range(1, 20));
        case 4: // a character outside the alphabet
          return replaceAt(r, token, r.pick(['.', '*', '%', '!', '~', '=', 'é']));
        case 5:
          return r.string(JUNK, r.range(0, 60));
        case 6: // non-canonical trailing bits of the last character
          return token.slice(0, -1) + URL[(URL.indexOf(token.at(-1)!) | 1) ^ (r.bool() ? 0 : 2)]!;
        default: // valid shape, wrong checksum
          return 'AAAAAAAAAAE' + 'A'.repeat(r.int(3) * 22);
      }
    },
    isToken,
  );
}

/** A string that is not an unsigned integer (`''` excluded: an empty field counts as absent). */
export function badU64(rng: Rng): string {
  return redraw(
    rng,
    (r) =>
      r.pick([
        '-1', '1.5', 'abc', '1e3', '0x10', ' 1', '1 ', '18446744073709551616', '99999999999999999999999', '++1',
        '-0', '\u0661', '+', '1_000', 'Infinity', 'NaN', '0b1', '1,5', '５', `${r.int(100)}x`, `-${r.range(1, 1e6)}`,
        '9'.repeat(r.range(21, 400)),
      ]),
    (s) => s === '' || isU64(s),
  );
}

/** Not `true` or `false`. */
export function badBool(rng: Rng): string {
  return rng.pick(['TRUE', 'False', '1', '0', 'yes', 'true ', ' false', 't', 'on', 'truee', 'null']);
}

/** A seen marker the server must refuse, derived from the valid `marker` or made up. */
export function badMarker(rng: Rng, marker: string): string {
  switch (rng.int(6)) {
    case 0: // version byte other than 1
      return URL[rng.range(1, 63)]! + marker.slice(1);
    case 1: // a proper prefix (the encoding is self-delimiting: it cannot complete)
      return marker.slice(0, rng.range(0, marker.length - 1));
    case 2: // trailing bytes after a complete marker
      return marker + rng.string(URL, rng.range(2, 30)) + (marker.length % 4 === 0 ? '' : 'A');
    case 3: // characters outside base64url
      return replaceAt(rng, marker, rng.pick(['+', '/', '=', '.', ' ', '%', '\u00e9']));
    case 4:
      return rng.string(JUNK, rng.range(1, 80));
    default: // length 1 mod 4: never base64
      return marker.slice(0, Math.floor(marker.length / 4) * 4) + 'A';
  }
}

function replaceAt(rng: Rng, s: string, c: string): string {
  const i = rng.int(Math.max(1, s.length));
  return s.slice(0, i) + c + s.slice(i + 1);
}
