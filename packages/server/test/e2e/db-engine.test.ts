import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TEST_DB_ENGINE } from './db-engine.js';

const MODULE = fileURLToPath(new URL('./db-engine.js', import.meta.url));

function load(engine: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--input-type=module', '-e', `await import(${JSON.stringify(MODULE)})`],
      { env: { ...process.env, K2V_TEST_DB_ENGINE: engine } },
      (_err, _stdout, stderr) => resolve({ code: child.exitCode, stderr }),
    );
  });
}

describe('K2V_TEST_DB_ENGINE', () => {
  it('defaults to lmdb', () => {
    if (process.env['K2V_TEST_DB_ENGINE'] === undefined) assert.equal(TEST_DB_ENGINE, 'lmdb');
  });

  it('fails the test run loudly on an unknown engine, and accepts lmdb', async () => {
    const bad = await load('mysql');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /K2V_TEST_DB_ENGINE="mysql" is not a database engine the tests know \(known: lmdb, postgres\)/);
    assert.equal((await load('lmdb')).code, 0);
  });
});
