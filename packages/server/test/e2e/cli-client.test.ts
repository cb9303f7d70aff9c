/**
 * The client verbs of the real `k2v` binary against a real server: every verb and output
 * format, byte for byte (tokens taken from the server through the independent aws4-signed
 * harness), global options before the verb versus the verb's own, the product page's spelling,
 * errors on stderr with the contract's code and no stack trace, exit codes.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { b64, deleteItem, putItem, readItem, uniquePk, useTestServer } from './harness.js';
import { clientEnv, runK2v, type Run } from './support-cli.js';
import { eventually, within } from './support-http.js';
import { freePort, spawnCli, type Cli } from './support-process.js';

const ts = useTestServer();

const k2v = (args: string[], input?: string | Buffer): Promise<Run> => runK2v(args, { env: clientEnv(ts), ...(input === undefined ? {} : { input }) });

async function ok(args: string[], input?: string | Buffer): Promise<Run> {
  const r = await k2v(args, input);
  assert.equal(r.code, 0, `k2v ${args.join(' ')}: exit ${r.code}, stderr ${r.stderr}`);
  return r;
}

async function token(pk: string, sk: string): Promise<string> {
  const item = await readItem(ts, pk, sk);
  if (item === undefined) throw new Error(`${pk}/${sk} not found`);
  return item.ct;
}

function assertCleanFailure(r: Run, code: number, pattern: RegExp): void {
  assert.equal(r.code, code, `stderr: ${r.stderr}`);
  assert.match(r.stderr.trimEnd(), pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(r.stdout.length, 0, 'nothing on stdout');
}

describe('single items', () => {
  test('insert -t, then read in the four formats', async () => {
    const pk = uniquePk('fmt');
    await ok(['insert', pk, 'k', '-t', 'héllo']);
    const ct = await token(pk, 'k');
    assert.equal((await ok(['read', pk, 'k'])).text(), `causality: ${ct}\nvalues:\n  utf-8: héllo\n`);
    assert.equal((await ok(['read', pk, 'k', '-H'])).text(), `causality: ${ct}\nvalues:\n  utf-8: héllo\n`);
    assert.equal((await ok(['read', pk, 'k', '-b'])).text(), `${ct}\n${b64('héllo')}\n`);
    assert.equal((await ok(['read', pk, 'k', '--json'])).text(), `{\n  "causality": "${ct}",\n  "value": [\n    "${b64('héllo')}"\n  ]\n}`);
    assert.equal((await ok(['read', pk, 'k', '-r'])).text(), 'héllo');
  });

  test('concurrent values: -b lists each, -r exits 1; a tombstone: an empty -b line, -r exits 2', async () => {
    const pk = uniquePk('siblings');
    await ok(['insert', pk, 'k', '-t', 'one']);
    await ok(['insert', pk, 'k', '-t', 'two']);
    const ct = await token(pk, 'k');
    assert.equal((await ok(['read', pk, 'k', '-b'])).text(), `${ct}\n${b64('one')}\n${b64('two')}\n`);
    const raw = await k2v(['read', pk, 'k', '-r']);
    assert.deepEqual([raw.code, raw.stdout.length, raw.stderr], [1, 0, 'Raw mode can only read non-concurrent values, found 2 values, expected 1\n']);

    await ok(['delete', pk, 'k', '-c', ct]);
    const dead = await token(pk, 'k');
    assert.equal((await ok(['read', pk, 'k', '-b'])).text(), `${dead}\n\n`);
    assert.equal((await ok(['read', pk, 'k'])).text(), `causality: ${dead}\nvalues:\n  tombstone\n`);
    assert.equal((await ok(['read', pk, 'k', '-j'])).text(), `{\n  "causality": "${dead}",\n  "value": [\n    null\n  ]\n}`);
    const tomb = await k2v(['read', pk, 'k', '-r']);
    assert.deepEqual([tomb.code, tomb.stderr], [2, 'Expected value, found tombstone\n']);
  });

  test('insert with -c replaces what the token saw; -b, -f FILE and -f - take bytes', async () => {
    const pk = uniquePk('values');
    await putItem(ts, pk, 'k', 'old');
    await ok(['insert', pk, 'k', '-c', await token(pk, 'k'), '-b', b64(Buffer.from([0, 0xff, 0x80]))]);
    assert.deepEqual((await ok(['read', pk, 'k', '-r'])).stdout, Buffer.from([0, 0xff, 0x80]));
    assert.equal((await ok(['read', pk, 'k'])).text(), `causality: ${await token(pk, 'k')}\nvalues:\n  base64: AP+A\n`);

    const dir = await mkdtemp(path.join(os.tmpdir(), 'k2v-cli-'));
    const file = path.join(dir, 'v.bin');
    await writeFile(file, Buffer.from([1, 2, 3]));
    await ok(['insert', pk, 'file', '-f', file]);
    assert.deepEqual((await ok(['read', pk, 'file', '-r'])).stdout, Buffer.from([1, 2, 3]));
    await ok(['insert', pk, 'stdin', '-f', '-'], Buffer.from('from\nstdin'));
    assert.equal((await ok(['read', pk, 'stdin', '-r'])).text(), 'from\nstdin');
  });

  test('bad values: invalid base64 (exit 1), no value or two values (exit 2), a missing file (exit 1)', async () => {
    const pk = uniquePk('badvalue');
    assertCleanFailure(await k2v(['insert', pk, 'k', '-b', 'aGk']), 1, /^k2v: invalid base64 input$/);
    assertCleanFailure(await k2v(['insert', pk, 'k', '-b', 'aGl=']), 1, /^k2v: invalid base64 input$/);
    assertCleanFailure(await k2v(['insert', pk, 'k']), 2, /^k2v: no value/);
    assertCleanFailure(await k2v(['insert', pk, 'k', '-t', 'a', '-b', 'YQ==']), 2, /^k2v: one value only/);
    assertCleanFailure(await k2v(['insert', pk, 'k', '-f', '/nonexistent/file']), 1, /^k2v: .*no such file or directory/);
    assert.equal(await readItem(ts, pk, 'k'), undefined, 'nothing was written');
  });

  test('read of an item never written: exit 1, NoSuchKey on stderr', async () => {
    assertCleanFailure(await k2v(['read', uniquePk('none'), 'k']), 1, /^k2v: NoSuchKey: /);
  });

  test('poll-item: a timeout prints the k2v-cli line (null with -j); a write from another client wakes it', async () => {
    const pk = uniquePk('poll');
    await putItem(ts, pk, 'k', 'v1');
    const ct = await token(pk, 'k');
    assert.equal((await ok(['poll-item', pk, 'k', '-c', ct, '-T', '1'])).text(), "Delay expired and value didn't change.\n");
    assert.equal((await ok(['poll-item', pk, 'k', '-c', ct, '-T', '1', '-j'])).text(), 'null\n');

    const polling = k2v(['poll-item', pk, 'k', '-c', ct, '-T', '60', '-b']);
    // The poll carries the old token, so the write wakes it whether it arrives before or after.
    await putItem(ts, pk, 'k', 'v2', ct);
    const woken = await polling;
    assert.equal(woken.code, 0, woken.stderr);
    assert.equal(woken.text(), `${await token(pk, 'k')}\n${b64('v2')}\n`);
  });
});

describe('ranges', () => {
  async function fill(pk: string): Promise<void> {
    await putItem(ts, pk, 'a', 'A');
    await putItem(ts, pk, 'b1', 'B1');
    await putItem(ts, pk, 'b1', 'B1bis');
    await putItem(ts, pk, 'b2', Buffer.from([0xfe]));
    await putItem(ts, pk, 'c', 'C');
    await deleteItem(ts, pk, 'c', await token(pk, 'c'));
  }

  const human = async (pk: string, sk: string, vals: string[]): Promise<string> =>
    `sort_key: ${sk}\ncausality: ${await token(pk, sk)}\n` + vals.map((v) => `  ${v}\n`).join('');

  test('read-range: human and json, -p/-s/-e, -l with a next key, -c, -t, -r (printed in key order, as k2v-cli)', async () => {
    const pk = uniquePk('range');
    await fill(pk);
    const a = await human(pk, 'a', ['value(utf-8): A']);
    const b1 = await human(pk, 'b1', ['value(utf-8): B1', 'value(utf-8): B1bis']);
    const b2 = await human(pk, 'b2', ['value(base64): /g==']);
    const c = await human(pk, 'c', ['tombstone']);
    assert.equal((await ok(['read-range', pk, '-a'])).text(), a + b1 + b2);
    assert.equal((await ok(['read-range', pk])).text(), a + b1 + b2, 'no range flag: the whole partition');
    assert.equal((await ok(['read-range', pk, '-a', '-t'])).text(), a + b1 + b2 + c);
    assert.equal((await ok(['read-range', pk, '-p', 'b'])).text(), b1 + b2);
    assert.equal((await ok(['read-range', pk, '-s', 'b1', '-e', 'b2'])).text(), b1);
    assert.equal((await ok(['read-range', pk, '-a', '-c'])).text(), b1);
    assert.equal((await ok(['read-range', pk, '-a', '-l', '2'])).text(), 'next key: b2\n' + a + b1);
    assert.equal((await ok(['read-range', pk, '-a', '-l', '2', '-r'])).text(), 'next key: a\n' + b1 + b2);

    const json = (await ok(['read-range', pk, '-p', 'b', '-l', '1', '-j'])).text();
    assert.equal(
      json,
      `{\n  "next_key": "b2",\n  "values": [\n    {\n      "causality": "${await token(pk, 'b1')}",\n      "sort_key": "b1",\n` +
        `      "value": [\n        "${b64('B1')}",\n        "${b64('B1bis')}"\n      ]\n    }\n  ]\n}`,
    );
  });

  test('read-index: the table and the json of k2v-cli, -p, -l with a next key; -c/-t refused', async () => {
    const base = uniquePk('index');
    await fill(`${base}-1`);
    await putItem(ts, `${base}-2`, 'x', 'xyz');
    const table = (await ok(['read-index', '-p', base])).text();
    const w = base.length + 2;
    const row = (p: string, e: number, c: number, v: number, by: number) =>
      `${p.padEnd(Math.max(w, 13) + 2)}${String(e).padEnd(9)}${String(c).padEnd(11)}${String(v).padEnd(8)}${by}\n`;
    assert.equal(
      table,
      `${'partition_key'.padEnd(Math.max(w, 13) + 2)}entries  conflicts  values  bytes\n` + row(`${base}-1`, 3, 1, 4, 9) + row(`${base}-2`, 1, 0, 1, 3),
    );
    assert.equal(
      (await ok(['read-index', '-p', base, '-l', '1', '-j'])).text(),
      `{\n  "next_key": "${base}-2",\n  "values": [\n    {\n      "bytes": 9,\n      "conflicts": 1,\n      "entries": 3,\n` +
        `      "partition_key": "${base}-1",\n      "values": 4\n    }\n  ]\n}`,
    );
    assertCleanFailure(await k2v(['read-index', '-a', '-t']), 1, /^k2v: --tombstones cannot be used with read-index$/);
  });

  test('delete-range: "deleted N keys", N alone with -j; -l refused', async () => {
    const pk = uniquePk('delrange');
    await fill(pk);
    assertCleanFailure(await k2v(['delete-range', pk, '-a', '-l', '1']), 1, /^k2v: --limit cannot be used with delete-range$/);
    assert.equal((await ok(['delete-range', pk, '-p', 'b', '-j'])).text(), '2\n');
    assert.equal((await ok(['delete-range', pk, '-a'])).text(), 'deleted 1 keys\n');
    assert.equal((await ok(['read-range', pk, '-a'])).text(), '');
  });

  test('poll-range: every item and a marker at first, then the changes since the marker, or the timeout line', async () => {
    const pk = uniquePk('pollrange');
    await putItem(ts, pk, 'a', 'A');
    const first = JSON.parse((await ok(['poll-range', pk, '-a', '-j'])).text()) as { seen_marker: string; values: { sort_key: string }[] };
    assert.deepEqual(first.values.map((v) => v.sort_key), ['a']);
    const humanFirst = (await ok(['poll-range', pk, '-a'])).text();
    assert.match(humanFirst, new RegExp(`^seen marker: \\S+\n${(await human(pk, 'a', ['value(utf-8): A'])).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));

    assert.equal((await ok(['poll-range', pk, '-a', '-S', first.seen_marker, '-T', '1'])).text(), "Delay expired and value didn't change.\n");
    assert.equal((await ok(['poll-range', pk, '-a', '-S', first.seen_marker, '-T', '1', '-j'])).text(), 'null\n');
    const polling = k2v(['poll-range', pk, '-p', 'b', '-S', first.seen_marker, '-T', '60', '-j']);
    await putItem(ts, pk, 'b', 'B');
    const woken = await polling;
    assert.equal(woken.code, 0, woken.stderr);
    const changed = JSON.parse(woken.text()) as { seen_marker: string; values: { sort_key: string; value: string[]; causality: string }[] };
    assert.deepEqual(changed.values, [{ causality: await token(pk, 'b'), sort_key: 'b', value: [b64('B')] }]);
    assertCleanFailure(await k2v(['poll-range', pk, '-a', '-r']), 1, /^k2v: --reverse cannot be used with poll-range$/);
  });
});

describe('command line', () => {
  test('-b before the verb is the bucket, after it the base64 output', async () => {
    const pk = uniquePk('positional');
    await putItem(ts, pk, 'k', 'v');
    const { K2V_BUCKET: _omitted, ...env } = clientEnv(ts);
    const r = await runK2v(['-b', ts.bucket, 'read', pk, 'k', '-b'], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.text(), `${await token(pk, 'k')}\n${b64('v')}\n`);
    assertCleanFailure(await runK2v(['read', pk, 'k', '-b'], { env }), 2, /^k2v: missing setting: -b\/--bucket \(or K2V_BUCKET\)$/);
  });

  test('every global from flags instead of the environment, K2V_KEY_ID / K2V_KEY_SECRET as fallbacks', async () => {
    const pk = uniquePk('globals');
    await putItem(ts, pk, 'k', 'v');
    const flags = ['-r', ts.config.region, '-e', ts.k2vUrl, '-k', ts.keyId, '-s', ts.secret, '-b', ts.bucket];
    assert.equal((await runK2v([...flags, 'read', pk, 'k', '-r'])).text(), 'v');
    const env = { K2V_ENDPOINT: ts.k2vUrl, K2V_KEY_ID: ts.keyId, K2V_KEY_SECRET: ts.secret, K2V_BUCKET: ts.bucket };
    assert.equal((await runK2v(['read', pk, 'k', '-r'], { env })).text(), 'v');
    assertCleanFailure(await runK2v(['read', pk, 'k']), 2, /^k2v: missing settings: -e\/--endpoint .*-k\/--key-id .*-s\/--secret .*-b\/--bucket/);
  });

  test("the product page's spelling: insert/read/list/delete with --bucket --partition --sort-key --value", async () => {
    const pk = uniquePk('page');
    const { K2V_BUCKET: _omitted, ...env } = clientEnv(ts);
    const run = async (...args: string[]) => {
      const r = await runK2v(args, { env });
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      return r.text();
    };
    assert.equal(await run('insert', '--bucket', ts.bucket, '--partition', pk, '--sort-key', 'key1', '--value', 'data'), '');
    assert.equal(await run('read', '--bucket', ts.bucket, '--partition', pk, '--sort-key', 'key1'), `causality: ${await token(pk, 'key1')}\nvalues:\n  utf-8: data\n`);
    assert.equal(await run('list', '--bucket', ts.bucket, '--partition', pk), `sort_key: key1\ncausality: ${await token(pk, 'key1')}\n  value(utf-8): data\n`);
    assert.match(await run('list', '--bucket', ts.bucket, '-p', pk), new RegExp(`^partition_key +entries +conflicts +values +bytes\n${pk} +1 +0 +1 +4\n$`));
    assert.equal(await run('delete', '--bucket', ts.bucket, '--partition', pk, '--sort-key', 'key1'), '');
    assert.deepEqual((await readItem(ts, pk, 'key1'))?.values, [null], 'a delete without a token deletes the value it read');
    assertCleanFailure(await runK2v(['delete', '--bucket', ts.bucket, '--partition', pk, '--sort-key', 'never'], { env }), 1, /^k2v: NoSuchKey: /);
  });

  test('server errors keep the contract code, status and path; an unreachable server is NetworkError; all exit 1', async () => {
    const pk = uniquePk('errors');
    assertCleanFailure(await runK2v(['read', pk, 'k'], { env: { ...clientEnv(ts), K2V_BUCKET: 'no-such-bucket' } }), 1, /^k2v: NoSuchBucket: .*\(HTTP 404, path \/no-such-bucket\//);
    assertCleanFailure(await runK2v(['read', pk, 'k'], { env: { ...clientEnv(ts), AWS_SECRET_ACCESS_KEY: '0'.repeat(64) } }), 1, /^k2v: AccessDenied: .*\(HTTP 403/);
    assertCleanFailure(await k2v(['insert', pk, 'k', '-c', 'not-a-token', '-t', 'x']), 1, /^k2v: CausalityToken: .*\(HTTP 400/);
    const port = await freePort();
    assertCleanFailure(await runK2v(['read', pk, 'k'], { env: { ...clientEnv(ts), K2V_ENDPOINT: `http://127.0.0.1:${port}` } }), 1, /^k2v: NetworkError: /);
  });

  test('a wrong command line exits 2: unknown flag, two formats, a bad number; --help of every verb has an example', async () => {
    assertCleanFailure(await k2v(['read', 'p', 's', '--bogus']), 2, /unknown option '--bogus'/);
    assertCleanFailure(await k2v(['read', 'p', 's', '-b', '-j']), 2, /^k2v: one output format only: --b64 and --json were given$/);
    assertCleanFailure(await k2v(['read-range', 'p', '-l', 'ten']), 2, /must be a whole number/);
    assertCleanFailure(await k2v(['read']), 2, /^k2v: missing partition key/);
    for (const verb of ['insert', 'read', 'delete', 'poll-item', 'poll-range', 'read-index', 'read-range', 'delete-range', 'list', 'watch']) {
      const r = await runK2v([verb, '--help']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.text(), new RegExp(`\nExamples?:\n(  .*\n)*  .*\\bk2v ${verb} `), verb);
    }
  });
});

describe('watch', () => {
  const lines = (cli: Cli): string[] => cli.stdout().split('\n').filter((l) => l !== '');

  test('watch <pk> -j: the current items, then each change as a JSON line, until SIGINT (exit 0)', async () => {
    const pk = uniquePk('watch');
    await putItem(ts, pk, 'a', 'A');
    const cli = spawnCli(['watch', pk, '-j', '-T', '30'], clientEnv(ts));
    try {
      await eventually(() => lines(cli).length >= 1, 30_000, 'initial state');
      const first = await token(pk, 'a');
      await putItem(ts, pk, 'b', 'B');
      await eventually(() => lines(cli).length >= 2, 30_000, 'the change');
      await deleteItem(ts, pk, 'a', await token(pk, 'a'));
      await eventually(() => lines(cli).length >= 3, 30_000, 'the delete');
      assert.deepEqual(
        lines(cli).map((l) => JSON.parse(l) as unknown),
        [
          { causality: first, partition_key: pk, sort_key: 'a', value: [b64('A')] },
          { causality: await token(pk, 'b'), partition_key: pk, sort_key: 'b', value: [b64('B')] },
          { causality: await token(pk, 'a'), partition_key: pk, sort_key: 'a', value: [null] },
        ],
      );
    } finally {
      cli.child.kill('SIGINT');
    }
    assert.equal(await within(cli.exited, 20_000, 'exit after SIGINT'), 0, cli.stderr());
    assert.equal(cli.stderr(), '');
  });

  test('watch <pk> <sk> --since TOKEN: human blocks of the one item as it changes', async () => {
    const pk = uniquePk('watch-item');
    await putItem(ts, pk, 'k', 'v1');
    await putItem(ts, pk, 'other', 'x');
    const v1 = await token(pk, 'k');
    const cli = spawnCli(['watch', pk, 'k', '--since', v1, '-T', '30'], clientEnv(ts));
    try {
      // The watch polls with v1's token, so the write wakes it whether the poll arrived first or not.
      await putItem(ts, pk, 'k', 'v2', v1);
      await eventually(() => cli.stdout().includes('v2'), 30_000, 'the change');
      assert.equal(cli.stdout(), `sort_key: k\ncausality: ${await token(pk, 'k')}\n  value(utf-8): v2\n`);
    } finally {
      cli.child.kill('SIGTERM');
    }
    assert.equal(await within(cli.exited, 20_000, 'exit after SIGTERM'), 0, cli.stderr());
  });

  test('a watch refused by the server ends with the contract code (exit 1)', async () => {
    const cli = spawnCli(['watch', 'pk', '-j'], { ...clientEnv(ts), K2V_BUCKET: 'no-such-bucket' });
    assert.equal(await within(cli.exited, 30_000, 'exit'), 1);
    assert.match(cli.stderr(), /^k2v: NoSuchBucket: /);
  });
});
