/**
 * Free space on the file system of the data directory, to tell a full disk from a failing one
 * when LMDB reports a short write as a plain EIO (see lmdb-errors.ts).
 */
import fs from 'node:fs';

/**
 * Below this many free bytes, a failed commit is taken for a full disk: one write transaction
 * (a batch body is at most 16 MiB by default) plus the pages LMDB copies on write fits in it.
 */
export const LOW_DISK_BYTES = 64 * 1024 * 1024;

/** Bytes an unprivileged writer may still use on the file system holding `dir`; undefined if unknown. */
export function freeBytes(dir: string): number | undefined {
  try {
    const s = fs.statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

/** True when the file system holding `dir` has less than `LOW_DISK_BYTES` free (false if unknown). */
export function diskNearlyFull(dir: string, low = LOW_DISK_BYTES): boolean {
  const free = freeBytes(dir);
  return free !== undefined && free < low;
}
