/**
 * Keeps a failed LMDB commit (full disk, I/O error) from killing the process.
 *
 * When a commit fails, lmdb-js rejects every promise of the failed transaction with
 * `Error('Commit failed (see commitError for details)')` carrying a `commitError` promise (write.js
 * rejectCommit). Some of those promises are its own, handed to nobody: the one of the "event turn
 * batch" start (write.js writeBatchStart) that every `transaction()` issued outside a write
 * transaction creates. Their rejection is unhandled, and Node's default for an unhandled
 * rejection is to crash. The callers' own promises still reject and are mapped to 503/500 by the
 * store, so these duplicates carry no information: they are dropped here, and so is their
 * `commitError`. Found by test/e2e/disk-full.test.ts (tmpfs filled up: the server died).
 *
 * Any other unhandled rejection keeps Node's default (crash) when nobody else listens.
 */

let installed = false;
/**
 * `commitError` promises of dropped failures: lmdb-js rejects them in the same tick, after the
 * failures, and a catch() added while Node reports that tick does not stop it reporting them too.
 */
const dropped = new WeakSet<Promise<unknown>>();

/** Installs the process-wide filter once. */
export function guardCommitFailures(): void {
  if (installed) return;
  installed = true;
  process.on('unhandledRejection', (reason, promise) => {
    if (isCommitFailure(reason)) {
      dropped.add(reason.commitError);
      reason.commitError.catch(() => undefined);
      return;
    }
    if (dropped.has(promise)) return;
    // Only listener: do what Node does without one. Otherwise the others decide.
    if (process.listenerCount('unhandledRejection') === 1) throw reason;
  });
}

/** lmdb-js's commit failure: an Error with a `commitError` promise (write.js rejectCommit). */
function isCommitFailure(reason: unknown): reason is Error & { commitError: Promise<unknown> } {
  return reason instanceof Error && (reason as { commitError?: unknown }).commitError instanceof Promise;
}
