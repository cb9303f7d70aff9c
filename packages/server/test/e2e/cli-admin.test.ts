/**
 * `k2v key …` and `k2v bucket …`, the real binary against a real server's admin API: every verb,
 * the human tables and --json, the --yes refusal without a terminal, errors on stderr with the
 * contract's code and no stack trace.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { putItem, useTestServer } from './harness.js';
import { existsSync } from 'node:fs';
import { adminEnv, runK2v, runProcess, type Run } from './support-cli.js';
import { K2V_BIN } from './support-process.js';

const ts = useTestServer();

async function k2v(...args: string[]): Promise<Run> {
  return runK2v(args, { env: adminEnv(ts) });
}

async function ok(...args: string[]): Promise<string> {
  const r = await k2v(...args);
  assert.equal(r.code, 0, `k2v ${args.join(' ')}: exit ${r.code}, stderr ${r.stderr}`);
  return r.text();
}

async function okJson<T>(...args: string[]): Promise<T> {
  return JSON.parse(await ok(...args, '--json')) as T;
}

interface KeyJson {
  accessKeyId: string;
  name: string;
  secretAccessKey?: string;
  permissions: { createBucket: boolean };
  buckets: { id: string; globalAliases: string[]; localAliases: string[]; permissions: { read: boolean; write: boolean; owner: boolean } }[];
}

interface BucketJson {
  id: string;
  globalAliases: string[];
  keys: { accessKeyId: string; permissions: { read: boolean; write: boolean; owner: boolean }; bucketLocalAliases: string[] }[];
  k2v: { items: number };
}

function assertCleanFailure(r: Run, code: number, pattern: RegExp): void {
  assert.equal(r.code, code, `stderr: ${r.stderr}`);
  assert.match(r.stderr.trimEnd(), pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
}

describe('k2v key', () => {
  test('create, list, info (secret redacted unless --show-secret), rename, allow/deny --create-bucket, delete --yes', async () => {
    const created = await okJson<KeyJson>('key', 'create', 'cli-app');
    assert.match(created.accessKeyId, /^GK[0-9a-f]{24}$/);
    assert.match(created.secretAccessKey ?? '', /^[0-9a-f]{64}$/);

    const human = await ok('key', 'create', 'cli-other');
    assert.match(human, /^Key name: cli-other\nKey ID: GK[0-9a-f]{24}\nSecret key: [0-9a-f]{64}\nCan create buckets: false\n/);

    const list = await ok('key', 'list');
    assert.match(list, /^List of keys:\n/);
    assert.match(list, new RegExp(`^  ${created.accessKeyId}  cli-app *$`, 'm'));
    const listed = await okJson<{ id: string; name: string }[]>('key', 'list');
    assert.ok(listed.some((k) => k.id === created.accessKeyId && k.name === 'cli-app'));

    const info = await ok('key', 'info', 'cli-app');
    assert.match(info, new RegExp(`^Key name: cli-app\nKey ID: ${created.accessKeyId}\nSecret key: \\(redacted\\)\n`));
    const shown = await ok('key', 'info', created.accessKeyId.slice(0, 10), '--show-secret');
    assert.match(shown, new RegExp(`^Secret key: ${created.secretAccessKey}$`, 'm'));
    assert.equal((await okJson<KeyJson>('key', 'info', 'cli-app')).secretAccessKey, undefined);

    const renamed = await okJson<KeyJson>('key', 'rename', 'cli-app', 'cli-renamed');
    assert.equal(renamed.name, 'cli-renamed');
    assert.equal((await okJson<KeyJson>('key', 'allow', 'cli-renamed', '--create-bucket')).permissions.createBucket, true);
    assert.match(await ok('key', 'info', 'cli-renamed'), /^Can create buckets: true$/m);
    assert.equal((await okJson<KeyJson>('key', 'deny', 'cli-renamed', '--create-bucket')).permissions.createBucket, false);

    assert.equal(await ok('key', 'delete', 'cli-renamed', '--yes'), `Key ${created.accessKeyId} was deleted successfully.\n`);
    assertCleanFailure(await k2v('key', 'info', created.accessKeyId), 1, /^k2v: no key matches/);
  });

  test('import takes an id and a secret, with -n for the name and --yes', async () => {
    const id = 'GK' + 'ab'.repeat(12);
    const secret = 'cd'.repeat(32);
    assertCleanFailure(await k2v('key', 'import', id, secret), 1, /add --yes to confirm/);
    const imported = await okJson<KeyJson>('key', 'import', id, secret, '-n', 'from-garage', '--yes');
    assert.deepEqual([imported.accessKeyId, imported.name], [id, 'from-garage']);
    assert.equal((await okJson<KeyJson>('key', 'info', id, '--show-secret')).secretAccessKey, secret);
    assertCleanFailure(await k2v('key', 'import', id, secret, '--yes'), 1, /^k2v: KeyAlreadyExists: /);
  });

  test('delete refuses without --yes when stdin is not a terminal, and changes nothing', async () => {
    const key = await okJson<KeyJson>('key', 'create', 'keep-me');
    assertCleanFailure(await k2v('key', 'delete', key.accessKeyId), 1, /^k2v: delete key .*add --yes to confirm/);
    assert.equal((await okJson<KeyJson>('key', 'info', key.accessKeyId)).name, 'keep-me');
  });

  test('on a terminal, delete asks: "n" keeps the key, "y" deletes it', { skip: existsSync('/usr/bin/script') ? false : 'needs script(1) from util-linux for a terminal' }, async () => {
    const key = await okJson<KeyJson>('key', 'create', 'ask-me');
    // script(1) runs the command on a pseudo-terminal and feeds it our stdin.
    const onTty = (answer: string) =>
      runProcess('/usr/bin/script', ['-qec', `'${process.execPath}' '${K2V_BIN}' key delete ${key.accessKeyId}`, '/dev/null'], {
        env: adminEnv(ts),
        input: answer,
      });
    const no = await onTty('n\n');
    assert.equal(no.code, 1, no.text());
    assert.match(no.text(), new RegExp(`delete key ${key.accessKeyId} \\(ask-me\\)\\? \\[y/N\\]`));
    assert.match(no.text(), /not confirmed, nothing done/);
    assert.equal((await okJson<KeyJson>('key', 'info', key.accessKeyId)).name, 'ask-me');
    const yes = await onTty('y\n');
    assert.equal(yes.code, 0, yes.text());
    assert.match(yes.text(), new RegExp(`Key ${key.accessKeyId} was deleted successfully.`));
    assertCleanFailure(await k2v('key', 'info', key.accessKeyId), 1, /^k2v: no key matches/);
  });

  test('ambiguous and unknown keys, allow without a flag', async () => {
    await ok('key', 'create', 'twin');
    await ok('key', 'create', 'twin');
    assertCleanFailure(await k2v('key', 'info', 'twin'), 1, /^k2v: 2 keys match 'twin'/);
    assertCleanFailure(await k2v('key', 'allow', 'GK'), 2, /nothing to change: give --create-bucket/);
  });
});

describe('k2v bucket', () => {
  test('create, list, info, alias/unalias (global and --local), allow/deny, delete --yes', async () => {
    const key = await okJson<KeyJson>('key', 'create', 'bucket-user');
    assert.equal(await ok('bucket', 'create', 'cli-bucket'), 'Bucket cli-bucket was created.\n');
    const info = await okJson<BucketJson>('bucket', 'info', 'cli-bucket');
    assert.match(info.id, /^[0-9a-f]{64}$/);
    assert.deepEqual(info.globalAliases, ['cli-bucket']);

    assert.equal(
      await ok('bucket', 'allow', '--read', '--write', '--key', 'bucket-user', 'cli-bucket'),
      `New permissions for ${key.accessKeyId} on cli-bucket: read true, write true, owner false.\n`,
    );
    assert.equal(
      await ok('bucket', 'allow', '--owner', '--key', key.accessKeyId, 'cli-bucket'),
      `New permissions for ${key.accessKeyId} on cli-bucket: read true, write true, owner true.\n`,
    );
    assert.equal(
      await ok('bucket', 'deny', '--write', '--key', 'bucket-user', info.id),
      `New permissions for ${key.accessKeyId} on ${info.id}: read true, write false, owner true.\n`,
    );

    assert.equal(await ok('bucket', 'alias', 'cli-bucket', 'cli-second'), `Alias cli-second now points to bucket ${info.id}\n`);
    assert.equal(
      await ok('bucket', 'alias', info.id.slice(0, 12), 'mine', '--local', 'bucket-user'),
      `Alias mine now points to bucket ${info.id} in namespace of key ${key.accessKeyId}\n`,
    );
    const human = await ok('bucket', 'info', 'cli-second');
    assert.match(human, new RegExp(`^Bucket: ${info.id}\n\nK2V items: 0\n`));
    assert.match(human, /\nGlobal aliases:\n  cli-bucket\n  cli-second\n/);
    assert.match(human, new RegExp(`\nKey-specific aliases:\n  ${key.accessKeyId} \\(bucket-user\\)  mine\n`));
    assert.match(human, new RegExp(`\nAuthorized keys:\n  R O  ${key.accessKeyId}  bucket-user\n`));
    assert.match(await ok('key', 'info', 'bucket-user'), new RegExp(`\nAuthorized buckets:\n  R O  cli-bucket, cli-second  mine  ${info.id}\n`));

    const list = await ok('bucket', 'list');
    assert.match(list, /^List of buckets:\n/);
    assert.match(list, new RegExp(`^  cli-bucket,cli-second +${key.accessKeyId}:mine  ${info.id}$`, 'm'));
    assert.ok((await okJson<{ id: string }[]>('bucket', 'list')).some((b) => b.id === info.id));

    assert.equal(await ok('bucket', 'unalias', 'cli-second'), `Alias cli-second no longer points to bucket ${info.id}\n`);
    assert.equal(
      await ok('bucket', 'unalias', 'mine', '--local', 'bucket-user'),
      `Alias mine no longer points to bucket ${info.id} in namespace of key ${key.accessKeyId}\n`,
    );
    assert.deepEqual((await okJson<BucketJson>('bucket', 'info', 'cli-bucket')).globalAliases, ['cli-bucket']);

    assertCleanFailure(await k2v('bucket', 'delete', 'cli-bucket'), 1, /add --yes to confirm/);
    assert.equal(await ok('bucket', 'delete', 'cli-bucket', '--yes'), 'Bucket cli-bucket was deleted.\n');
    assertCleanFailure(await k2v('bucket', 'info', 'cli-bucket'), 1, /^k2v: NoSuchBucket: .*\(HTTP 404\)$/);
  });

  test('a bucket holding items is not deleted (the contract code on stderr)', async () => {
    await putItem(ts, 'pk', 'sk', 'value');
    assertCleanFailure(await k2v('bucket', 'delete', ts.bucket, '--yes'), 1, /^k2v: BucketNotEmpty: .*\(HTTP 409\)$/);
    assert.equal((await okJson<BucketJson>('bucket', 'info', ts.bucket)).k2v.items, 1);
  });

  test('errors: a wrong token, an unreachable endpoint, a missing flag', async () => {
    assertCleanFailure(await runK2v(['key', 'list'], { env: { ...adminEnv(ts), K2V_ADMIN_TOKEN: 'wrong' } }), 1, /^k2v: AccessDenied: .*\(HTTP 403\)$/);
    assertCleanFailure(
      await runK2v(['bucket', 'list', '--admin-endpoint', 'http://127.0.0.1:1', '--admin-token', 'x']),
      1,
      /^k2v: NetworkError: cannot reach the admin API at http:\/\/127\.0\.0\.1:1/,
    );
    const r = await k2v('bucket', 'allow', 'some-bucket', '--read');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /required option '--key <key>'/);
  });
});
