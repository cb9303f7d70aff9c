import assert from 'node:assert/strict';
import os from 'node:os';
import { describe, it } from 'node:test';
import { diskNearlyFull, freeBytes } from '../../../src/store/lmdb/disk-space.js';

describe('disk space', () => {
  it('reads the free space of a directory', () => {
    const free = freeBytes(os.tmpdir());
    assert.equal(typeof free, 'number');
    assert.ok(free! >= 0);
  });

  it('compares it with the threshold', () => {
    assert.equal(diskNearlyFull(os.tmpdir(), 0), false);
    assert.equal(diskNearlyFull(os.tmpdir(), Number.MAX_SAFE_INTEGER), true);
  });

  it('says not full when the space cannot be read', () => {
    assert.equal(freeBytes('/no/such/dir/for/k2v'), undefined);
    assert.equal(diskNearlyFull('/no/such/dir/for/k2v', Number.MAX_SAFE_INTEGER), false);
  });
});
