/**
 * Turns lmdb-js failures into store errors. When a batched transaction fails to commit, lmdb-js
 * rejects every write of the batch with `Error('Commit failed (see commitError for details)')`
 * whose `commitError` is a promise rejected with the native error, which carries LMDB's return
 * code as a number in `code` (src/misc.cpp throwLmdbError: errno values are positive, MDB_* codes
 * negative). A put that fails inside a callback throws that native error directly.
 */
import { StoreError } from '../errors.js';

const MDB_MAP_FULL = -30792;
const ENOSPC = 28;
const EDQUOT = 122;
const EFBIG = 27;
const EIO = 5;

/** The LMDB / errno code behind an lmdb-js error, if any (awaits `commitError` when present). */
export async function lmdbErrorCode(err: unknown): Promise<number | undefined> {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; commitError?: unknown };
  if (typeof e.code === 'number') return e.code;
  if (e.commitError instanceof Promise) {
    try {
      await e.commitError;
    } catch (inner) {
      if (typeof inner === 'object' && inner !== null) {
        const code = (inner as { code?: unknown }).code;
        if (typeof code === 'number') return code;
      }
    }
  }
  return undefined;
}

/** Full map or full disk: the caller may retry once space is freed (503). */
export function isSpaceError(code: number | undefined): boolean {
  return code === MDB_MAP_FULL || code === ENOSPC || code === EDQUOT || code === EFBIG;
}

/**
 * The error a write should reject with: store errors pass through; space errors become
 * 'Unavailable'; anything else (an I/O error, a bug) is returned unchanged for a 500.
 * LMDB reports a short write as EIO (mdb.c mdb_page_flush), which is how a full disk shows on
 * tmpfs and other file systems: EIO counts as a space error when `diskIsFull()` says so.
 */
export async function toStoreError(
  err: unknown,
  diskIsFull: () => boolean = () => false,
): Promise<{ error: unknown; space: boolean; code: number | undefined }> {
  if (err instanceof StoreError) return { error: err, space: false, code: undefined };
  const code = await lmdbErrorCode(err);
  if (isSpaceError(code) || (code === EIO && diskIsFull())) {
    return {
      error: new StoreError('Unavailable', `storage is full (LMDB code ${code}); retry once space is freed`, { cause: err }),
      space: true,
      code,
    };
  }
  return { error: err, space: false, code };
}
