import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const GUARD = fileURLToPath(new URL('../../../src/store/lmdb/commit-failure-guard.js', import.meta.url));

/** Runs `body` in a fresh Node process (no test runner listeners) after installing the guard. */
function runGuarded(body: string): { status: number | null; stderr: string } {
  const script = `import { guardCommitFailures } from ${JSON.stringify(GUARD)};\nguardCommitFailures();\n${body}`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

describe('commit failure guard', () => {
  it("ignores lmdb-js's unhandled commit-failure rejections and their commitError", () => {
    const r = runGuarded(`
      // As write.js rejectCommit: the batch's promises first, then the shared commitError.
      let rejectCommit;
      const commitError = new Promise((_, reject) => (rejectCommit = reject));
      Promise.reject(Object.assign(new Error('Commit failed (see commitError for details)'), { commitError }));
      rejectCommit(Object.assign(new Error('Input/output error'), { code: 5 }));
      setTimeout(() => process.exit(0), 50);
    `);
    assert.equal(r.status, 0, r.stderr);
  });

  it('still crashes on any other unhandled rejection', () => {
    const r = runGuarded(`
      Promise.reject(new Error('a real bug'));
      setTimeout(() => process.exit(0), 50);
    `);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /a real bug/);
  });
});
