/**
 * The poll suites once more with `--workers 2` (K2V_TEST_WORKERS=2, test/support/worker-cluster.ts):
 * a poll held by one worker must wake on a write made through the other (the primary relays the
 * changes), which one process never exercises. The other conformance suites pass with workers too
 * (docs/operations.md, "Several worker processes") but run with one process in `npm test`, to
 * keep CI short. Skipped when the whole run already uses workers or runs on PostgreSQL
 * (--workers is LMDB only).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_DB_ENGINE } from './db-engine.js';
import { testWorkers } from '../support/worker-cluster.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SUITES = ['poll-item.test.js', 'poll-range.test.js'].map((f) => path.join(here, f));

const skip = testWorkers() > 1 ? 'the whole run uses K2V_TEST_WORKERS already' : TEST_DB_ENGINE !== 'lmdb' ? '--workers is LMDB only' : false;

test('poll-item and poll-range pass with K2V_TEST_WORKERS=2', { skip, timeout: 300_000 }, async () => {
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  let out = '';
  const code = await new Promise<number | string>((resolve) => {
    const child = spawn(process.execPath, ['--test', '--test-concurrency=1', ...SUITES], {
      env: { ...env, K2V_TEST_WORKERS: '2' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.on('close', (c, s) => resolve(c ?? s ?? 'unknown'));
  });
  const failures = out.split('\n').filter((l) => /^\s*not ok|^\s*error:/.test(l));
  assert.equal(code, 0, `the poll suites with 2 workers failed (exit ${code}):\n${failures.join('\n')}\n--- last output:\n${out.slice(-4000)}`);
});
