/**
 * What the client verbs share on their command line: the item's keys (positional, k2v-cli's
 * spelling, or `--partition` / `--sort-key`, the product page's), the verb's own `--bucket`,
 * and the output format flags (one at most, as k2v-cli's argument groups allow).
 */
import { Command } from 'commander';
import { usageError } from '../cli-error.js';
import type { BatchFormat } from './batch-output.js';
import type { ReadFormat } from './read-output.js';

export interface KeyFlags {
  partition?: string;
  sortKey?: string;
  bucket?: string;
}

export function addKeyOptions(cmd: Command, withSortKey: boolean): Command {
  cmd.option('--partition <pk>', 'partition key (instead of the first argument)');
  if (withSortKey) cmd.option('--sort-key <sk>', 'sort key (instead of the second argument)');
  return cmd.option('--bucket <bucket>', 'bucket (instead of the global -b/--bucket)');
}

function pick(positional: string | undefined, flag: string | undefined, what: string, how: string): string {
  if (positional !== undefined && flag !== undefined && positional !== flag) {
    throw usageError(`two ${what}s given: ${JSON.stringify(positional)} and ${how} ${JSON.stringify(flag)}`);
  }
  const v = positional ?? flag;
  if (v === undefined) throw usageError(`missing ${what}: give it as an argument or with ${how}`);
  return v;
}

export const partitionOf = (positional: string | undefined, flags: KeyFlags): string =>
  pick(positional, flags.partition, 'partition key', '--partition');

export const sortKeyOf = (positional: string | undefined, flags: KeyFlags): string =>
  pick(positional, flags.sortKey, 'sort key', '--sort-key');

export interface ReadFormatFlags {
  b64?: boolean;
  raw?: boolean;
  human?: boolean;
  json?: boolean;
}

export function addReadFormatOptions(cmd: Command): Command {
  return cmd
    .option('-b, --b64', 'base64 output: the causality token, then one value per line (empty for a tombstone)')
    .option('-r, --raw', 'the value as it is (exit 1 if there are concurrent values, 2 if it is a tombstone)')
    .option('-H, --human', 'human output (the default)')
    .option('-j, --json', 'JSON output');
}

export function readFormatOf(flags: ReadFormatFlags): ReadFormat {
  const chosen = (['b64', 'raw', 'human', 'json'] as const).filter((k) => flags[k] === true);
  if (chosen.length > 1) throw usageError(`one output format only: ${chosen.map((k) => `--${k}`).join(' and ')} were given`);
  return chosen[0] ?? 'human';
}

export function addBatchFormatOptions(cmd: Command): Command {
  return cmd.option('-H, --human', 'human output (the default)').option('-j, --json', 'JSON output');
}

export function batchFormatOf(flags: { human?: boolean; json?: boolean }): BatchFormat {
  if (flags.human === true && flags.json === true) throw usageError('one output format only: --human and --json were given');
  return flags.json === true ? 'json' : 'human';
}
