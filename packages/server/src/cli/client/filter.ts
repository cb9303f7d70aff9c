/**
 * The range flags of k2v-cli's range verbs: `-p/--prefix`, `-s/--start`, `-e/--end`, `-a/--all`,
 * `-l/--limit`, `-r/--reverse`, `-c/--conflicts-only`, `-t/--tombstones`. k2v-cli insists on one
 * of -p/-s/-e/-a; here no range flag at all also means the whole range, so its scripts (which
 * always give one) work and a bare `k2v read-range pk` does what it says.
 */
import { Command, InvalidArgumentError } from 'commander';
import { CliError } from '../cli-error.js';

export interface FilterFlags {
  prefix?: string;
  start?: string;
  end?: string;
  all?: boolean;
  limit?: number;
  reverse?: boolean;
  conflictsOnly?: boolean;
  tombstones?: boolean;
}

function count(text: string): number {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) throw new InvalidArgumentError('must be a whole number');
  return Number(text);
}

export function addFilterOptions(cmd: Command, what: 'sort key' | 'partition key'): Command {
  return cmd
    .option('-p, --prefix <prefix>', `only ${what}s starting with this prefix`)
    .option('-s, --start <key>', `only ${what}s from this one on (included)`)
    .option('-e, --end <key>', `only ${what}s before this one (excluded)`)
    .option('-a, --all', `every ${what} (the default when no range flag is given)`)
    .option('-l, --limit <n>', `at most this many ${what}s`, count)
    .option('-r, --reverse', 'in descending order (the output stays in ascending order, as k2v-cli prints it)')
    .option('-c, --conflicts-only', 'only items with concurrent values')
    .option('-t, --tombstones', 'include items that hold only tombstones');
}

/** k2v-cli's refusal of range flags a verb cannot use (exit 1, as k2v-cli). */
export function refuse(flags: FilterFlags, names: readonly ('limit' | 'reverse' | 'conflictsOnly' | 'tombstones')[], verb: string): void {
  const flag = { limit: '--limit', reverse: '--reverse', conflictsOnly: '--conflicts-only', tombstones: '--tombstones' } as const;
  const used = names.filter((n) => (n === 'limit' ? flags.limit !== undefined : flags[n] === true));
  if (used.length > 0) throw new CliError(`${used.map((n) => flag[n]).join(', ')} cannot be used with ${verb}`);
}

/** The range part (prefix, start, end) of the flags, without the absent ones. */
export function rangeOf(flags: FilterFlags): { prefix?: string; start?: string; end?: string } {
  return {
    ...(flags.prefix === undefined ? {} : { prefix: flags.prefix }),
    ...(flags.start === undefined ? {} : { start: flags.start }),
    ...(flags.end === undefined ? {} : { end: flags.end }),
  };
}
