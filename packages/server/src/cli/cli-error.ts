/**
 * How a `k2v` command fails: a message for stderr and an exit code, and nothing else (no stack
 * trace). The exit codes are the ones of Garage's `k2v-cli`, so scripts written for it keep
 * their meaning:
 *
 * - 0: done (a poll that timed out without a change is done too);
 * - 1: the operation failed (an error answer from the server, an item not found, the server not
 *   reachable, a bad value), or `read --raw` found concurrent values;
 * - 2: the command line is wrong (unknown flag, missing argument or setting), or `read --raw`
 *   found a tombstone.
 */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A usage error: what is wrong with the command line and how to fix it. */
export const usageError = (message: string): CliError => new CliError(message, EXIT_USAGE);
