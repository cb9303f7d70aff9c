/**
 * The range formats, against what k2v-cli's source prints (BatchOutputKind and the read-index
 * and delete-range arms of main in bin/k2v-cli.rs), expected bytes written out by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  renderDeleteRange,
  renderPollRange,
  renderReadIndex,
  renderReadRange,
} from '../../../src/cli/client/batch-output.js';

const utf8 = (s: string) => Buffer.from(s, 'utf8');
// Out of order on purpose: k2v-cli prints the byte order of the keys whatever the answer's order.
const items = [
  { sortKey: 'b', causality: 'T2', values: [null] },
  { sortKey: 'a', causality: 'T1', values: [utf8('x'), Buffer.from([0xc3])] },
];

test('read-range --human: next key first, then each item in key order', () => {
  assert.equal(
    renderReadRange(items, 'c', 'human'),
    'next key: c\nsort_key: a\ncausality: T1\n  value(utf-8): x\n  value(base64): ww==\nsort_key: b\ncausality: T2\n  tombstone\n',
  );
  assert.equal(renderReadRange([], null, 'human'), '');
});

test('read-range --json: next_key and values with sort_key, keys sorted, no final newline', () => {
  assert.equal(
    renderReadRange(items, null, 'json'),
    '{\n  "next_key": null,\n  "values": [\n    {\n      "causality": "T1",\n      "sort_key": "a",\n      "value": [\n        "eA==",\n        "ww=="\n      ]\n    },\n' +
      '    {\n      "causality": "T2",\n      "sort_key": "b",\n      "value": [\n        null\n      ]\n    }\n  ]\n}',
  );
  assert.equal(renderReadRange([], null, 'json'), '{\n  "next_key": null,\n  "values": []\n}');
});

test('keys are ordered by UTF-8 bytes: U+FFFD sorts before U+1F600 (UTF-16 order says otherwise)', () => {
  const out = renderReadRange(
    [
      { sortKey: '\u{1F600}', causality: 'A', values: [] },
      { sortKey: '\uFFFD', causality: 'B', values: [] },
    ],
    null,
    'human',
  );
  assert.equal(out, 'sort_key: \uFFFD\ncausality: B\nsort_key: \u{1F600}\ncausality: A\n');
});

test('poll-range: seen marker first (human), seen_marker before values (json)', () => {
  assert.equal(renderPollRange([items[0]!], 'M', 'human'), 'seen marker: M\nsort_key: b\ncausality: T2\n  tombstone\n');
  assert.equal(
    renderPollRange([], 'M', 'json'),
    '{\n  "seen_marker": "M",\n  "values": []\n}',
  );
});

test('read-index: a table under a header (human), counters in key order (json)', () => {
  const parts = [
    { partitionKey: 'user-2', entries: 10, conflicts: 0, values: 10, bytes: 1234 },
    { partitionKey: 'u1', entries: 1, conflicts: 1, values: 2, bytes: 5 },
  ];
  assert.equal(
    renderReadIndex(parts, null, 'human'),
    'partition_key  entries  conflicts  values  bytes\nu1             1        1          2       5\nuser-2         10       0          10      1234\n',
  );
  assert.equal(renderReadIndex([], 'n', 'human'), 'next key: n\npartition_key  entries  conflicts  values  bytes\n');
  assert.equal(
    renderReadIndex([parts[1]!], null, 'json'),
    '{\n  "next_key": null,\n  "values": [\n    {\n      "bytes": 5,\n      "conflicts": 1,\n      "entries": 1,\n      "partition_key": "u1",\n      "values": 2\n    }\n  ]\n}',
  );
});

test('delete-range: the count', () => {
  assert.equal(renderDeleteRange(3, 'human'), 'deleted 3 keys\n');
  assert.equal(renderDeleteRange(3, 'json'), '3\n');
});
