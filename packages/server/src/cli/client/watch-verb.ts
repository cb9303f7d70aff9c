/**
 * `k2v watch <pk> [<sk>]`, beyond k2v-cli: prints the changes of one item, or of a range of a
 * partition, as they happen (the client's watchItem / watchRange: re-polls, keeps its token or
 * marker, backs off on transient errors) until SIGINT or SIGTERM, then exits 0. First the
 * current state, unless `--changes-only` or `--since` (a token or marker to resume from). Human blocks as read-range prints them, or one JSON
 * object per changed item and line with `--json`.
 */
import { Command } from 'commander';
import { causalityToken, type KeyedItem } from 'k2v-client';
import { out, runAction } from '../run-action.js';
import { renderReadRange } from './batch-output.js';
import { connect } from './connection.js';
import { rangeOf, type FilterFlags } from './filter.js';
import { seconds } from './item-verbs.js';
import { wireValue } from './read-output.js';
import { keyedOf } from './to-cli.js';
import { addKeyOptions, partitionOf, type KeyFlags } from './verb-args.js';

interface Flags extends KeyFlags, Pick<FilterFlags, 'prefix' | 'start' | 'end'> {
  json?: boolean;
  changesOnly?: boolean;
  since?: string;
  timeout?: number;
}

export function watchVerb(): Command {
  return addKeyOptions(
    new Command('watch')
      .description('print the changes of an item, or of a partition (range), as they happen, until Ctrl-C')
      .argument('[partition-key]', 'partition key')
      .argument('[sort-key]', 'sort key (without one: every item of the partition, or of the range given)'),
    true,
  )
    .option('-p, --prefix <prefix>', 'only sort keys starting with this prefix')
    .option('-s, --start <key>', 'only sort keys from this one on (included)')
    .option('-e, --end <key>', 'only sort keys before this one (excluded)')
    .option('-j, --json', 'one JSON object per changed item and line: causality, partition_key, sort_key, value')
    .option('--changes-only', 'do not print the current state first')
    .option('--since <token-or-marker>', 'only the changes after this causality token (an item) or seen marker (a range), e.g. from an earlier read or poll-range')
    .option('-T, --timeout <seconds>', 'server-side wait of each poll (default 300)', seconds)
    .addHelpText(
      'after',
      `
Examples:
  k2v watch user-123 profile.json
  k2v watch feed -p 2024- -j | jq -c .`,
    )
    .action(
      runAction(async (pkArg: string | undefined, skArg: string | undefined, flags: Flags, cmd: Command) => {
        const pk = partitionOf(pkArg, flags);
        const sk = skArg ?? flags.sortKey;
        const client = connect(cmd, flags.bucket);
        const stop = new AbortController();
        process.once('SIGINT', () => stop.abort());
        process.once('SIGTERM', () => stop.abort());
        const opts = {
          signal: stop.signal,
          initial: flags.changesOnly !== true,
          ...(flags.timeout === undefined ? {} : { timeoutSeconds: flags.timeout }),
        };
        const print = (items: readonly KeyedItem[]): void => {
          if (flags.json !== true) return out(renderReadRange(items.map(keyedOf), null, 'human'));
          for (const i of items) {
            out(JSON.stringify({ causality: i.token, partition_key: pk, sort_key: i.sk, value: i.values.map(wireValue) }) + '\n');
          }
        };
        if (sk !== undefined) {
          const since = flags.since === undefined ? {} : { since: causalityToken(flags.since) };
          for await (const item of client.watchItem(pk, sk, { ...opts, ...since })) print([{ ...item, sk }]);
        } else {
          const since = flags.since === undefined ? {} : { since: flags.since };
          for await (const batch of client.watchRange(pk, rangeOf(flags), { ...opts, ...since })) print(batch.items);
        }
      }),
    );
}
