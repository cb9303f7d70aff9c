/**
 * `POST /v1/k2v/snapshot` with `{"dir": ABSOLUTE_PATH}` (`k2v snapshot DIR`): a consistent copy
 * of the whole store, written by the server (which holds the store's directory lock) into a new
 * or empty directory of ITS machine, from which `k2v server --data-dir DIR` starts. Only on a
 * backend whose data is files (LMDB, `Store.copyTo`); on PostgreSQL a clear 400 pointing to
 * pg_dump or `k2v dump`.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Store } from '../store/store.js';
import type { AdminResult } from './context.js';
import { ok } from './context.js';
import { badRequest } from './errors.js';
import { asObject, reqString } from './json-input.js';

export async function handleSnapshot(store: Store, body: unknown): Promise<AdminResult> {
  const dir = reqString(asObject(body, 'body'), 'dir');
  if (store.copyTo === undefined) {
    throw badRequest(
      'snapshot copies the files of an LMDB store; this server runs on PostgreSQL: back up the database with pg_dump (or pg_basebackup), or export the items with `k2v dump`',
    );
  }
  if (!path.isAbsolute(dir)) throw badRequest(`snapshot directory must be an absolute path: ${dir}`);
  prepareEmptyDir(dir);
  const started = Date.now();
  await store.copyTo(dir);
  return ok({ dir, durationMs: Date.now() - started });
}

/** New or empty: a snapshot never mixes with other files (nor overwrites a store). */
function prepareEmptyDir(dir: string): void {
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw badRequest(`cannot use snapshot directory ${dir}: ${code ?? 'error'}`);
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw badRequest(`cannot create snapshot directory ${dir}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    return;
  }
  if (entries.length > 0) throw badRequest(`snapshot directory ${dir} is not empty`);
}
