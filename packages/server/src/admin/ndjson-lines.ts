/**
 * The lines of a streamed request body (NDJSON), one at a time, in bounded memory: chunks are
 * split as they arrive, and the body is read only as fast as the consumer takes lines
 * (backpressure through the async iterator). A line longer than MAX_LINE_BYTES is refused.
 */
import { Buffer } from 'node:buffer';
import { StringDecoder } from 'node:string_decoder';
import type { HttpRequest } from '../http/respond.js';
import { badRequest } from './errors.js';

/** An item of 1 MiB values (base64) with a few siblings fits well within this. */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

export async function* lines(req: HttpRequest): AsyncGenerator<string, void, undefined> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of req as AsyncIterable<Buffer>) {
    rest += decoder.write(chunk);
    let nl: number;
    while ((nl = rest.indexOf('\n')) >= 0) {
      yield rest.slice(0, nl).replace(/\r$/, '');
      rest = rest.slice(nl + 1);
    }
    if (rest.length > MAX_LINE_BYTES) throw badRequest(`a dump line is longer than ${MAX_LINE_BYTES} bytes`);
  }
  rest += decoder.end();
  if (rest !== '') yield rest;
}
