/**
 * Keeps postgres.js 3.4.9's write-after-close bug from killing the process.
 *
 * When a connection closes while a query is being sent on it (PostgreSQL stopped or crashed under
 * load), the driver can later run its scheduled write with the socket already gone: a TypeError
 * thrown from a setImmediate callback (`nextWrite` in its src/connection.js), outside every
 * promise, so no caller can catch it and Node ends the process (porsager/postgres#1208, fixes
 * proposed upstream in #1168 / #1209, unreleased; found by test/e2e/crash-postgres.test.ts). That
 * exception is dropped here, and every pool that asked is renewed (renewablePool), since the
 * connection that threw can never send again; the query it carried has already failed or fails
 * at its deadline (503), so nothing is acknowledged that is not committed.
 *
 * Any other uncaught exception keeps Node's default (print, exit 1) when nobody else listens.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let installed = false;
const onDriverFault = new Set<() => void>();

/** The driver's connection.js, as its stack frames name it. */
function driverConnectionFile(): string {
  try {
    return path.join(path.dirname(fileURLToPath(import.meta.resolve('postgres'))), 'connection.js');
  } catch {
    return `${path.sep}postgres${path.sep}src${path.sep}connection.js`;
  }
}

/** Installs the process-wide filter once; `renew` runs after each dropped driver fault. */
export function guardDriverFaults(renew: () => void): () => void {
  onDriverFault.add(renew);
  if (!installed) {
    installed = true;
    const file = driverConnectionFile();
    process.on('uncaughtException', (err) => {
      if (isWriteAfterClose(err, file)) {
        for (const f of onDriverFault) f();
        return;
      }
      if (process.listenerCount('uncaughtException') === 1) {
        process.stderr.write(`${err instanceof Error ? (err.stack ?? String(err)) : String(err)}\n`);
        process.exit(1);
      }
    });
  }
  return () => void onDriverFault.delete(renew);
}

/**
 * A TypeError thrown by the driver's connection code itself (its top frame in connection.js): the
 * `nextWrite` on a null socket above, or any other use of a socket the driver has already dropped
 * (the same teardown race, reached from one of its timers). Such a connection is dead; the
 * process is not.
 */
function isWriteAfterClose(err: unknown, file: string): boolean {
  if (!(err instanceof TypeError) || err.stack === undefined) return false;
  const top = err.stack.split('\n').find((l) => l.trimStart().startsWith('at '));
  return top !== undefined && top.includes(file);
}
