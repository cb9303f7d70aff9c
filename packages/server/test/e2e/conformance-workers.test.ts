/**
 * The conformance suites once more with `--workers 2` (K2V_TEST_WORKERS=2,
 * test/support/worker-cluster.ts): the README's guarantees hold with several processes too. The
 * poll suites first, alone (a poll held by one worker must wake on a write made through the
 * other: the primary relays the changes, which one process never exercises), then the others.
 * Skipped when the whole run already uses workers or runs on PostgreSQL (--workers is LMDB only).
 * Not here: lifecycle (its tombstone GC case needs the test process's store), the CLI and backup
 * suites, metrics and admin-v2 (they pass with workers too: docs/operations.md).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_DB_ENGINE } from './db-engine.js';
import { testWorkers } from '../support/worker-cluster.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const suites = (files: string[]) => files.map((f) => path.join(here, `${f}.test.js`));

const skip = testWorkers() > 1 ? 'the whole run uses K2V_TEST_WORKERS already' : TEST_DB_ENGINE !== 'lmdb' ? '--workers is LMDB only' : false;

/** Runs `files` in a child `node --test` with K2V_TEST_WORKERS=2; fails with its failures. */
async function withTwoWorkers(files: string[], concurrency: number): Promise<void> {
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  let out = '';
  const code = await new Promise<number | string>((resolve) => {
    const child = spawn(process.execPath, ['--test', `--test-concurrency=${concurrency}`, ...suites(files)], {
      env: { ...env, K2V_TEST_WORKERS: '2' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.on('close', (c, s) => resolve(c ?? s ?? 'unknown'));
  });
  const failures = out.split('\n').filter((l) => /^\s*not ok|^\s*error:/.test(l));
  assert.equal(code, 0, `${files.join(', ')} with 2 workers failed (exit ${code}):\n${failures.join('\n')}\n--- last output:\n${out.slice(-4000)}`);
  assert.match(out, /^# pass [1-9]/m, 'the suites ran');
}

test('poll-item and poll-range pass with K2V_TEST_WORKERS=2', { skip, timeout: 300_000 }, () => withTwoWorkers(['poll-item', 'poll-range'], 1));

test('the other conformance suites pass with K2V_TEST_WORKERS=2', { skip, timeout: 300_000 }, () =>
  withTwoWorkers(['range', 'index', 'batch', 'items', 'auth', 'bad-input', 'hostile-input', 'authz-matrix', 'routing', 'cors'], 2),
);
