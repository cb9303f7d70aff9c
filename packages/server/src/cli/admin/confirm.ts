/**
 * Destructive verbs go ahead with `--yes`; without it they ask on a terminal and refuse
 * elsewhere with exit code 1 (a script must say `--yes`), as `garage key delete` refuses without it.
 */
import { createInterface } from 'node:readline/promises';
import { CliError } from '../cli-error.js';

export async function confirm(what: string, yes: boolean): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY) throw new CliError(`${what}: add --yes to confirm (stdin is not a terminal, so nobody can be asked)`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${what}? [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) throw new CliError(`${what}: not confirmed, nothing done`);
  } finally {
    rl.close();
  }
}
