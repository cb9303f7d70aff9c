/**
 * `k2v snapshot DIR` on LMDB: a consistent copy of the running environment (lmdb-js
 * `env.backup`, i.e. mdb_env_copy2: one read transaction copied page by page while writers go
 * on, so the copy is exactly one committed state), made durable, then stripped of the node
 * identity.
 *
 * Why the identity goes: a node id names one sequence of timestamps. A server started on the copy
 * while the original runs (a clone, a test restore, a second site) would issue the same (node,
 * timestamp) pairs for different values, and DVVS would take two different writes for one: a
 * value silently lost on merge, a token of one store discarding a value of the other. Without
 * it, the server started on the copy draws a new node id at its first open (node-identity.ts);
 * the old id stays in the items as a foreign node, whose tokens are accepted as DVVS does.
 * Nothing is lost by this when the copy replaces a dead original.
 */
import fs from 'node:fs';
import path from 'node:path';
import { open, type RootDatabase } from 'lmdb';
import { lastKeyOfNodeKey, NODE_ID_KEY, NODE_IDS_END } from './keys.js';

/** `dir`: an existing empty directory (the admin handler checks it). */
export async function copyEnvironment(env: RootDatabase, dir: string): Promise<void> {
  await env.backup(dir, false);
  fsyncPath(path.join(dir, 'data.mdb'));
  const copy = open({ path: dir, noSubdir: false, overlappingSync: false, maxDbs: 4 });
  try {
    const db = copy.openDB<Buffer, Buffer>({ name: 'k2v', keyEncoding: 'binary', encoding: 'binary' });
    await db.transaction(() => {
      // Every worker slot's identity (keys.ts nodeIdKey), slot 0's included.
      const nodeKeys = [...(db.getKeys({ start: NODE_ID_KEY, end: NODE_IDS_END }) as Iterable<Buffer>)].map((k) => Buffer.from(k));
      for (const k of nodeKeys) {
        void db.remove(k);
        void db.remove(lastKeyOfNodeKey(k));
      }
    });
  } finally {
    await copy.close();
  }
  fsyncPath(dir);
}

function fsyncPath(p: string): void {
  const fd = fs.openSync(p, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
