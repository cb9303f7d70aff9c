/**
 * `k2v snapshot DIR`, `k2v dump [--bucket NAME]`, `k2v restore FILE [--bucket NAME]`: backups and
 * moves through the running server's admin API (it holds the store: on LMDB, the directory lock),
 * on the admin connection of `k2v key` / `k2v bucket` (admin-settings.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import type { Command } from 'commander';
import { usageError } from '../cli-error.js';
import { runAction } from '../run-action.js';
import type { RestoreSummary } from './admin-client.js';
import { adminClient, adminVerb, show, type AdminVerbFlags } from './admin-settings.js';
import { resolveBucket } from './resolve.js';
import { restoreParts } from './restore-parts.js';

interface BucketFlags extends AdminVerbFlags {
  bucket?: string;
}

/** Item lines per restore request: each must arrive within the listener's 120 s request timeout. */
export const DEFAULT_PART_ITEMS = 20_000;

export function backupCommands(): Command[] {
  const snapshot = adminVerb(
    'snapshot',
    'copy the whole store, consistently, while the server runs, into DIR on the server\'s machine (new or empty); start a server on it with `k2v server --data-dir DIR` (LMDB only)',
  )
    .argument('<dir>', 'target directory (resolved to an absolute path here)')
    .action(
      runAction(async (dir: string, flags: AdminVerbFlags) => {
        const answer = await adminClient(flags).snapshot(path.resolve(dir));
        show(flags, answer, () => `Snapshot written to ${answer.dir} in ${answer.durationMs} ms.\n`);
      }),
    );

  const dump = adminVerb('dump', 'write a dump (NDJSON, every value and its causal context) of the store or of one bucket to stdout')
    .option('--bucket <name>', 'only this bucket (global alias or id); default: the whole store, keys and buckets included')
    .action(
      runAction(async (flags: BucketFlags) => {
        const admin = adminClient(flags);
        const bucketId = flags.bucket === undefined ? undefined : (await resolveBucket(admin, flags.bucket)).id;
        const body = await admin.dump(bucketId);
        await body.pipeTo(Writable.toWeb(process.stdout));
      }),
    );

  const restore = adminVerb('restore', 'load a dump into the store, merging by causality (never overwrites a newer value; restoring twice changes nothing)')
    .argument('<file>', 'a file written by `k2v dump` (- for stdin)')
    .option('--bucket <name>', 'put every item into this bucket (global alias or id), e.g. a bucket dump into another store')
    .option('--part-items <n>', `item lines per request (each request must arrive within the server's request timeout)`, String(DEFAULT_PART_ITEMS))
    .action(
      runAction(async (file: string, flags: BucketFlags & { partItems: string }) => {
        const partItems = Number(flags.partItems);
        if (!/^[1-9][0-9]*$/.test(flags.partItems) || !Number.isSafeInteger(partItems)) throw usageError('--part-items: expected a whole number of 1 or more');
        const admin = adminClient(flags);
        const bucketId = flags.bucket === undefined ? undefined : (await resolveBucket(admin, flags.bucket)).id;
        const input = file === '-' ? process.stdin : fs.createReadStream(file);
        const summary: RestoreSummary = { lines: 0, items: 0, itemsChanged: 0, keysAdded: 0, bucketsAdded: 0, adminTokensAdded: 0, adminTokensKept: 0 };
        const totals = { lines: 0 };
        for await (const part of restoreParts(input, partItems, totals)) {
          let answer: RestoreSummary;
          try {
            answer = await admin.restore(Readable.toWeb(part.body) as ReadableStream<Uint8Array>, bucketId, part.firstLine);
          } catch (err) {
            await part.more; // a fault this side found in the file (it cut the request short) comes first
            throw err;
          }
          for (const k of ['items', 'itemsChanged', 'keysAdded', 'bucketsAdded', 'adminTokensAdded', 'adminTokensKept'] as const) summary[k] += answer[k];
          await part.more;
        }
        summary.lines = totals.lines;
        show(
          flags,
          summary,
          () =>
            `Restored ${summary.items} items (${summary.itemsChanged} changed), ${summary.keysAdded} keys, ${summary.bucketsAdded} buckets and ${summary.adminTokensAdded} admin tokens added` +
            (summary.adminTokensKept > 0 ? ` (${summary.adminTokensKept} admin tokens of the dump kept as this store has them: changed or deleted here)` : '') +
            `, from ${summary.lines} lines.\n`,
        );
      }),
    );
  return [snapshot, dump, restore];
}
