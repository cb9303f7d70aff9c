/**
 * How a stored value is shown: the bytes decide (valid UTF-8 -> text, and pretty JSON when it
 * parses; anything else -> hex), and the user may ask for another form. Every form is a plain
 * string that the UI puts in a text node: stored bytes are never markup.
 */
export type PreviewKind = 'auto' | 'text' | 'json' | 'hex' | 'base64';
export type ShownKind = Exclude<PreviewKind, 'auto'>;

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The value as UTF-8 text, or undefined when it is not valid UTF-8 or holds control bytes other than tab/newline/CR. */
export function utf8(bytes: Uint8Array): string | undefined {
  let s: string;
  try {
    s = STRICT_UTF8.decode(bytes);
  } catch {
    return undefined;
  }
  return /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s) ? undefined : s;
}

/** Pretty JSON (two spaces) when the text is a JSON document; undefined otherwise. */
export function prettyJson(text: string): string | undefined {
  const t = text.trim();
  if (t === '' || !/^[[{"\-0-9tfn]/.test(t)) return undefined;
  try {
    return JSON.stringify(JSON.parse(t), null, 2);
  } catch {
    return undefined;
  }
}

/** Hex dump: 16 bytes a line, offset, hex, and the printable ASCII. */
export function hexDump(bytes: Uint8Array, maxBytes = 4096): string {
  const lines: string[] = [];
  const n = Math.min(bytes.length, maxBytes);
  for (let off = 0; off < n; off += 16) {
    const row = bytes.subarray(off, Math.min(off + 16, n));
    const hex = [...row].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${off.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  ${ascii}`);
  }
  if (bytes.length > n) lines.push(`… ${bytes.length - n} more bytes`);
  return lines.join('\n');
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export function base64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i]!;
    const b = bytes[i + 1];
    const c = bytes[i + 2];
    const n = (a << 16) | ((b ?? 0) << 8) | (c ?? 0);
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + (b === undefined ? '=' : B64[(n >> 6) & 63]!) + (c === undefined ? '=' : B64[n & 63]!);
  }
  return out;
}

/** Standard base64 (padding optional, whitespace ignored) to bytes; undefined when it is not base64. */
export function fromBase64(s: string): Uint8Array | undefined {
  const t = s.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(t) || t.replace(/=+$/, '').length % 4 === 1) return undefined;
  const clean = t.replace(/=+$/, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let o = 0;
  for (let i = 0; i < clean.length; i += 4) {
    const q = [0, 1, 2, 3].map((k) => (i + k < clean.length ? B64.indexOf(clean[i + k]!) : 0));
    const n = (q[0]! << 18) | (q[1]! << 12) | (q[2]! << 6) | q[3]!;
    if (o < out.length) out[o++] = n >> 16;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

/** What `auto` means for these bytes. */
export function naturalKind(bytes: Uint8Array): ShownKind {
  const t = utf8(bytes);
  if (t === undefined) return 'hex';
  return prettyJson(t) === undefined ? 'text' : 'json';
}

/** The value in the asked form; a form the bytes cannot take falls back (text of non-UTF-8 -> hex). */
export function render(bytes: Uint8Array, kind: PreviewKind): { kind: ShownKind; text: string } {
  const k = kind === 'auto' ? naturalKind(bytes) : kind;
  if (k === 'base64') return { kind: k, text: base64(bytes) };
  if (k === 'hex') return { kind: k, text: hexDump(bytes) };
  const t = utf8(bytes);
  if (t === undefined) return { kind: 'hex', text: hexDump(bytes) };
  if (k === 'json') {
    const j = prettyJson(t);
    return j === undefined ? { kind: 'text', text: t } : { kind: 'json', text: j };
  }
  return { kind: 'text', text: t };
}

/** A one-line preview for tables: text or compact JSON cut to `max` characters, or hex. */
export function oneLine(bytes: Uint8Array, max = 80): string {
  const t = utf8(bytes);
  let s: string;
  if (t === undefined) s = `0x${[...bytes.subarray(0, 32)].map((b) => b.toString(16).padStart(2, '0')).join('')}${bytes.length > 32 ? '…' : ''}`;
  else s = t.replace(/\s+/g, ' ');
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}
