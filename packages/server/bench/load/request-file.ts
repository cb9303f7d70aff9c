/**
 * A file of raw requests for a load generator to replay: each record is its length in decimal,
 * a newline, then the request bytes. Read by bench/load/replay.lua (wrk) and node-loader.ts.
 */
import { writeFileSync } from 'node:fs';

export interface RequestFile {
  readonly path: string;
  readonly count: number;
  /** Items each request reads or writes, averaged over the file (for items/s). */
  readonly itemsPerRequest: number;
  /** True for reads: replaying the file from its start again changes nothing. */
  readonly replayable: boolean;
}

export function writeRequestFile(path: string, requests: readonly Buffer[], itemsPerRequest = 1, replayable = false): RequestFile {
  const parts: Buffer[] = [];
  for (const r of requests) {
    parts.push(Buffer.from(`${r.length}\n`, 'latin1'), r);
  }
  writeFileSync(path, Buffer.concat(parts));
  return { path, count: requests.length, itemsPerRequest, replayable };
}

export function parseRequestFile(data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let pos = 0;
  while (pos < data.length) {
    const nl = data.indexOf(10, pos);
    if (nl < 0) throw new Error('truncated request file');
    const len = Number(data.toString('latin1', pos, nl));
    out.push(data.subarray(nl + 1, nl + 1 + len));
    pos = nl + 1 + len;
  }
  return out;
}
