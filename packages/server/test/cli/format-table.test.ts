import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTable } from '../../src/cli/format-table.js';

test('columns are padded to the widest cell plus two spaces, the last column is not padded', () => {
  assert.equal(
    formatTable(['partition_key\tentries\tbytes', 'a\t1\t10', 'longer-key\t12345678\t7']),
    'partition_key  entries   bytes\n' + 'a              1         10\n' + 'longer-key     12345678  7\n',
  );
});

test('widths count code points, not UTF-16 units or bytes', () => {
  assert.equal(formatTable(['é😀\tx', 'abc\ty']), 'é😀   x\nabc  y\n');
});

test('a leading tab gives an empty first column (Garage key and bucket lists)', () => {
  assert.equal(formatTable(['\tGK1\tname']), '  GK1  name\n');
  assert.equal(formatTable([]), '');
});
