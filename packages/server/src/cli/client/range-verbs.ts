/**
 * The range verbs of k2v-cli: `read-range`, `delete-range`, `poll-range`, `read-index`, with
 * its range flags and outputs, and `list`, the product page's verb (the sort keys of
 * `--partition`, or the partitions of the bucket without one).
 */
import { Command } from 'commander';
import type { K2vClient } from 'k2v-client';
import { out, runAction } from '../run-action.js';
import { renderDeleteRange, renderPollRange, renderReadIndex, renderReadRange, type BatchFormat } from './batch-output.js';
import { connect } from './connection.js';
import { addFilterOptions, rangeOf, refuse, type FilterFlags } from './filter.js';
import { seconds } from './item-verbs.js';
import { pollTimedOut } from './read-output.js';
import { keyedOf } from './to-cli.js';
import { addBatchFormatOptions, addKeyOptions, batchFormatOf, partitionOf, type KeyFlags } from './verb-args.js';

type Flags = KeyFlags & FilterFlags & { human?: boolean; json?: boolean };

function rangeVerb(name: string, description: string): Command {
  const cmd = new Command(name).description(description).argument('[partition-key]', 'partition key');
  return addBatchFormatOptions(addFilterOptions(addKeyOptions(cmd, false), 'sort key'));
}

async function readRange(client: K2vClient, pk: string, flags: FilterFlags, format: BatchFormat): Promise<void> {
  const [res] = await client.readBatch([
    {
      partitionKey: pk,
      ...rangeOf(flags),
      ...(flags.limit === undefined ? {} : { limit: flags.limit }),
      reverse: flags.reverse === true,
      conflictsOnly: flags.conflictsOnly === true,
      tombstones: flags.tombstones === true,
    },
  ]);
  out(renderReadRange((res?.items ?? []).map(keyedOf), res?.nextStart ?? null, format));
}

async function readIndex(client: K2vClient, flags: FilterFlags, format: BatchFormat): Promise<void> {
  refuse(flags, ['conflictsOnly', 'tombstones'], 'read-index');
  const res = await client.readIndex({
    ...rangeOf(flags),
    ...(flags.limit === undefined ? {} : { limit: flags.limit }),
    reverse: flags.reverse === true,
  });
  const partitions = res.partitionKeys.map((p) => ({
    partitionKey: p.pk,
    entries: p.entries,
    conflicts: p.conflicts,
    values: p.values,
    bytes: p.bytes,
  }));
  out(renderReadIndex(partitions, res.nextStart, format));
}

export function readRangeVerb(): Command {
  return rangeVerb('read-range', 'read the items of a partition in a range of sort keys')
    .addHelpText(
      'after',
      `
Example:
  k2v read-range user-photos/2024 -p photo -l 100 -j`,
    )
    .action(
      runAction(async (pkArg: string | undefined, flags: Flags, cmd: Command) => {
        const pk = partitionOf(pkArg, flags);
        const format = batchFormatOf(flags);
        await readRange(connect(cmd, flags.bucket), pk, flags, format);
      }),
    );
}

export function deleteRangeVerb(): Command {
  return rangeVerb('delete-range', 'delete every item of a partition in a range of sort keys (the whole partition without a range)')
    .addHelpText(
      'after',
      `
Prints "deleted N keys" (N alone with --json). Like k2v-cli it asks for no confirmation.

Example:
  k2v delete-range sessions -e "session-2024"`,
    )
    .action(
      runAction(async (pkArg: string | undefined, flags: Flags, cmd: Command) => {
        const pk = partitionOf(pkArg, flags);
        const format = batchFormatOf(flags);
        refuse(flags, ['limit', 'reverse', 'conflictsOnly', 'tombstones'], 'delete-range');
        const [res] = await connect(cmd, flags.bucket).deleteBatch([{ partitionKey: pk, ...rangeOf(flags) }]);
        out(renderDeleteRange(res?.deletedItems ?? 0, format));
      }),
    );
}

export function pollRangeVerb(): Command {
  return rangeVerb('poll-range', 'wait for changes in a range of sort keys (without -S: every item now, and a marker)')
    .option('-S, --seen-marker <marker>', 'the seen marker of the previous poll-range')
    .option('-T, --timeout <seconds>', 'how long to wait (default 300; the server allows 1 to 600)', seconds)
    .addHelpText(
      'after',
      `
Prints "seen marker: …" and the changed items, or "Delay expired and value didn't change." (null
with --json) when the timeout went by.

Example:
  marker=$(k2v poll-range feed -a -j | jq -r .seen_marker)
  k2v poll-range feed -a -S "$marker" -T 60`,
    )
    .action(
      runAction(async (pkArg: string | undefined, flags: Flags & { seenMarker?: string; timeout?: number }, cmd: Command) => {
        const pk = partitionOf(pkArg, flags);
        const format = batchFormatOf(flags);
        refuse(flags, ['limit', 'reverse', 'conflictsOnly', 'tombstones'], 'poll-range');
        const res = await connect(cmd, flags.bucket).pollRange(
          pk,
          { ...rangeOf(flags), ...(flags.seenMarker === undefined ? {} : { seenMarker: flags.seenMarker }) },
          flags.timeout === undefined ? {} : { timeoutSeconds: flags.timeout },
        );
        out(res === undefined ? pollTimedOut(format === 'json') : renderPollRange(res.items.map(keyedOf), res.seenMarker, format));
      }),
    );
}

export function readIndexVerb(): Command {
  const cmd = new Command('read-index')
    .description('list the partition keys of the bucket with their counters')
    .option('--bucket <bucket>', 'bucket (instead of the global -b/--bucket)');
  return addBatchFormatOptions(addFilterOptions(cmd, 'partition key'))
    .addHelpText(
      'after',
      `
Example:
  k2v read-index -p user-`,
    )
    .action(
      runAction(async (flags: Flags, cmd: Command) => {
        const format = batchFormatOf(flags);
        await readIndex(connect(cmd, flags.bucket), flags, format);
      }),
    );
}

export function listVerb(): Command {
  return rangeVerb('list', 'list the items of a partition (read-range), or the partitions of the bucket (read-index) without one')
    .addHelpText(
      'after',
      `
Examples:
  k2v list --bucket my-bucket --partition part1
  k2v list --bucket my-bucket`,
    )
    .action(
      runAction(async (pkArg: string | undefined, flags: Flags, cmd: Command) => {
        const format = batchFormatOf(flags);
        const client = connect(cmd, flags.bucket);
        const pk = pkArg ?? flags.partition;
        if (pk === undefined) await readIndex(client, flags, format);
        else await readRange(client, partitionOf(pkArg, flags), flags, format);
      }),
    );
}
