/**
 * Request headers for SigV4 by the contract's first-value rule (section 4), the same over HTTP/1
 * and HTTP/2: lower-case names, the first value of a repeated header. Read from `rawHeaders`,
 * which both transports have (`headersDistinct` exists only on HTTP/1 requests).
 */
import type { HttpRequest } from './respond.js';

export function firstValueHeaders(req: HttpRequest): Record<string, string> {
  const raw = req.rawHeaders;
  // No prototype: a header named like an Object method must not look present.
  const out = Object.create(null) as Record<string, string>;
  let authority: string | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.charCodeAt(0) === 0x3a /* ':' */) {
      // HTTP/2 pseudo-headers are not headers; `:authority` stands for Host (RFC 9113 8.3.1).
      if (name === ':authority') authority ??= raw[i + 1]!;
      continue;
    }
    const lower = name.toLowerCase();
    if (out[lower] === undefined) out[lower] = raw[i + 1]!;
  }
  if (authority !== undefined && out['host'] === undefined) out['host'] = authority;
  return out;
}
