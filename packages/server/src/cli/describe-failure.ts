/**
 * One line for any failure of a verb: an error answer keeps the contract's code and message,
 * with the HTTP status and the request path when the client library knows them; what went
 * wrong on this side (server unreachable, a file that cannot be read) says what and why.
 */
import { K2vError } from 'k2v-client';
import { AdminApiError } from './admin/admin-client.js';
import { EXIT_FAILURE } from './cli-error.js';

export interface Failure {
  readonly message: string;
  readonly exitCode: number;
}

export function describeFailure(err: unknown): Failure {
  if (err instanceof AdminApiError) {
    return { message: `${err.code}: ${err.message}${err.status === 0 ? '' : ` (HTTP ${err.status})`}`, exitCode: EXIT_FAILURE };
  }
  if (err instanceof K2vError) {
    const where = [err.status === 0 ? undefined : `HTTP ${err.status}`, err.path === '' ? undefined : `path ${err.path}`].filter(Boolean);
    return { message: `${err.code}: ${err.message}${where.length === 0 ? '' : ` (${where.join(', ')})`}`, exitCode: EXIT_FAILURE };
  }
  if (isNodeSystemError(err)) return { message: `${err.message}`, exitCode: EXIT_FAILURE };
  return { message: `unexpected error: ${err instanceof Error ? err.message : String(err)}`, exitCode: EXIT_FAILURE };
}

function isNodeSystemError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && 'syscall' in err;
}
