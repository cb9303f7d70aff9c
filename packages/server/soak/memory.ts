/**
 * The server's memory, from /proc (Linux). RSS counts the pages of data.mdb once per mapping
 * that touched them, and lmdb-js maps the file again (keeping the old mappings for readers)
 * each time its map grows, so RSS rises with the data file until the map stops growing; the
 * anonymous part (heap, buffers, native allocations) is where a leak would show.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';

export interface MemorySample {
  /** VmRSS, bytes. */
  readonly rss: number;
  /** RssAnon, bytes. */
  readonly anon: number;
  /** Size of data.mdb, bytes. */
  readonly dataFile: number;
  /** Mappings of data.mdb in the server's address space. */
  readonly mappings: number;
}

export async function sampleMemory(pid: number, dataDir: string): Promise<MemorySample> {
  const [status, maps, file] = await Promise.all([
    readFile(`/proc/${pid}/status`, 'utf8').catch(() => ''),
    readFile(`/proc/${pid}/maps`, 'utf8').catch(() => ''),
    stat(path.join(dataDir, 'data.mdb')).catch(() => ({ size: 0 })),
  ]);
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return {
    rss: kb('VmRSS'),
    anon: kb('RssAnon'),
    dataFile: file.size,
    mappings: maps.split('\n').filter((l) => l.endsWith('/data.mdb')).length,
  };
}
