/**
 * InsertBatch bodies as clients write them (JSON.stringify, serde_json: ASCII keys, base64
 * values, no escapes), read straight from the request bytes: no body string, no parsed objects,
 * no value strings, and every value decoded from the body into one buffer per request. In-process,
 * for the bench's 100-item bodies: 0.41 µs per item instead of 0.72 µs through JSON.parse and
 * the field checks, and far less garbage (docs/performance.md: InsertBatch per item).
 *
 * Anything else returns undefined and the caller takes the general path (insert-batch-body.ts:
 * JSON.parse and json-body.ts), which gives that body its exact answer, errors included: an
 * escape, a byte outside printable ASCII in a string, a field other than pk, sk, ct and v or one
 * given twice, a missing key, a number or a nested value, and every body the general path refuses
 * (bad base64, bad token, keys or values over the limits, too many items). So this reader never
 * answers on its own; it only has to give, for the bodies it accepts, the writes the general path
 * gives (property test: test/http/insert-batch-bytes.test.ts).
 */
import type { Limits } from '../config/limits.js';
import { decodeBase64StrictInto } from '../k2v/base64.js';
import { decodeCausalityToken } from '../k2v/causality-token.js';
import type { VectorClock } from '../k2v/dvvs.js';
import type { ItemWrite } from '../store/store.js';

const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const BACKSLASH = 0x5c;

/** Fields of an item, as bits: each may appear once. */
const PK = 1;
const SK = 2;
const CT = 4;
const V = 8;

/** JSON whitespace: space, tab, line feed, carriage return. */
function skipSpace(b: Uint8Array, i: number): number {
  for (; i < b.length; i++) {
    const c = b[i]!;
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
  }
  return i;
}

/**
 * Index of the closing quote of the string whose first character is at `i`, or -1 when it holds
 * anything but printable ASCII (an escape, a control character, UTF-8) or has no end. Such text
 * is then exactly its bytes: one UTF-16 code unit per byte, well formed, byte length = length.
 */
function stringEnd(b: Uint8Array, i: number): number {
  for (; i < b.length; i++) {
    const c = b[i]!;
    if (c === QUOTE) return i;
    if (c < 0x20 || c >= 0x80 || c === BACKSLASH) return -1;
  }
  return -1;
}

/** `null` at `i`. */
function isNull(b: Uint8Array, i: number): boolean {
  return b[i] === 0x6e && b[i + 1] === 0x75 && b[i + 2] === 0x6c && b[i + 3] === 0x6c;
}

/** The field bit of the name `b[from, to)`, 0 for any other name. */
function fieldOf(b: Uint8Array, from: number, to: number): number {
  if (to - from === 1) return b[from] === 0x76 ? V : 0;
  if (to - from !== 2 || b[from + 1] !== 0x6b) return 0; // "?k", else "ct" below
  const c = b[from]!;
  return c === 0x70 ? PK : c === 0x73 ? SK : 0;
}

function isCt(b: Uint8Array, from: number, to: number): boolean {
  return to - from === 2 && b[from] === 0x63 && b[from + 1] === 0x74;
}

/** The bytes `b[from, to)` equal `b[from2, from2 + (to - from))`. */
function sameBytes(b: Uint8Array, from: number, to: number, from2: number): boolean {
  for (let i = 0; i < to - from; i++) if (b[from + i] !== b[from2 + i]) return false;
  return true;
}

/** The writes of an InsertBatch body in the common shape, or undefined: take the general path. */
export function readInsertBatchBytes(body: Buffer, limits: Limits): ItemWrite[] | undefined {
  const b = body;
  let i = skipSpace(b, 0);
  if (b[i] !== OPEN_ARRAY) return undefined;
  i = skipSpace(b, i + 1);
  const writes: ItemWrite[] = [];
  if (b[i] === CLOSE_ARRAY) return skipSpace(b, i + 1) === b.length ? writes : undefined;
  // Every value's bytes, decoded into one buffer: 3 bytes per 4 characters of the body at most.
  // Not from Buffer's pool: the values keep it until their write settles, and nothing else does.
  const out = new Uint8Array((b.length >>> 2) * 3);
  let outAt = 0;
  // Items of one batch mostly share their partition key: the same bytes give the same string.
  let lastPk = '';
  let lastPkFrom = 0;
  for (;;) {
    if (b[i] !== OPEN_OBJECT || writes.length === limits.maxBatchEntries) return undefined;
    let seen = 0;
    let pk = '';
    let sk = '';
    let ct: VectorClock | undefined;
    let value: Uint8Array | null = null;
    i = skipSpace(b, i + 1);
    for (;;) {
      if (b[i] !== QUOTE) return undefined;
      const nameEnd = stringEnd(b, i + 1);
      if (nameEnd < 0) return undefined;
      let field = fieldOf(b, i + 1, nameEnd);
      if (field === 0 && isCt(b, i + 1, nameEnd)) field = CT;
      if (field === 0 || (seen & field) !== 0) return undefined;
      seen |= field;
      i = skipSpace(b, nameEnd + 1);
      if (b[i] !== COLON) return undefined;
      i = skipSpace(b, i + 1);
      if (b[i] === QUOTE) {
        const from = i + 1;
        // A value's end is found natively; its decoder refuses every byte base64 does not use
        // (an escape's backslash, controls, UTF-8), so a quote after a backslash ends nothing here.
        const to = field === V ? b.indexOf(QUOTE, from) : stringEnd(b, from);
        if (to < 0) return undefined;
        if (field === V) {
          const n = decodeBase64StrictInto(b, from, to, out, outAt);
          if (n < 0 || n > limits.maxValueBytes) return undefined;
          value = new Uint8Array(out.buffer, outAt, n);
          outAt += n;
        } else if (field === CT) {
          ct = decodeCausalityToken(b.toString('latin1', from, to));
          if (ct === undefined) return undefined;
        } else if (field === PK) {
          if (to - from > limits.maxPartitionKeyBytes) return undefined;
          if (to - from !== lastPk.length || !sameBytes(b, from, to, lastPkFrom)) {
            lastPk = b.toString('latin1', from, to);
            lastPkFrom = from;
          }
          pk = lastPk;
        } else {
          if (to - from > limits.maxSortKeyBytes) return undefined;
          sk = b.toString('latin1', from, to);
        }
        i = to + 1;
      } else if (isNull(b, i) && (field === CT || field === V)) {
        i += 4;
      } else {
        return undefined;
      }
      i = skipSpace(b, i);
      if (b[i] === COMMA) {
        i = skipSpace(b, i + 1);
        continue;
      }
      if (b[i] !== CLOSE_OBJECT) return undefined;
      break;
    }
    if ((seen & (PK | SK)) !== (PK | SK)) return undefined;
    writes.push({ pk, sk, ct, value });
    i = skipSpace(b, i + 1);
    if (b[i] === COMMA) {
      i = skipSpace(b, i + 1);
      continue;
    }
    if (b[i] !== CLOSE_ARRAY) return undefined;
    return skipSpace(b, i + 1) === b.length ? writes : undefined;
  }
}
