/**
 * The first run on the real binary: `k2v server` in an empty directory prints an export block
 * whose credentials work (aws4-signed write and read, admin token), keeps it owner-only in the
 * data dir, never logs a secret, and prints only where the file is on the next start. Also: a
 * failed request is one warn line without secrets, a configured token turns the first run off,
 * and `--log-format pretty`.
 *
 * LMDB only (test/support/e2e-on-postgres.ts LMDB_ONLY): the first run creates credentials only on a new LMDB store, never on a shared PostgreSQL one.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, spawnCli, type Cli } from './support-process.js';
import { send, signedSend, waitExports, waitListening, waitOutput, writeThenRead, type Exports } from './support-first-run.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
function emptyDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'k2v-first-run-'));
  dirs.push(d);
  return d;
}

async function stop(cli: Cli): Promise<void> {
  cli.child.kill('SIGTERM');
  assert.equal(await cli.exited, 0, cli.stderr());
}

const logLines = (cli: Cli): Record<string, unknown>[] =>
  cli
    .stdout()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('first run', () => {
  test('from an empty directory: a working export block, owner-only files, no secret in the log, not printed again', async () => {
    const cwd = emptyDir();
    const ports = { k2v: await freePort(), admin: await freePort() };
    const args = ['server', '--k2v-bind', `127.0.0.1:${ports.k2v}`, '--admin-bind', `127.0.0.1:${ports.admin}`];
    const first = spawnCli(args, {}, cwd);
    let creds: Exports;
    try {
      creds = await waitExports(first);
      assert.equal(creds.K2V_ENDPOINT, `http://127.0.0.1:${ports.k2v}`);
      assert.equal(creds.K2V_ADMIN_ENDPOINT, `http://127.0.0.1:${ports.admin}`);
      assert.equal(creds.AWS_REGION, 'garage');
      assert.equal(creds.K2V_BUCKET, 'default');
      assert.match(creds.AWS_ACCESS_KEY_ID, /^GK[0-9a-f]{24}$/);
      assert.match(creds.AWS_SECRET_ACCESS_KEY, /^[0-9a-f]{64}$/);

      // The printed credentials work as they are.
      await writeThenRead({ url: creds.K2V_ENDPOINT }, creds, 'first-pk', 'hello world');
      const keys = await send({ url: creds.K2V_ADMIN_ENDPOINT }, { method: 'GET', path: '/v1/key', headers: { authorization: `Bearer ${creds.K2V_ADMIN_TOKEN}` } });
      assert.equal(keys.status, 200, keys.body);
      assert.deepEqual(
        (JSON.parse(keys.body) as { id: string }[]).map((k) => k.id),
        [creds.AWS_ACCESS_KEY_ID],
      );

      // A failed request: one warn line naming endpoint, status, code and key, nothing secret.
      const missing = await signedSend({ url: creds.K2V_ENDPOINT }, creds, { method: 'GET', path: '/no-such-bucket/pk?sort_key=a' });
      assert.equal(missing.status, 404);
      const badSig = await signedSend({ url: creds.K2V_ENDPOINT }, { ...creds, AWS_SECRET_ACCESS_KEY: '0'.repeat(64) }, { method: 'GET', path: '/default/pk?sort_key=a' });
      assert.equal(badSig.status, 403);
      const adminRefused = await send({ url: creds.K2V_ADMIN_ENDPOINT }, { method: 'GET', path: '/v1/key', headers: { authorization: 'Bearer wrong-token' } });
      assert.equal(adminRefused.status, 403);
      await waitOutput(first, (o) => (o.stdout.match(/request failed/g) ?? []).length >= 3, 'three failure lines');
      const failures = logLines(first).filter((l) => l.msg === 'request failed' || l.msg === 'admin request failed');
      assert.equal(failures.length, 3, JSON.stringify(failures));
      assert.deepEqual(
        failures.map((l) => [l.level, l.endpoint, l.status, l.code, l.keyId]),
        [
          [40, 'ReadItem', 404, 'NoSuchBucket', creds.AWS_ACCESS_KEY_ID],
          [40, 'ReadItem', 403, 'AccessDenied', creds.AWS_ACCESS_KEY_ID],
          [40, 'ListKeys', 403, 'AccessDenied', undefined],
        ],
      );
      for (const sent of [missing, badSig]) assert.ok(!first.stdout().includes(sent.signature), 'no signature in the log');
    } finally {
      await stop(first);
    }

    const dataDir = path.join(cwd, 'k2v-data');
    for (const name of ['credentials.env', 'admin_token']) {
      assert.equal(fs.statSync(path.join(dataDir, name)).mode & 0o777, 0o600, name);
    }
    const file = fs.readFileSync(path.join(dataDir, 'credentials.env'), 'utf8');
    assert.ok(file.includes(`export AWS_SECRET_ACCESS_KEY=${creds.AWS_SECRET_ACCESS_KEY}\n`));
    assert.ok(first.stderr().includes(file), 'the block printed is the file');
    assert.ok(first.stderr().includes(path.join(dataDir, 'credentials.env')), 'says where the file is');
    assert.equal((first.stderr().match(/AWS_SECRET_ACCESS_KEY/g) ?? []).length, 1, 'printed once');

    const second = spawnCli(args, {}, cwd);
    try {
      await waitListening(second);
      await waitOutput(second, (o) => o.stderr.includes('credentials.env'), 'the credentials file named');
      // The admin token of the first run still opens the admin API (read from the data dir).
      const keys = await send({ url: creds.K2V_ADMIN_ENDPOINT }, { method: 'GET', path: '/v1/key', headers: { authorization: `Bearer ${creds.K2V_ADMIN_TOKEN}` } });
      assert.equal(keys.status, 200, keys.body);
      await writeThenRead({ url: creds.K2V_ENDPOINT }, creds, 'second-pk', 'again');
    } finally {
      await stop(second);
    }
    for (const cli of [first, second]) {
      for (const secret of [creds.AWS_SECRET_ACCESS_KEY, creds.K2V_ADMIN_TOKEN]) {
        assert.ok(!cli.stdout().includes(secret), 'never in the log');
      }
    }
    for (const secret of [creds.AWS_SECRET_ACCESS_KEY, creds.K2V_ADMIN_TOKEN]) assert.ok(!second.stderr().includes(secret), 'not printed again');
    const [credsLine, consoleLine, ...rest] = second.stderr().trim().split('\n');
    assert.equal(credsLine, `k2v: the first run's credentials are in ${path.join(dataDir, 'credentials.env')} (source it: . ${path.join(dataDir, 'credentials.env')})`);
    assert.match(consoleLine ?? '', /^k2v: web console at http:\/\/127\.0\.0\.1:\d+\/console\/ \(sign in with K2V_ADMIN_TOKEN from that file, or an access key\)$/);
    assert.deepEqual(rest, []);
  });

  test('a configured admin token: no generated token, key or bucket', async () => {
    const dataDir = path.join(emptyDir(), 'data');
    const ports = { k2v: await freePort(), admin: await freePort() };
    const cli = spawnCli(['server', '--data-dir', dataDir, '--k2v-bind', `127.0.0.1:${ports.k2v}`, '--admin-bind', `127.0.0.1:${ports.admin}`], { K2V_ADMIN_TOKEN: 'configured-token' });
    try {
      await waitListening(cli);
      const keys = await send({ url: `http://127.0.0.1:${ports.admin}` }, { method: 'GET', path: '/v1/key', headers: { authorization: 'Bearer configured-token' } });
      assert.equal(keys.status, 200);
      assert.equal(keys.body.replace(/\s/g, ''), '[]');
    } finally {
      await stop(cli);
    }
    assert.ok(!fs.existsSync(path.join(dataDir, 'credentials.env')));
    assert.ok(!fs.existsSync(path.join(dataDir, 'admin_token')));
    assert.ok(!cli.stderr().includes('export'), cli.stderr());
  });

  test('--log-format pretty: human lines, not JSON', async () => {
    const ports = { k2v: await freePort(), admin: await freePort() };
    const cli = spawnCli(['server', '--data-dir', path.join(emptyDir(), 'data'), '--admin-token', 't', '--log-format', 'pretty', '--k2v-bind', `127.0.0.1:${ports.k2v}`, '--admin-bind', `127.0.0.1:${ports.admin}`]);
    try {
      await waitOutput(cli, (o) => o.stdout.includes('k2v server listening'), 'the listening line');
    } finally {
      await stop(cli);
    }
    const line = cli.stdout().split('\n').find((l) => l.includes('k2v server listening'))!;
    assert.throws(() => JSON.parse(line) as unknown, SyntaxError, line);
    assert.match(line, /INFO/);
  });
});
