/**
 * The one place where a client or admin verb ends: its output flushed, its failure printed as
 * one line on stderr (`k2v: <code>: <message>`, never a stack trace), the exit code of
 * cli-error.ts. The process exits at once so that idle keep-alive connections do not hold it.
 */
import { CliError, EXIT_FAILURE } from './cli-error.js';
import { describeFailure } from './describe-failure.js';

export function runAction<A extends unknown[]>(fn: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    let code: number;
    try {
      code = (await fn(...args)) ?? 0;
    } catch (err) {
      const failure = err instanceof CliError ? { message: err.message, exitCode: err.exitCode } : describeFailure(err);
      process.stderr.write(`k2v: ${failure.message}\n`);
      code = failure.exitCode ?? EXIT_FAILURE;
    }
    await flush(process.stdout);
    await flush(process.stderr);
    process.exit(code);
  };
}

const flush = (stream: NodeJS.WriteStream): Promise<void> => new Promise((resolve) => stream.write('', () => resolve()));

/** Writes to stdout: text as UTF-8, bytes as they are. */
export const out = (data: string | Uint8Array): void => {
  if (data.length > 0) process.stdout.write(data);
};
