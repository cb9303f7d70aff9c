/**
 * A JSON response body written as UTF-8 bytes straight into a Buffer, for ReadBatch: its items'
 * JSON (`{"sk","ct","v"}`, the same text as wire.ts itemJson) is written from their stored
 * records (ItemView) without a string per token, value or item, nor encoding ~20 KB of text
 * into bytes again when it is sent.
 *
 * `chars` counts UTF-16 code units, as the length of the same text as a JS string would, so that
 * a caller flushing every N characters cuts the body exactly where it cut its string.
 */
import { Buffer } from 'node:buffer';
import type { ItemView } from '../store/item-view.js';
import { jsonString } from './wire.js';

const OPEN_SK = Buffer.from('{"sk":');
const CT = Buffer.from(',"ct":"');
const V = Buffer.from('","v":[');
const NULL = Buffer.from('null');
const CLOSE = Buffer.from(']}');
const QUOTE = 0x22;
const COMMA = 0x2c;
const BACKSLASH = 0x5c;

function put(out: Buffer, at: number, bytes: Buffer): number {
  for (let k = 0; k < bytes.length; k++) out[at + k] = bytes[k]!;
  return at + bytes.length;
}

/** Printable ASCII other than quote and backslash: JSON.stringify leaves such text as it is. */
function isPlain(b: Buffer, from: number, to: number): boolean {
  for (let k = from; k < to; k++) {
    const c = b[k]!;
    if (c < 0x20 || c > 0x7e || c === QUOTE || c === BACKSLASH) return false;
  }
  return true;
}

/** Value byte ranges of one item (ItemView.distinctValues); items are written one at a time. */
const ranges: number[] = [];

export class JsonOut {
  private buf: Buffer = Buffer.alloc(0);
  private len = 0;
  /** Bytes written minus UTF-16 code units written. */
  private extra = 0;

  constructor(private readonly initialBytes: number) {}

  /** Length of the text written since the last `take()`, in UTF-16 code units. */
  get chars(): number {
    return this.len - this.extra;
  }

  /** Appends text (any string) as UTF-8. */
  text(s: string): void {
    this.ensure(3 * s.length);
    const n = this.buf.write(s, this.len, 'utf8');
    this.len += n;
    this.extra += n - s.length;
  }

  /** Appends `,` (unless first) and the item's `{"sk","ct","v"}`. */
  item(view: ItemView, first: boolean): void {
    // Bounds everything below: a base64 text is 4/3 of its bytes and a value or token takes at
    // least as many bytes of record as its quotes and commas; an escaped key byte takes <= 6.
    this.ensure(6 * view.recordBytes + 64);
    const b = this.buf;
    let o = this.len;
    if (!first) b[o++] = COMMA;
    o = put(b, o, OPEN_SK);
    b[o] = QUOTE;
    const skEnd = view.writeSk(b, o + 1);
    if (isPlain(b, o + 1, skEnd)) {
      b[skEnd] = QUOTE;
      o = skEnd + 1;
    } else {
      const sk = jsonString(view.sk);
      const n = b.write(sk, o, 'utf8');
      this.extra += n - sk.length;
      o += n;
    }
    o = put(b, o, CT);
    o = view.writeCausalityToken(b, o);
    o = put(b, o, V);
    const count = view.distinctValues(ranges);
    for (let i = 0; i < count; i++) {
      if (i > 0) b[o++] = COMMA;
      const from = ranges[2 * i]!;
      if (from < 0) {
        o = put(b, o, NULL);
      } else {
        b[o++] = QUOTE;
        o = view.writeBase64(from, ranges[2 * i + 1]!, b, o);
        b[o++] = QUOTE;
      }
    }
    this.len = put(b, o, CLOSE);
  }

  /** The bytes written since the last take; the next write starts a new Buffer. */
  take(): Buffer {
    const out = this.buf.subarray(0, this.len);
    this.buf = Buffer.alloc(0);
    this.len = 0;
    this.extra = 0;
    return out;
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.initialBytes, 2 * this.buf.length, this.len + n));
    this.buf.copy(grown, 0, 0, this.len);
    this.buf = grown;
  }
}
