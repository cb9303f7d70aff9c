/**
 * The value of `insert`: exactly one of `-t/--text` (UTF-8), `-b/--b64` (standard base64,
 * strictly: padded, canonical, as k2v-cli decodes it), `-f/--file` (a file, `-` for stdin), or
 * `--value` (the product page's spelling of `--text`).
 */
import { readFile } from 'node:fs/promises';
import { CliError, usageError } from '../cli-error.js';

export interface ValueFlags {
  text?: string;
  b64?: string;
  file?: string;
  value?: string;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export async function valueOf(flags: ValueFlags): Promise<Uint8Array> {
  const given = (['text', 'b64', 'file', 'value'] as const).filter((k) => flags[k] !== undefined);
  if (given.length === 0) throw usageError('no value: give one of -t/--text, -b/--b64, -f/--file (- for stdin) or --value');
  if (given.length > 1) throw usageError(`one value only: ${given.map((k) => `--${k}`).join(' and ')} were both given`);
  if (flags.text !== undefined) return Buffer.from(flags.text, 'utf8');
  if (flags.value !== undefined) return Buffer.from(flags.value, 'utf8');
  if (flags.b64 !== undefined) {
    const bytes = Buffer.from(flags.b64, 'base64');
    if (!BASE64.test(flags.b64) || bytes.toString('base64') !== flags.b64) throw new CliError('invalid base64 input');
    return bytes;
  }
  return flags.file === '-' ? readStdin() : readFile(flags.file ?? '');
}

async function readStdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
