/**
 * Scripts written for Garage's `k2v-cli`, replayed unchanged against `k2v`: a `k2v-cli` on the
 * PATH that runs our binary, the connection in the environment as k2v-cli's users export it.
 * Each expected output is what k2v-cli's source (src/k2v-client/bin/k2v-cli.rs) prints for the
 * same calls, byte for byte; causality tokens and seen markers, which differ from run to run,
 * are masked by the scripts themselves with sed, as a script comparing outputs would.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { b64, useTestServer } from './harness.js';
import { clientEnv, runProcess } from './support-cli.js';
import { K2V_BIN } from './support-process.js';

const ts = useTestServer();
let runs = 0;

async function replay(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'k2v-cli-script-'));
  const shim = path.join(dir, 'k2v-cli');
  await writeFile(shim, `#!/bin/sh\nexec '${process.execPath}' '${K2V_BIN}' "$@"\n`);
  await chmod(shim, 0o755);
  runs += 1;
  const env = { ...clientEnv(ts), PATH: `${dir}:${process.env.PATH ?? ''}`, RUN: `${process.pid}-${runs}`, HOME: dir };
  const r = await runProcess('/bin/bash', ['-c', `cd '${dir}'\n${script}`], { env, timeoutMs: 120_000 });
  return { code: r.code, stdout: r.text(), stderr: r.stderr };
}

const MASK = `sed -E -e 's/^causality: .*/causality: <ct>/' -e 's/^seen marker: .*/seen marker: <marker>/' -e 's/"causality": "[^"]*"/"causality": "<ct>"/'`;

describe('k2v-cli scripts', () => {
  test('object metadata: write, read -b / -r, update with the token, a concurrent writer, resolve, delete', async () => {
    const r = await replay(`
set -eu
pk="photos-$RUN"
k2v-cli insert "$pk" photo1.jpg -t '{"tags":["cat","sofa"]}'
k2v-cli read "$pk" photo1.jpg -b | tail -n +2
k2v-cli read "$pk" photo1.jpg -r; echo
ct=$(k2v-cli read "$pk" photo1.jpg -b | head -n 1)
k2v-cli insert "$pk" photo1.jpg -c "$ct" -t '{"tags":["cat"]}'
k2v-cli insert "$pk" photo1.jpg -t '{"tags":["dog"]}'
if k2v-cli read "$pk" photo1.jpg -r > out.bin 2> err.txt; then echo "no conflict"; else echo "raw exit $?"; fi
cat err.txt
k2v-cli read "$pk" photo1.jpg -b | tail -n +2 | while read -r v; do printf '%s' "$v" | base64 -d; echo; done
k2v-cli read "$pk" photo1.jpg | ${MASK}
ct=$(k2v-cli read "$pk" photo1.jpg -b | head -n 1)
k2v-cli insert "$pk" photo1.jpg -c "$ct" -t merged
k2v-cli read "$pk" photo1.jpg -j | ${MASK}; echo
ct=$(k2v-cli read "$pk" photo1.jpg -b | head -n 1)
k2v-cli delete "$pk" photo1.jpg -c "$ct"
k2v-cli read "$pk" photo1.jpg -b | tail -n +2 | od -An -c
set +e
k2v-cli read "$pk" photo1.jpg -r 2>&1; echo "tombstone exit $?"
k2v-cli read "$pk" never.jpg > /dev/null 2>&1; echo "missing exit $?"
`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        b64('{"tags":["cat","sofa"]}'),
        '{"tags":["cat","sofa"]}',
        'raw exit 1',
        'Raw mode can only read non-concurrent values, found 2 values, expected 1',
        '{"tags":["cat"]}',
        '{"tags":["dog"]}',
        'causality: <ct>',
        'values:',
        '  utf-8: {"tags":["cat"]}',
        '  utf-8: {"tags":["dog"]}',
        '{',
        '  "causality": "<ct>",',
        '  "value": [',
        `    "${b64('merged')}"`,
        '  ]',
        '}',
        '  \\n',
        'Expected value, found tombstone',
        'tombstone exit 2',
        'missing exit 1',
        '',
      ].join('\n'),
    );
  });

  test('an inbox: read-range with -p/-l/-s/-t, read-index, delete-range, JSON piped to a counter', async () => {
    const r = await replay(`
set -eu
pk="inbox-$RUN"
for i in 1 2 3; do k2v-cli insert "$pk" "msg-$i" -t "hello $i"; done
k2v-cli read-range "$pk" -a | ${MASK}
k2v-cli read-range "$pk" -p msg- -l 2 | ${MASK}
k2v-cli read-index -p "$pk" | sed "s/$pk/PK/"
k2v-cli delete-range "$pk" -s msg-2
k2v-cli read-range "$pk" -a -t | ${MASK}
k2v-cli read-range "$pk" -a -j | grep -c '"sort_key"'
k2v-cli delete-range "$pk" -a -j
`);
    assert.equal(r.code, 0, r.stderr);
    const pk = `inbox-${process.pid}-${runs}`;
    const width = Math.max('partition_key'.length, pk.length);
    assert.equal(
      r.stdout,
      [
        'sort_key: msg-1',
        'causality: <ct>',
        '  value(utf-8): hello 1',
        'sort_key: msg-2',
        'causality: <ct>',
        '  value(utf-8): hello 2',
        'sort_key: msg-3',
        'causality: <ct>',
        '  value(utf-8): hello 3',
        'next key: msg-3',
        'sort_key: msg-1',
        'causality: <ct>',
        '  value(utf-8): hello 1',
        'sort_key: msg-2',
        'causality: <ct>',
        '  value(utf-8): hello 2',
        `${'partition_key'.padEnd(width + 2)}entries  conflicts  values  bytes`,
        'PK' + ' '.repeat(width + 2 - pk.length) + '3        0          3       21',
        'deleted 2 keys',
        'sort_key: msg-1',
        'causality: <ct>',
        '  value(utf-8): hello 1',
        'sort_key: msg-2',
        'causality: <ct>',
        '  tombstone',
        'sort_key: msg-3',
        'causality: <ct>',
        '  tombstone',
        '1',
        '1',
        '',
      ].join('\n'),
    );
  });

  test('a change feed: poll-range from a marker, poll-item woken by a writer, timeouts', async () => {
    const r = await replay(`
set -eu
pk="feed-$RUN"
k2v-cli insert "$pk" a -t A
marker=$(k2v-cli poll-range "$pk" -a | head -n 1 | sed 's/^seen marker: //')
k2v-cli poll-range "$pk" -a -S "$marker" -T 1
ct=$(k2v-cli read "$pk" a -b | head -n 1)
k2v-cli poll-item "$pk" a -c "$ct" -T 1
k2v-cli poll-item "$pk" a -c "$ct" -T 1 -j
k2v-cli poll-item "$pk" a -c "$ct" -T 30 -r > woke.txt &
k2v-cli insert "$pk" a -c "$ct" -t A2
wait
cat woke.txt; echo
k2v-cli poll-range "$pk" -a -S "$marker" -T 30 | ${MASK}
k2v-cli poll-item "$pk" a -c "$ct" -j | ${MASK}; echo
`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        "Delay expired and value didn't change.",
        "Delay expired and value didn't change.",
        'null',
        'A2',
        'seen marker: <marker>',
        'sort_key: a',
        'causality: <ct>',
        '  value(utf-8): A2',
        '{',
        '  "causality": "<ct>",',
        '  "value": [',
        `    "${b64('A2')}"`,
        '  ]',
        '}',
        '',
      ].join('\n'),
    );
  });

  test('the connection from flags before the verb, as a script that does not export it', async () => {
    const r = await replay(`
set -eu
flags="-r $AWS_REGION -e $K2V_ENDPOINT -k $AWS_ACCESS_KEY_ID -s $AWS_SECRET_ACCESS_KEY -b $K2V_BUCKET"
unset K2V_ENDPOINT AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY K2V_BUCKET
k2v-cli $flags insert "cfg-$RUN" k -b aGVsbG8=
k2v-cli $flags read "cfg-$RUN" k -b | tail -n 1
set +e
k2v-cli read "cfg-$RUN" k 2> /dev/null; echo "no connection exit $?"
`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'aGVsbG8=\nno connection exit 2\n');
  });
});
