/**
 * `k2v restore` sends a dump in parts, one request each: a request must arrive whole within the
 * admin listener's request timeout (120 s), and a large dump takes longer than that to merge.
 * Each part is a dump of its own: the file's header, the file's lines up to `partItems` item
 * lines, and an end line counting the part's records; `firstLine` (`?firstLine=` of the
 * request) is the file's line number of the part's second line, so the server's errors name the
 * file's lines. Metadata lines come before the first item, so they all travel in the first part.
 *
 * Checked here, as the file is read: its header (before any request), and its own end line (its
 * counts against the whole file's lines, nothing after it). A line this reader cannot classify
 * is passed on as it is: the server names what is wrong with it and where. The file is read as
 * the parts are sent (constant memory).
 */
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { DumpLineError, END_COUNT_FIELDS, endLine, endMismatch, parseHeader, parseRecord, type EndCounts } from '../../admin/dump-format.js';
import { CliError } from '../cli-error.js';

export interface Part {
  /** The file's line number of the part's second line. */
  readonly firstLine: number;
  readonly body: Readable;
  /** Settles once the part's body has been read: true when the file has more. */
  readonly more: Promise<boolean>;
}

export interface FileTotals {
  /** The file's lines, header and end line included. */
  lines: number;
}

type RecordType = keyof typeof END_COUNT_FIELDS;
const zero = (): EndCounts => ({ keys: 0, buckets: 0, adminTokens: 0, items: 0 });

/** The record type of a dump line, or undefined for a line the server will refuse. */
function typeOf(line: string): RecordType | 'end' | undefined {
  if (line.startsWith('{"type":"item",')) return 'item'; // what `k2v dump` writes: no parse needed
  try {
    const v: unknown = JSON.parse(line);
    const t = typeof v === 'object' && v !== null ? (v as Record<string, unknown>).type : undefined;
    return t === 'end' || (typeof t === 'string' && Object.hasOwn(END_COUNT_FIELDS, t)) ? (t as RecordType | 'end') : undefined;
  } catch {
    return undefined;
  }
}

// The part in flight is cut short: the server commits nothing of its open batch, but the
// batches before it in the part may be in.
/** An end line's counts; undefined for a malformed one (passed on: the server names its fault). */
function endRecord(line: string, version: number): EndCounts | undefined {
  try {
    const r = parseRecord(line, version);
    return r.type === 'end' ? r : undefined;
  } catch (err) {
    if (err instanceof DumpLineError) return undefined;
    throw err;
  }
}

const fileError = (lineNo: number, why: string, firstLine: number): CliError =>
  new CliError(
    `dump line ${lineNo}: ${why}; ${firstLine > 2 ? `lines 1 to ${firstLine - 1} were restored, and perhaps some of the lines after` : 'some of the lines before it may have been restored'} (restoring again is safe)`,
  );

/** Lines are sent in chunks of about this size, not one by one. */
const CHUNK_CHARS = 64 * 1024;

export async function* restoreParts(input: NodeJS.ReadableStream, partItems: number, totals: FileTotals): AsyncGenerator<Part, void, undefined> {
  const lines = createInterface({ input, crlfDelay: Infinity })[Symbol.asyncIterator]();
  let lineNo = 0;
  let header: string | undefined;
  let version = 0;
  // Blank lines are passed on as they are: the server skips them, and its line numbers stay the
  // file's. The first part begins as the file does (blank lines before the header included).
  let leading = '';
  while (header === undefined) {
    const r = await lines.next();
    if (r.done === true) throw new CliError('dump line 1: empty dump (no header line); nothing was restored');
    lineNo++;
    if (r.value === '') {
      leading += '\n';
      continue;
    }
    try {
      version = parseHeader(r.value).version;
    } catch (err) {
      if (err instanceof DumpLineError) throw new CliError(`dump line ${lineNo}: ${err.message}; nothing was restored`);
      throw err;
    }
    header = r.value;
    leading += header + '\n';
  }
  const file = zero();
  let ended = false;
  for (let first = true; ; first = false) {
    // The first part is numbered as a whole file would be; the others say where they begin.
    const firstLine = first ? 2 : lineNo + 1;
    const opening = first ? leading : header + '\n';
    let resolveMore!: (more: boolean) => void;
    let rejectMore!: (err: unknown) => void;
    const more = new Promise<boolean>((resolve, reject) => {
      resolveMore = resolve;
      rejectMore = reject;
    });
    // Awaited by the caller after the part's request; marked handled for the time in between.
    more.catch(() => undefined);
    async function* body(): AsyncGenerator<string, void, undefined> {
      let chunk = opening;
      const part = zero();
      for (;;) {
        if (chunk.length >= CHUNK_CHARS) {
          yield chunk;
          chunk = '';
        }
        if (part.items >= partItems) {
          yield chunk + endLine(part);
          resolveMore(true);
          return;
        }
        const r = await lines.next();
        if (r.done === true) {
          // Without an end line in the file the part goes without one: the server says the dump is cut.
          yield ended ? chunk + endLine(part) : chunk;
          totals.lines = lineNo;
          resolveMore(false);
          return;
        }
        lineNo++;
        if (r.value === '') {
          chunk += '\n';
          continue;
        }
        if (ended) throw fileError(lineNo, 'data after the end line', firstLine);
        const type = typeOf(r.value);
        const end = type === 'end' ? endRecord(r.value, version) : undefined;
        if (end !== undefined) {
          const why = endMismatch(end, file);
          if (why !== undefined) throw fileError(lineNo, why, firstLine);
          ended = true;
          continue;
        }
        if (type !== undefined && type !== 'end') {
          part[END_COUNT_FIELDS[type]]++;
          file[END_COUNT_FIELDS[type]]++;
        }
        chunk += r.value + '\n';
      }
    }
    const stream = Readable.from(body(), { objectMode: false });
    // A failure inside the body (a CliError above) ends the part's request; `more` reports it.
    stream.once('error', rejectMore);
    // Destroyed before its end (the request given up): settles `more` if nothing else did.
    stream.once('close', () => rejectMore(new CliError('the restore request ended before its part of the dump was sent')));
    yield { firstLine, body: stream, more };
    if (!(await more)) return;
  }
}
