/**
 * The request target of a K2V request, taken apart without building a `URL` (every request goes
 * through here): path / query split, percent-decoding, and the query parameters the router knows
 * (contract section 3). Behaviour follows Garage's `QueryParameters` (`router_macros.rs`) and the
 * `url` crate's form decoding, with the contract's extra checks.
 */
import { K2vError, badRequest } from '../k2v/errors.js';

export type Keyword = 'delete' | 'search' | 'poll_range';

/** The query fields the router reads; an empty value is recorded as absent. */
export interface QueryFields {
  keyword: Keyword | undefined;
  sort_key: string | undefined;
  causality_token: string | undefined;
  timeout: string | undefined;
  prefix: string | undefined;
  start: string | undefined;
  end: string | undefined;
  limit: string | undefined;
  reverse: string | undefined;
}

/**
 * Splits a request target into its path and its query (undefined without `?`). An absolute-form
 * target (`http://host/b/pk`, RFC 9112 section 3.2.2) is reduced to its path, as hyper's
 * `uri.path()` does for Garage.
 */
export function splitTarget(rawTarget: string): { path: string; query: string | undefined } {
  let from = 0;
  if (rawTarget.charCodeAt(0) !== 0x2f /* / */) {
    const scheme = rawTarget.indexOf('://');
    if (scheme > 0) {
      const slash = rawTarget.indexOf('/', scheme + 3);
      const q = rawTarget.indexOf('?', scheme + 3);
      if (slash < 0 || (q >= 0 && q < slash)) {
        return { path: '/', query: q < 0 ? undefined : rawTarget.slice(q + 1) };
      }
      from = slash;
    }
  }
  const q = rawTarget.indexOf('?', from);
  if (q < 0) return { path: from === 0 ? rawTarget : rawTarget.slice(from), query: undefined };
  return { path: rawTarget.slice(from, q), query: rawTarget.slice(q + 1) };
}

/**
 * Percent-decodes `s` as UTF-8; with `plusIsSpace` (form decoding) `+` is a space first.
 * A `%` not followed by two hex digits is kept literally (as Garage's `percent_decode_str` and the
 * `url` crate do). Returns undefined when the decoded bytes are not valid UTF-8.
 */
export function percentDecode(s: string, plusIsSpace: boolean): string | undefined {
  let plain = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 /* % */ || c > 0x7f || (plusIsSpace && c === 0x2b) /* + */) {
      plain = false;
      break;
    }
  }
  if (plain) return s;
  const spaced = plusIsSpace ? s.replaceAll('+', ' ') : s;
  try {
    // Native and strict (invalid UTF-8 and malformed escapes both throw): the usual case.
    return decodeURIComponent(spaced);
  } catch {
    return lenientPercentDecode(spaced);
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

/** Slow path: keeps malformed `%` escapes, still refuses invalid UTF-8. */
function lenientPercentDecode(s: string): string | undefined {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 && i + 2 < s.length && isHex(s.charCodeAt(i + 1)) && isHex(s.charCodeAt(i + 2))) {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c <= 0x7f) {
      bytes.push(c);
    } else {
      // Node's parser refuses raw non-ASCII in a target; a pure caller may still pass text.
      const cp = s.codePointAt(i)!;
      for (const b of encoder.encode(String.fromCodePoint(cp))) bytes.push(b);
      if (cp > 0xffff) i++;
    }
  }
  try {
    return strictUtf8.decode(Uint8Array.from(bytes));
  } catch {
    return undefined;
  }
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/**
 * Form-decodes a query string into the fields the router reads (contract section 3): a keyword
 * counts whatever its value; two keywords, a keyword twice, a field twice, or any name twice
 * ignoring ASCII case (Garage's signature check keys its query map by lower-cased name) -> 400;
 * unknown names are ignored; a field with an empty value is absent.
 */
export function parseQuery(query: string | undefined): QueryFields {
  const out: QueryFields = {
    keyword: undefined,
    sort_key: undefined,
    causality_token: undefined,
    timeout: undefined,
    prefix: undefined,
    start: undefined,
    end: undefined,
    limit: undefined,
    reverse: undefined,
  };
  if (query === undefined || query.length === 0) return out;
  const seen = new SeenNames();
  let from = 0;
  while (from <= query.length) {
    let amp = query.indexOf('&', from);
    if (amp < 0) amp = query.length;
    if (amp > from) {
      const eq = query.indexOf('=', from);
      const hasValue = eq >= 0 && eq < amp;
      const name = decodeQueryPart(query.slice(from, hasValue ? eq : amp));
      const value = hasValue ? decodeQueryPart(query.slice(eq + 1, amp)) : '';
      const folded = lowerAscii(name);
      if (seen.has(folded)) throw badRequest(`query parameter repeated: '${name}'`);
      seen.add(folded);
      if (name === 'delete' || name === 'search' || name === 'poll_range') {
        if (out.keyword !== undefined) throw badRequest(`multiple keywords: '${out.keyword}' and '${name}'`);
        out.keyword = name;
      } else if (value.length > 0) {
        setField(out, name, value);
      }
    }
    from = amp + 1;
  }
  return out;
}

/**
 * Names seen so far, ASCII-lower-cased. A short array covers real requests (a Set costs more
 * than a few comparisons); a Set takes over so that thousands of names stay linear.
 */
class SeenNames {
  private list: string[] = [];
  private set: Set<string> | undefined;

  has(name: string): boolean {
    return this.set === undefined ? this.list.includes(name) : this.set.has(name);
  }

  add(name: string): void {
    if (this.set !== undefined) this.set.add(name);
    else if (this.list.length < 16) this.list.push(name);
    else this.set = new Set([...this.list, name]);
  }
}

/** A switch, not `out[name] = value`: keeps the object's shape fixed on the hot path. */
function setField(out: QueryFields, name: string, value: string): void {
  switch (name) {
    case 'sort_key':
      out.sort_key = value;
      break;
    case 'causality_token':
      out.causality_token = value;
      break;
    case 'timeout':
      out.timeout = value;
      break;
    case 'prefix':
      out.prefix = value;
      break;
    case 'start':
      out.start = value;
      break;
    case 'end':
      out.end = value;
      break;
    case 'limit':
      out.limit = value;
      break;
    case 'reverse':
      out.reverse = value;
      break;
    default:
    // unknown names are ignored (contract section 3)
  }
}

function decodeQueryPart(raw: string): string {
  const decoded = percentDecode(raw, true);
  if (decoded === undefined) throw badRequest('invalid UTF-8 in query string');
  return decoded;
}

function lowerAscii(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) return s.toLowerCase();
  }
  return s;
}

/** Largest u64, the bound Rust's `u64::from_str` enforces in Garage. */
const U64_MAX = '18446744073709551615';

/**
 * Parses an unsigned integer as Rust's `u64::from_str` does (ASCII digits, one optional leading
 * `+`, at most 2^64-1), else 400. Values beyond 2^53-1 are clamped to `Number.MAX_SAFE_INTEGER`:
 * validation is done on the digits, and every caller treats such a value as "unbounded".
 */
export function parseU64(name: string, raw: string): number {
  const digits = raw.charCodeAt(0) === 0x2b /* + */ ? raw.slice(1) : raw;
  if (digits.length === 0) throw badRequest(`invalid ${name}: not an unsigned integer`);
  let first = -1;
  for (let i = 0; i < digits.length; i++) {
    const c = digits.charCodeAt(i);
    if (c < 0x30 || c > 0x39) throw badRequest(`invalid ${name}: not an unsigned integer`);
    if (first < 0 && c !== 0x30) first = i;
  }
  if (first < 0) return 0;
  const significant = first === 0 ? digits : digits.slice(first);
  if (significant.length > U64_MAX.length || (significant.length === U64_MAX.length && significant > U64_MAX)) {
    throw badRequest(`invalid ${name}: out of range`);
  }
  const n = Number(significant);
  return n > Number.MAX_SAFE_INTEGER ? Number.MAX_SAFE_INTEGER : n;
}

/** Parses a boolean as Rust's `bool::from_str`: exactly `true` or `false`, else 400. */
export function parseBool(name: string, raw: string): boolean {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw badRequest(`invalid ${name}: expected true or false`);
}

/** The error for a path whose partition key does not decode (contract section 5). */
export function invalidUtf8(): K2vError {
  return new K2vError('InvalidUtf8String', 'invalid UTF-8 in partition key');
}
