/**
 * The single-item verbs of k2v-cli: `insert`, `read`, `delete`, `poll-item`, with its flags and
 * outputs, plus the product page's spelling (`--partition`, `--sort-key`, `--value`, `--bucket`
 * on the verb) and a `delete` without a token, which deletes the values it has just read.
 */
import { Command, InvalidArgumentError } from 'commander';
import { causalityToken, type K2vClient } from 'k2v-client';
import { CliError } from '../cli-error.js';
import { out, runAction } from '../run-action.js';
import { connect } from './connection.js';
import { pollTimedOut, renderRead, type Rendered } from './read-output.js';
import { causalOf } from './to-cli.js';
import { valueOf, type ValueFlags } from './value-input.js';
import {
  addKeyOptions,
  addReadFormatOptions,
  partitionOf,
  readFormatOf,
  sortKeyOf,
  type KeyFlags,
  type ReadFormatFlags,
} from './verb-args.js';

const notFound = (pk: string, sk: string): CliError =>
  new CliError(`NoSuchKey: no item at partition key ${JSON.stringify(pk)}, sort key ${JSON.stringify(sk)}`);

function itemVerb(name: string, description: string): Command {
  return addKeyOptions(
    new Command(name).description(description).argument('[partition-key]', 'partition key').argument('[sort-key]', 'sort key'),
    true,
  );
}

async function printItem(client: K2vClient, pk: string, sk: string, flags: ReadFormatFlags): Promise<number> {
  const format = readFormatOf(flags);
  const item = await client.readItem(pk, sk);
  if (item === undefined) throw notFound(pk, sk);
  return emit(renderRead(causalOf(item), format));
}

function emit(r: Rendered): number {
  out(r.stdout);
  if (r.stderr !== undefined) process.stderr.write(r.stderr);
  return r.exitCode;
}

export function insertVerb(): Command {
  return itemVerb('insert', 'insert a value (a new version of the values the token names, or a concurrent one without it)')
    .option('-c, --causality <token>', 'causality token of the read this write replaces')
    .option('-t, --text <text>', 'the value, as UTF-8 text')
    .option('-b, --b64 <base64>', 'the value, in base64')
    .option('-f, --file <file>', 'the value, from a file (- for stdin)')
    .option('--value <text>', 'the value, as UTF-8 text (same as --text)')
    .addHelpText(
      'after',
      `
Examples:
  k2v insert user-123 profile.json -f profile.json
  k2v insert user-123 profile.json -c "$token" -t '{"name":"Alice"}'
  k2v insert --bucket my-bucket --partition part1 --sort-key key1 --value "data"`,
    )
    .action(
      runAction(async (pkArg: string | undefined, skArg: string | undefined, flags: KeyFlags & ValueFlags & { causality?: string }, cmd: Command) => {
        const pk = partitionOf(pkArg, flags);
        const sk = sortKeyOf(skArg, flags);
        const client = connect(cmd, flags.bucket);
        const value = await valueOf(flags);
        await client.insertItem(pk, sk, value, flags.causality === undefined ? undefined : causalityToken(flags.causality));
      }),
    );
}

export function readVerb(): Command {
  return addReadFormatOptions(itemVerb('read', 'read an item: its causality token and every concurrent value'))
    .addHelpText(
      'after',
      `
Output: --human (default) "causality: …" then the values; --b64 the token on the first line, then
one base64 value per line (an empty line for a tombstone); --raw the value's bytes; --json.
Exit code 1 if the item does not exist.

Examples:
  k2v read user-123 profile.json
  token=$(k2v read user-123 profile.json -b | head -n 1)
  k2v read user-123 photo.jpg -r > photo.jpg`,
    )
    .action(
      runAction(async (pkArg: string | undefined, skArg: string | undefined, flags: KeyFlags & ReadFormatFlags, cmd: Command) => {
        const pk = partitionOf(pkArg, flags);
        const sk = sortKeyOf(skArg, flags);
        readFormatOf(flags);
        return printItem(connect(cmd, flags.bucket), pk, sk, flags);
      }),
    );
}

export function deleteVerb(): Command {
  return itemVerb('delete', 'delete an item (write a tombstone over the values the token names)')
    .option('-c, --causality <token>', 'causality token of the read this delete replaces (default: read the item now and delete what it holds)')
    .addHelpText(
      'after',
      `
Examples:
  k2v delete user-123 profile.json -c "$token"
  k2v delete --bucket my-bucket --partition part1 --sort-key key1`,
    )
    .action(
      runAction(async (pkArg: string | undefined, skArg: string | undefined, flags: KeyFlags & { causality?: string }, cmd: Command) => {
        const pk = partitionOf(pkArg, flags);
        const sk = sortKeyOf(skArg, flags);
        const client = connect(cmd, flags.bucket);
        let token = flags.causality === undefined ? undefined : causalityToken(flags.causality);
        if (token === undefined) {
          const item = await client.readItem(pk, sk);
          if (item === undefined) throw notFound(pk, sk);
          token = item.token;
        }
        await client.deleteItem(pk, sk, token);
      }),
    );
}

export function seconds(text: string): number {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) throw new InvalidArgumentError('must be a whole number of seconds');
  return Number(text);
}

export function pollItemVerb(): Command {
  return addReadFormatOptions(
    itemVerb('poll-item', 'wait until an item changes from the version a token names, then print it'),
  )
    .requiredOption('-c, --causality <token>', 'causality token of the version already seen')
    .option('-T, --timeout <seconds>', 'how long to wait (default 300; the server allows 1 to 600)', seconds)
    .addHelpText(
      'after',
      `
Prints the item as read does, or "Delay expired and value didn't change." (null with --json) when
the timeout went by; both exit 0.

Example:
  k2v poll-item user-123 profile.json -c "$token" -T 60 -j`,
    )
    .action(
      runAction(
        async (
          pkArg: string | undefined,
          skArg: string | undefined,
          flags: KeyFlags & ReadFormatFlags & { causality: string; timeout?: number },
          cmd: Command,
        ) => {
          const pk = partitionOf(pkArg, flags);
          const sk = sortKeyOf(skArg, flags);
          const format = readFormatOf(flags);
          const client = connect(cmd, flags.bucket);
          const item = await client.pollItem(pk, sk, causalityToken(flags.causality), flags.timeout === undefined ? {} : { timeoutSeconds: flags.timeout });
          if (item === undefined) {
            out(pollTimedOut(format === 'json'));
            return 0;
          }
          return emit(renderRead(causalOf(item), format));
        },
      ),
    );
}
