/**
 * The single-item formats, against what k2v-cli's source prints (bin/k2v-cli.rs,
 * ReadOutputKind::display_output): the expected bytes are written out by hand from it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pollTimedOut, renderRead } from '../../../src/cli/client/read-output.js';

const utf8 = (s: string) => Buffer.from(s, 'utf8');
const item = { causality: 'TOKEN', values: [utf8('hello'), null, Buffer.from([0xff, 0x00])] };

test('--b64: the token, then one base64 value per line, an empty line for a tombstone', () => {
  assert.deepEqual(renderRead(item, 'b64'), { stdout: 'TOKEN\naGVsbG8=\n\n/wA=\n', exitCode: 0 });
});

test('--human: utf-8 values as text, others as base64, tombstones named', () => {
  assert.equal(renderRead(item, 'human').stdout, 'causality: TOKEN\nvalues:\n  utf-8: hello\n  tombstone\n  base64: /wA=\n');
});

test('--human keeps a byte order mark (valid UTF-8) and shows text with newlines as it is', () => {
  assert.equal(renderRead({ causality: 'T', values: [utf8('\uFEFFa\nb')] }, 'human').stdout, 'causality: T\nvalues:\n  utf-8: \uFEFFa\nb\n');
});

test('--json: serde_json pretty shape, sorted keys, no final newline', () => {
  assert.equal(
    renderRead(item, 'json').stdout,
    '{\n  "causality": "TOKEN",\n  "value": [\n    "aGVsbG8=",\n    null,\n    "/wA="\n  ]\n}',
  );
});

test('--raw: the bytes of the one value', () => {
  const r = renderRead({ causality: 'T', values: [Buffer.from([1, 2, 0xff])] }, 'raw');
  assert.deepEqual([Buffer.from(r.stdout).toString('hex'), r.exitCode, r.stderr], ['0102ff', 0, undefined]);
});

test('--raw: concurrent values exit 1, a tombstone exits 2, with k2v-cli messages on stderr', () => {
  assert.deepEqual(renderRead(item, 'raw'), {
    stdout: '',
    stderr: 'Raw mode can only read non-concurrent values, found 3 values, expected 1\n',
    exitCode: 1,
  });
  assert.deepEqual(renderRead({ causality: 'T', values: [null] }, 'raw'), {
    stdout: '',
    stderr: 'Expected value, found tombstone\n',
    exitCode: 2,
  });
});

test('a poll that timed out', () => {
  assert.equal(pollTimedOut(false), "Delay expired and value didn't change.\n");
  assert.equal(pollTimedOut(true), 'null\n');
});
